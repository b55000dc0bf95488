/**
 * When the operator disappears, anyone carries on (issue 20), end to end at `ci`
 * parameters on a hardhat node with the generated Groth16 verifier and real proofs:
 *
 * 1. the operator serves two deposits, then stops; a third trader deposits and two
 *    traders request forced withdrawals (one for more than it holds);
 * 2. a `zksettle fallback` started before the deadline only waits; it is stopped (a
 *    restart loses nothing: the prover keeps no state);
 * 3. after FORCED_DEADLINE two `zksettle fallback` processes, two third parties, start at
 *    once: they rebuild the state from the chain, race on the same roots, and between
 *    them serve the three entries in two batches; the losing submissions revert
 *    StateRootMismatch and nothing is applied twice;
 * 4. each trader is credited exactly what the rules owe and claims it;
 * 5. then the operator is still gone, a new request waits past FREEZE_DEADLINE, anyone
 *    freezes, and every trader exits with its equity.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { expect } from "chai";
import { Contract, type Signer } from "ethers";
import { applyBatch } from "../../prover/state/batch";
import { buildBatchInput } from "../../prover/circuit-input/batch-input";
import { batchOnChain } from "../../prover/circuit-input/batch-data";
import { loadCircuit, toSolidityCalldata } from "../../prover/zk/prover";
import { depositNew, signedHeader } from "../../prover/dev/fixtures";
import { rebuildState } from "../../prover/chain/rebuild";
import { buildExitProofFromChain } from "../../prover/chain/exit-proof";
import { connect } from "../../prover/chain/deploy";
import { deployDevContracts, hardhatKey, hardhatSigner, l1Deposit, startHardhatNode, type DevChain, type DevContracts } from "../../scripts/lib/dev-chain";
import { CI_CIRCUIT_DIR, CI_PARAMS, ciGenesis } from "../prover/service/fixtures";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const USDC = 1_000_000n;
const DAY = 24 * 3600;

interface FallbackProcess {
  readonly lines: string[];
  readonly exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

/** Every child started, killed in `after` if still running. */
const children: FallbackProcess[] = [];

/** `zksettle fallback` as a child process (ts-node, transpile only), paying from hardhat account `keyIndex`. */
function startFallback(chain: DevChain, contracts: DevContracts, keyIndex: number): FallbackProcess {
  const args = ["fallback", "--rpc-url", chain.url, "--settlement", contracts.settlement.target as string, "--build-dir", CI_CIRCUIT_DIR];
  args.push("--from-block", String(contracts.deployBlock), "--poll-interval", "200", "--insecure-dev-oracle", "--until-served");
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(REPO_ROOT, "prover", "cli.ts"), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true", ZKSETTLE_SIGNER_KEY: hardhatKey(keyIndex) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  readline.createInterface({ input: child.stdout! }).on("line", (l) => lines.push(l));
  readline.createInterface({ input: child.stderr! }).on("line", (l) => lines.push(`stderr: ${l}`));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const p = { lines, exited, kill: (signal: NodeJS.Signals = "SIGTERM") => child.kill(signal) };
  children.push(p);
  return p;
}

