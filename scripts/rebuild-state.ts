/**
 * Rebuilds the zksettle state from the chain alone (issue 6, data availability) and
 * compares it with the settlement contract's state root:
 *
 *   npx ts-node scripts/rebuild-state.ts --rpc-url http://127.0.0.1:8545 --settlement 0x… [--out state.json]
 *
 * Reads only the contract's events (GenesisPublished, DepositQueued, BatchFinalized) and
 * the calldata of each batch's submitBatch transaction (prover/chain/rebuild.ts), replays
 * every batch, and writes a state.json snapshot (prover/state/snapshot.ts) when asked.
 * Exits 1 when the rebuilt root is not the contract's, 2 when the replay diverges.
 * The Hardhat task `rebuild-state` (tasks/rebuild-state.ts) runs the same code.
 */
import fs from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { refuseRenamed, sharedOption, withVocabulary } from "../prover/run/cli-options";
import { JsonRpcProvider, type Provider } from "ethers";
import { RebuildError, rebuildState, type RebuildResult } from "../prover/chain/rebuild";
import { stateSnapshot, type StateSnapshot } from "../prover/state/snapshot";

/** Options of {@link runRebuild}: what the CLI and the Hardhat task take. */
export interface RunRebuildOptions {
  /** Where to write the state.json snapshot. */
  readonly out?: string;
  /** A file holding the genesis encoding, for a contract deployed without one in GenesisPublished. */
  readonly genesisFile?: string;
  readonly fromBlock?: number;
  readonly toBlock?: number;
  readonly logChunk?: number;
  readonly log?: (line: string) => void;
}

/** What {@link runRebuild} did. */
export interface RunRebuildResult {
  readonly result: RebuildResult;
  readonly snapshot: StateSnapshot;
}

/**
 * Rebuilds the state of `settlement` from `provider`, reports it and writes the snapshot.
 * @throws RebuildError naming the batch where the replay diverges
 */
export async function runRebuild(provider: Provider, settlement: string, opts: RunRebuildOptions = {}): Promise<RunRebuildResult> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const genesis = opts.genesisFile === undefined ? undefined : new Uint8Array(fs.readFileSync(opts.genesisFile));
  const result = await rebuildState(provider, settlement, {
    genesis,
    fromBlock: opts.fromBlock,
    toBlock: opts.toBlock,
    logChunk: opts.logChunk,
    log,
  });
  const snapshot = stateSnapshot(result.state, result.totals);
  log(`${result.batches.length} batches replayed, ${result.depositsConsumed} of ${result.queue.length} queue entries consumed, ${result.state.accounts.size} accounts`);
  log(`rebuilt state root  ${result.state.stateRoot()}`);
  log(`contract stateRoot  ${result.chainStateRoot}  ${result.matchesChain ? "(match)" : "(MISMATCH)"}`);
  if (opts.out !== undefined) {
    fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
    fs.writeFileSync(opts.out, JSON.stringify(snapshot, null, 2));
    log(`wrote ${opts.out}`);
  }
  return { result, snapshot };
}

const int = (name: string) => (v: string): number => {
  if (!/^[0-9]+$/.test(v)) throw new Error(`--${name} must be a non-negative integer, not ${v}`);
  return Number(v);
};

async function main(): Promise<void> {
  const cmd = new Command()
    .name("rebuild-state")
    .description("Rebuild the zksettle state from the chain alone (events and submitBatch calldata) and compare it with the contract's root")
    .addOption(sharedOption("rpcUrl"))
    .addOption(sharedOption("settlement", { required: true }))
    .option("--out <file>", "write a state.json snapshot here")
    .option("--genesis <file>", "genesis encoding (prover/state/genesis-codec.ts) when GenesisPublished carries none")
    .option("--from-block <n>", "first block to read logs from (the deployment block)", int("from-block"))
    .option("--to-block <n>", "rebuild the state as of this block", int("to-block"))
    .option("--log-chunk <n>", "blocks per eth_getLogs call, for RPCs that cap the range", int("log-chunk"));
  const opts = withVocabulary(cmd, ["--rpc"])
    .parse()
    .opts<{ rpcUrl: string; settlement: string; out?: string; genesis?: string; fromBlock?: number; toBlock?: number; logChunk?: number }>();
  refuseRenamed(cmd, ["--rpc"]);
  const provider = new JsonRpcProvider(opts.rpcUrl);
  try {
    const { result } = await runRebuild(provider, opts.settlement, {
      out: opts.out,
      genesisFile: opts.genesis,
      fromBlock: opts.fromBlock,
      toBlock: opts.toBlock,
      logChunk: opts.logChunk,
    });
    process.exitCode = result.matchesChain ? 0 : 1;
  } catch (e) {
    if (!(e instanceof RebuildError)) throw e;
    console.error(`rebuild failed: ${e.message}`);
    process.exitCode = 2;
  } finally {
    provider.destroy();
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
