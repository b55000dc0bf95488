/**
 * The fallback prover's rounds (prover/fallback/runner.ts) on a hardhat node, through a
 * JSON-RPC provider built as `zksettle fallback` builds it, behind the MockVerifier:
 * real witnesses of the ci circuit give the public input, the proof is a placeholder.
 *
 * These pin the two faults that stopped both racing provers of the e2e after the first
 * fallback batch: a batch lost at estimateGas was not recognised as lost (ethers leaves
 * custom errors undecoded there), and the winner planned the batch it had just submitted
 * once more, from a head read before that batch was mined; and the nonce of the winner's
 * next batch, taken from a transaction count read (or cached by ethers for 250 ms) before
 * its last batch was mined, was that batch's nonce again.
 */
import { expect } from "chai";
import { ContractFactory, Interface, JsonRpcProvider, Wallet, type AddressLike, type BlockTag, type Signer } from "ethers";
import { FALLBACK_ABI, FallbackProver, revertName } from "../../../prover/fallback/runner";
import { insecureDevOracle } from "../../../prover/fallback/header-source";
import type { BatchProver } from "../../../prover/fallback/prove";
import { circuitFiles } from "../../../prover/fallback/prove";
import { WitnessCalculator } from "../../../prover/zk/witness";
import { readArtifact, type DeployedContract } from "../../../prover/chain/deploy";
import { depositNew } from "../../../prover/dev/fixtures";
import { deployDevContracts, hardhatKey, hardhatSigner, l1Deposit, startHardhatNode, type DevChain, type DevContracts } from "../../../scripts/lib/dev-chain";
import { CI_CIRCUIT_DIR, CI_PARAMS, ciGenesis } from "../service/fixtures";

const USDC = 1_000_000n;
const PLACEHOLDER_PROOF = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n];

/**
 * A provider whose head lags the chain by `lag` blocks, and whose transaction counts lag
 * by as many transactions, as a cached or load-balanced RPC may answer.
 */
class LaggingProvider extends JsonRpcProvider {
  lag = 0;
  override async getBlockNumber(): Promise<number> {
    return (await super.getBlockNumber()) - this.lag;
  }
  override async getTransactionCount(address: AddressLike, blockTag?: BlockTag): Promise<number> {
    return Math.max(0, (await super.getTransactionCount(address, blockTag)) - this.lag);
  }
}