async function until(what: string, ms: number, check: () => boolean): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("e2e: the operator disappears, anyone carries on with zksettle fallback, then the freeze path", function () {
  this.timeout(20 * 60_000);
  let chain: DevChain;
  let contracts: DevContracts;
  let traders: Signer[];
  let settlementAs: (who: Signer) => Contract;

  const increaseTime = async (seconds: number): Promise<void> => {
    await chain.provider.send("evm_increaseTime", [seconds]);
    await chain.provider.send("evm_mine", []);
  };

  before(async function () {
    const genesis = await ciGenesis();
    chain = await startHardhatNode();
    const operator = hardhatSigner(0, chain.provider);
    contracts = await deployDevContracts(operator, CI_PARAMS, genesis);
    traders = [1, 2, 3].map((i) => hardhatSigner(i, chain.provider));
    settlementAs = (who) => connect(contracts.settlement, who) as unknown as Contract;

    // 1. The operator serves alice's and bob's deposits with a real proof, then stops.
    const entries = [depositNew(1, 1_000n * USDC), depositNew(2, 1_000n * USDC)];
    for (const [i, e] of entries.entries()) await l1Deposit(contracts, traders[i], e);
    const circuit = await loadCircuit(CI_CIRCUIT_DIR);
    const ts = BigInt((await chain.provider.getBlock("latest"))!.timestamp);
    const applied = applyBatch(genesis, { header: signedHeader(genesis, ts), ops: [{ type: "DEPOSIT" }, { type: "DEPOSIT" }], deposits: entries });
    const { proof } = await circuit.prove(buildBatchInput(CI_PARAMS, applied.trace));
    await (await connect(contracts.settlement, operator).submitBatch(batchOnChain(CI_PARAMS, applied.trace).data, toSolidityCalldata(proof))).wait();

    // While it is gone: carol opens an account, alice asks for 300, bob for 5,000 (he holds 1,000).
    await l1Deposit(contracts, traders[2], depositNew(3, 2_000n * USDC));
    await (await settlementAs(traders[0]).requestForcedWithdrawal(1, 300n * USDC)).wait();
    await (await settlementAs(traders[1]).requestForcedWithdrawal(2, 5_000n * USDC)).wait();
  });

  after(async function () {
    // Only a failed run leaves one: SIGKILL, since SIGTERM waits for the round (a proof) to end.
    for (const c of children) c.kill("SIGKILL");
    await chain?.stop();
  });

  it("a fallback prover started before the deadline waits for the operator, and can be stopped and restarted", async function () {
    const early = startFallback(chain, contracts, 7);
    try {
      // Generous: the child loads ts-node and the proving key first, slow on a shared CPU.
      await until("the early prover's first round", 5 * 60_000, () => early.lines.some((l) => l.includes("the operator still has time")));
    } finally {
      early.kill();
    }
    expect(await early.exited).to.equal(0);
    expect(await contracts.settlement.fallbackMode()).to.equal(false);
    expect(await contracts.settlement.batchCount()).to.equal(1n);
  });

  it("after FORCED_DEADLINE two racing fallback provers serve every entry once, with real proofs", async function () {
    await increaseTime(7 * DAY + 1);
    const provers = [startFallback(chain, contracts, 8), startFallback(chain, contracts, 9)];
    const codes = await Promise.all(provers.map((p) => p.exited));
    const out = provers.flatMap((p) => p.lines);
    console.log(out.map((l) => `      | ${l}`).join("\n"));
    expect(codes).to.deep.equal([0, 0]);

    const s = contracts.settlement;
    expect(await s.fallbackMode()).to.equal(true);
    expect(await s.depositsConsumed()).to.equal(5n);
    expect(await s.batchCount()).to.equal(3n); // the operator's and two fallback batches: none applied twice
    const fallbackBatches = await s.queryFilter(s.filters.FallbackBatchFinalized());
    expect(fallbackBatches.map((e) => (e as unknown as { args: bigint[] }).args[2])).to.deep.equal([2n, 1n]);
    const credited = await s.queryFilter(s.filters.WithdrawalCredited());
    expect(credited).to.have.length(2);
    // A race was lost and retried on the new root.
    expect(out.some((l) => l.includes("round lost"))).to.equal(true);

    const rebuilt = await rebuildState(chain.provider, s.target as string, { fromBlock: contracts.deployBlock });
    expect(rebuilt.matchesChain).to.equal(true);
    expect(rebuilt.state.account(3).collateral).to.equal(2_000n * USDC);
  });

  it("every trader is credited exactly what the rules owe, and claims it", async function () {
    const s = contracts.settlement;
    const [alice, bob] = traders;
    // No positions: w = min(requested, collateral).
    expect(await s.claimable(await alice.getAddress())).to.equal(300n * USDC);
    expect(await s.claimable(await bob.getAddress())).to.equal(1_000n * USDC);
    for (const [who, amount] of [[alice, 300n * USDC], [bob, 1_000n * USDC]] as const) {
      const before = (await contracts.token.balanceOf(await who.getAddress())) as bigint;
      await (await settlementAs(who).claim(await who.getAddress())).wait();
      expect((await contracts.token.balanceOf(await who.getAddress())) - before).to.equal(amount);
    }
  });

  it("with nobody serving a new request, anyone freezes after FREEZE_DEADLINE and every trader exits with its equity", async function () {
    const s = contracts.settlement;
    const [alice, bob, carol] = traders;
    await (await settlementAs(carol).requestForcedWithdrawal(3, 100n * USDC)).wait();
    await increaseTime(7 * DAY + 1);
    // staticCall: a NonceManager counts a refused send as sent.
    await expect(settlementAs(alice).freeze.staticCall()).to.be.revertedWithCustomError(s, "FreezeTooEarly");
    await increaseTime(7 * DAY);
    await (await settlementAs(alice).freeze()).wait();
    expect(await s.frozen()).to.equal(true);

    const owed = [700n * USDC, 0n, 2_000n * USDC];
    for (const [i, who] of [alice, bob, carol].entries()) {
      const { proof, equity } = await buildExitProofFromChain(chain.provider, s.target as string, i + 1);
      expect(equity).to.equal(owed[i]);
      if (equity === 0n) continue;
      const before = (await contracts.token.balanceOf(await who.getAddress())) as bigint;
      await (await settlementAs(who).exit(proof)).wait();
      expect((await contracts.token.balanceOf(await who.getAddress())) - before).to.equal(owed[i]);
    }
  });
});
