/**
 * Hardhat task `zk:rebuild-state`: rebuilds the zksettle state from the chain alone and
 * compares it with the settlement contract's root (issue 6, data availability).
 *
 *   npx hardhat zk:rebuild-state --network localhost --settlement 0x… [--out state.json]
 *   npx hardhat zk:rebuild-state --rpc http://… --settlement 0x…
 *
 * Runs scripts/rebuild-state.ts's `runRebuild` on the selected network's provider (or
 * --rpc). Fails when the replay diverges or the rebuilt root is not the contract's.
 * hardhat.config.ts imports this file; it loads the prover code only when the task runs.
 */
import { task, types } from "hardhat/config";

interface RebuildTaskArgs {
  settlement: string;
  rpc?: string;
  out?: string;
  genesis?: string;
  fromBlock?: number;
  toBlock?: number;
  logChunk?: number;
}

task("zk:rebuild-state", "Rebuild the zksettle state from events and submitBatch calldata alone, and compare it with the contract's root")
  .addParam("settlement", "settlement contract address")
  .addOptionalParam("rpc", "JSON-RPC endpoint (default: the --network's provider)")
  .addOptionalParam("out", "write a state.json snapshot here")
  .addOptionalParam("genesis", "genesis encoding file, when GenesisPublished carries none")
  .addOptionalParam("fromBlock", "first block to read logs from (the deployment block)", undefined, types.int)
  .addOptionalParam("toBlock", "rebuild the state as of this block", undefined, types.int)
  .addOptionalParam("logChunk", "blocks per eth_getLogs call, for RPCs that cap the range", undefined, types.int)
  .setAction(async (args: RebuildTaskArgs, hre) => {
    const { BrowserProvider, JsonRpcProvider } = await import("ethers");
    const { runRebuild } = await import("../scripts/rebuild-state");
    const provider = args.rpc !== undefined ? new JsonRpcProvider(args.rpc) : new BrowserProvider(hre.network.provider);
    try {
      const { result } = await runRebuild(provider, args.settlement, {
        out: args.out,
        genesisFile: args.genesis,
        fromBlock: args.fromBlock,
        toBlock: args.toBlock,
        logChunk: args.logChunk,
      });
      if (!result.matchesChain) {
        throw new Error(`rebuilt state root ${result.state.stateRoot()} is not the contract's stateRoot ${result.chainStateRoot}`);
      }
      return result.state.stateRoot().toString();
    } finally {
      provider.destroy();
    }
  });