describe("fallback prover rounds", function () {
  this.timeout(5 * 60_000);

  describe("revertName", () => {
    const abi = new Interface(FALLBACK_ABI as unknown as string[]);

    it("names a custom error that ethers left undecoded in `data` (a send refused at estimateGas)", () => {
      const data = abi.encodeErrorResult("StateRootMismatch", [1n, 2n]);
      expect(revertName({ code: "CALL_EXCEPTION", revert: null, data }, abi)).to.equal("StateRootMismatch");
    });

    it("names a custom error of a transaction a hardhat node mined and reverted while sending it (UNKNOWN_ERROR)", () => {
      // The shape `zksettle fallback` met in the e2e when two provers entered fallback mode at once.
      const data = abi.encodeErrorResult("AlreadyInFallback", []);
      const e = { code: "UNKNOWN_ERROR", error: { code: -32603, data: { data, message: "reverted with custom error 'AlreadyInFallback()'", txHash: "0x12" } } };
      expect(revertName(e, abi)).to.equal("AlreadyInFallback");
    });

    it("takes the name ethers decoded, and names nothing it cannot decode", () => {
      expect(revertName({ revert: { name: "Frozen" } }, abi)).to.equal("Frozen");
      expect(revertName({ revert: null, data: "0xdeadbeef" }, abi)).to.equal(undefined);
      expect(revertName({ revert: null, data: "0x" }, abi)).to.equal(undefined);
      expect(revertName(new Error("socket hang up"), abi)).to.equal(undefined);
      expect(revertName(undefined, abi)).to.equal(undefined);
    });
  });

  describe("two provers racing on a node", () => {
    let chain: DevChain;
    let contracts: DevContracts;
    let witnesses: WitnessCalculator;

    /** A prover whose proof the MockVerifier accepts, with the circuit's real public input; `before` runs first. */
    const mockProver = (before: () => Promise<void> = async () => undefined): BatchProver => ({
      async prove(input) {
        const w = await witnesses.witness(input);
        await before();
        return { proof: PLACEHOLDER_PROOF, publicSignals: [w[1].toString()] };
      },
    });

    const fallbackProver = (provider: JsonRpcProvider, keyIndex: number, prover: BatchProver): FallbackProver =>
      new FallbackProver({
        provider,
        signer: new Wallet(hardhatKey(keyIndex), provider),
        settlement: contracts.settlement.target as string,
        prover,
        headers: insecureDevOracle(),
        fromBlock: contracts.deployBlock,
        pollMs: 50,
        log: () => undefined,
      });

    before(async () => {
      witnesses = await WitnessCalculator.load(circuitFiles(CI_CIRCUIT_DIR).wasm);
      chain = await startHardhatNode();
      const operator = hardhatSigner(0, chain.provider);
      const { abi, bytecode } = readArtifact("contracts/test/MockVerifier.sol", "MockVerifier");
      const verifier = (await new ContractFactory(abi, bytecode, operator).deploy()) as DeployedContract;
      await verifier.waitForDeployment();
      contracts = await deployDevContracts(operator, CI_PARAMS, await ciGenesis(), 300, verifier);
      // The operator serves nothing: three accounts wait in the queue (N = 2: two batches).
      const traders: Signer[] = [1, 2, 3].map((i) => hardhatSigner(i, chain.provider));
      for (const [i, t] of traders.entries()) await l1Deposit(contracts, t, depositNew(i + 1, 100n * USDC));
      await chain.provider.send("evm_increaseTime", [7 * 24 * 3600 + 1]);
      await chain.provider.send("evm_mine", []);
    });

    after(async () => {
      await chain?.stop();
    });

    it("the loser of a race loses the round, the winner builds its next batch on its own even when the head and its nonce lag, nothing is applied twice", async () => {
      // As `zksettle fallback` builds its provider (ethers' default request cache included).
      const options = { staticNetwork: true, pollingInterval: 200 } as const;
      const providerA = new LaggingProvider(chain.url, undefined, options);
      const providerB = new JsonRpcProvider(chain.url, undefined, options);
      try {
        const a = fallbackProver(providerA, 8, mockProver());
        let aFirst: Awaited<ReturnType<FallbackProver["round"]>> | undefined;
        // b proves on the same root as a, and a's batch lands while b is proving.
        const b = fallbackProver(providerB, 9, mockProver(async () => {
          aFirst ??= await a.round();
        }));

        expect((await a.round()).kind).to.equal("entered");
        const bFirst = await b.round();
        expect(aFirst).to.include({ kind: "submitted", batchNumber: 0, served: 2 });
        expect(bFirst).to.deep.equal({ kind: "lost", reason: "submitBatch reverted StateRootMismatch" });

        // a's provider now answers a head and a transaction count from before a's own batch.
        providerA.lag = 1;
        expect(await a.round()).to.include({ kind: "submitted", batchNumber: 1, served: 1 });
        expect(await b.round()).to.deep.equal({ kind: "idle" });
      } finally {
        providerA.destroy();
        providerB.destroy();
      }

      const s = contracts.settlement;
      expect(await s.depositsConsumed()).to.equal(3n);
      expect(await s.batchCount()).to.equal(2n);
      const events = (await s.queryFilter(s.filters.FallbackBatchFinalized())) as unknown as { args: [bigint, string, bigint] }[];
      const winner = new Wallet(hardhatKey(8)).address;
      expect(events.map((e) => [e.args[0], e.args[1], e.args[2]])).to.deep.equal([[0n, winner, 2n], [1n, winner, 1n]]);
    });
  });
});
