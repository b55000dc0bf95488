/**
 * Hardhat tasks for operators and traders (docs/security.md):
 *
 *   npx hardhat zk:deploy   --params ci [--verifier 0x…] [--token 0x…] [--genesis-root 0x…] [--forced-deadline 604800] [--out serve.json]
 *   npx hardhat zk:inspect  --settlement 0x…
 *   npx hardhat zk:request-forced-withdrawal --settlement 0x… --account 3 --amount 1000000
 *   npx hardhat zk:freeze   --settlement 0x…
 *   npx hardhat zk:exit     --settlement 0x… --account 3 [--proof exit.json]
 *   npx hardhat zk:claim    --settlement 0x… [--recipient 0x…]
 *
 * `zk:exit` without `--proof` builds the exit proof from chain data alone
 * (prover/chain/exit-proof.ts `buildExitProofFromChain`, over `rebuildState` of
 * prover/chain/rebuild.ts). The signer is the network's first account; networks other
 * than the in-process one come from the environment (tasks/networks.ts: `--network
 * zksettle` with ZKSETTLE_RPC_URL, ZKSETTLE_SIGNER_KEY, ZKSETTLE_CHAIN_ID).
 */
import fs from "node:fs";
import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

/** The Settlement contract at `address`, connected to the first signer. */
async function settlementAt(hre: HardhatRuntimeEnvironment, address: string) {
  const [signer] = await hre.ethers.getSigners();
  return hre.ethers.getContractAt("Settlement", address, signer);
}

/** Reads an exit proof JSON (decimal strings, as scripts/exit-proof.ts writes it). */
function readProof(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

task("zk:deploy", "Deploys Poseidon(1..5), ExitVerifier and Settlement; prints the deployment as JSON")
  .addOptionalParam("params", "parameter set (circuits/params/<name>.json)", "ci")
  .addOptionalParam("verifier", "Groth16 verifier address (default: deploy contracts/generated/Groth16Verifier.sol)")
  .addOptionalParam("token", "collateral ERC-20 (required off a local chain; default there: deploy the test token)")
  .addOptionalParam("genesisRoot", "genesis state root (required off a local chain; default there: the INSECURE dev genesis)")
  .addOptionalParam("genesis", "file with the genesis bytes (prover/state/genesis-codec.ts) to publish")
  .addOptionalParam("forcedDeadline", "seconds to serve a queue entry", 7 * 24 * 3600, types.int)
  .addOptionalParam("maxOracleDrift", "seconds a header may run ahead", 300, types.int)
  .addOptionalParam("operator", "operator address (default: the signer)")
  .addOptionalParam("minDeposit", "least deposit, collateral units (default 1 USDC)")
  .addOptionalParam("maxPendingRequests", "unconsumed forced-withdrawal requests per account, 1..8", 2, types.int)
  .addOptionalParam("out", "also write a `zksettle serve --config` file (rpcUrl, settlement, fromBlock, params, confirmations)")
  .addFlag("insecureDev", "allow the test token and the INSECURE dev genesis on a chain that is not local")
  .setAction(async (args: Record<string, string | number | boolean | undefined>, hre) => {
    const { deploySettlement } = await import("../prover/chain/deploy");
    const { loadParams } = await import("../prover/state/params");
    const { deployConfirmations, isLocalChain } = await import("./networks");
    const [signer] = await hre.ethers.getSigners();
    const { chainId } = await hre.ethers.provider.getNetwork();
    const devDefaults = [args.token === undefined ? "--token" : "", args.genesisRoot === undefined ? "--genesis-root" : ""].filter((x) => x !== "");
    if (devDefaults.length > 0 && !isLocalChain(chainId) && args.insecureDev !== true) {
      throw new Error(
        `zk:deploy on chain ${chainId} (network ${hre.network.name}): ${devDefaults.join(" and ")} missing; the test token and the INSECURE dev genesis are for local chains (pass --insecure-dev to deploy them here anyway)`,
      );
    }
    const confirmations = deployConfirmations();
    const params = loadParams(String(args.params));
    // Everything slow comes before the first transaction: a node may close an idle
    // keep-alive connection (Hardhat's after 5 s) while the genesis is being hashed.
    let genesisStateRoot: bigint;
    if (args.genesisRoot !== undefined) genesisStateRoot = BigInt(args.genesisRoot as string);
    else {
      const { devGenesis } = await import("../prover/dev/fixtures");
      genesisStateRoot = (await devGenesis(params)).stateRoot();
    }
    const genesis = args.genesis ? fs.readFileSync(String(args.genesis)) : undefined;
    const verifier = (args.verifier as string | undefined) ?? (await (await hre.ethers.deployContract("Groth16Verifier")).getAddress());
    const token = (args.token as string | undefined) ?? (await (await hre.ethers.deployContract("TestToken")).getAddress());
    const d = await deploySettlement(signer, {
      verifier,
      token,
      genesisStateRoot,
      genesis,
      params,
      maxOracleDrift: Number(args.maxOracleDrift),
      forcedDeadline: Number(args.forcedDeadline),
      operator: args.operator as string | undefined,
      minDeposit: args.minDeposit === undefined ? undefined : BigInt(args.minDeposit),
      maxPendingRequests: Number(args.maxPendingRequests),
    });
    const receipt = await d.settlement.deploymentTransaction()?.wait(confirmations);
    const settlement = await d.settlement.getAddress();
    const fromBlock = receipt?.blockNumber ?? (await hre.ethers.provider.getBlockNumber());
    const deployment = { chainId: Number(chainId), network: hre.network.name, settlement, fromBlock, exitVerifier: d.exitVerifier, poseidons: d.poseidons, verifier, token };
    if (args.out !== undefined) {
      const url = "url" in hre.network.config ? hre.network.config.url : undefined;
      const serveConfig = { ...(url !== undefined ? { rpcUrl: url } : {}), settlement, fromBlock, params: String(args.params), confirmations };
      fs.writeFileSync(String(args.out), JSON.stringify(serveConfig, null, 2) + "\n");
    }
    console.log(JSON.stringify(deployment, null, 2));
    return deployment;
  });

task("zk:inspect", "Prints the settlement contract's state")
  .addParam("settlement", "Settlement address")
  .setAction(async (args: { settlement: string }, hre) => {
    const s = await settlementAt(hre, args.settlement);
    const consumed = await s.depositsConsumed();
    const count = await s.depositCount();
    const view: Record<string, unknown> = {
      operator: await s.operator(),
      pendingOperator: await s.pendingOperator(),
      stateRoot: (await s.stateRoot()).toString(),
      batchCount: (await s.batchCount()).toString(),
      queue: { consumed: consumed.toString(), length: count.toString() },
      frozen: await s.frozen(),
      frozenAt: (await s.frozenAt()).toString(),
      fallbackMode: await s.fallbackMode(),
      forcedDeadline: (await s.FORCED_DEADLINE()).toString(),
      totalClaimable: (await s.totalClaimable()).toString(),
      reserved: (await s.reserved()).toString(),
      parameters: { D: (await s.ACCOUNT_DEPTH()).toString(), M: (await s.MARKETS()).toString(), N: (await s.BATCH_SIZE()).toString() },
    };
    if (consumed < count) {
      const e = await s.queueEntries(consumed);
      const fallbackAfter = e.queuedAt + (await s.FORCED_DEADLINE());
      const freezableAfter = e.queuedAt + (await s.FREEZE_DEADLINE());
      view.oldestPending = { queueIndex: consumed.toString(), queuedAt: e.queuedAt.toString(), fallbackAfter: fallbackAfter.toString(), freezableAfter: freezableAfter.toString() };
    }
    console.log(JSON.stringify(view, null, 2));
  });

task("zk:request-forced-withdrawal", "Queues a forced-withdrawal request for an account you own")
  .addParam("settlement", "Settlement address")
  .addParam("account", "account index", undefined, types.int)
  .addParam("amount", "collateral units (< 2^48)")
  .setAction(async (args: { settlement: string; account: number; amount: string }, hre) => {
    const s = await settlementAt(hre, args.settlement);
    const rc = await (await s.requestForcedWithdrawal(args.account, BigInt(args.amount))).wait();
    console.log(`requested in ${rc?.hash}; the operator must serve it within FORCED_DEADLINE`);
  });

task("zk:freeze", "Freezes the contract once the oldest queue entry is overdue")
  .addParam("settlement", "Settlement address")
  .setAction(async (args: { settlement: string }, hre) => {
    const s = await settlementAt(hre, args.settlement);
    const rc = await (await s.freeze()).wait();
    console.log(`frozen in ${rc?.hash}`);
  });

task("zk:exit", "Exits an account after freezing (pays its L1 owner)")
  .addParam("settlement", "Settlement address")
  .addParam("account", "account index", undefined, types.int)
  .addOptionalParam("proof", "exit proof JSON (default: built from chain data)")
  .setAction(async (args: { settlement: string; account: number; proof?: string }, hre) => {
    const s = await settlementAt(hre, args.settlement);
    let proof: unknown;
    if (args.proof) proof = readProof(args.proof);
    else {
      const { buildExitProofFromChain } = await import("../prover/chain/exit-proof");
      const built = await buildExitProofFromChain(hre.ethers.provider, args.settlement, args.account);
      console.log(`rebuilt state root ${built.state.stateRoot()}; equity ${built.equity}`);
      proof = built.proof;
    }
    const rc = await (await s.exit(proof as never)).wait();
    console.log(`exited in ${rc?.hash}`);
  });

task("zk:claim", "Claims the caller's credited withdrawals")
  .addParam("settlement", "Settlement address")
  .addOptionalParam("recipient", "where the tokens go (default: the caller)")
  .setAction(async (args: { settlement: string; recipient?: string }, hre) => {
    const s = await settlementAt(hre, args.settlement);
    const [signer] = await hre.ethers.getSigners();
    const recipient = args.recipient ?? (await signer.getAddress());
    const amount = await s.claimable(await signer.getAddress());
    const rc = await (await s.claim(recipient)).wait();
    console.log(`claimed ${amount} to ${recipient} in ${rc?.hash}`);
  });
