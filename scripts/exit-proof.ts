/**
 * Builds the exit proof of an account from chain data alone and prints it as JSON (the
 * argument of `Settlement.exit`; `npx hardhat zk:exit --proof <file>` sends it).
 *
 * Usage: npx ts-node scripts/exit-proof.ts --rpc-url http://127.0.0.1:8545 --settlement 0x… --account 3 [--out exit.json]
 *
 * The state is rebuilt by `rebuildState(provider, settlementAddress)` of
 * prover/chain/rebuild.ts (GenesisPublished + the calldata of every BatchFinalized).
 */
import fs from "node:fs";
import { Command } from "commander";
import { refuseRenamed, sharedOption, withVocabulary } from "../prover/run/cli-options";
import { JsonRpcProvider } from "ethers";
import { buildExitProofFromChain, exitProofToJson } from "../prover/chain/exit-proof";
import { initCrypto } from "../prover/state/crypto";

async function main(): Promise<void> {
  const program = withVocabulary(
    new Command()
      .addOption(sharedOption("rpcUrl"))
      .addOption(sharedOption("settlement", { required: true }))
      .requiredOption("--account <index>", "account index")
      .option("--out <file>", "write the proof here instead of stdout"),
    ["--rpc"],
  ).parse(process.argv);
  refuseRenamed(program, ["--rpc"]);
  const o = program.opts<{ rpcUrl: string; settlement: string; account: string; out?: string }>();
  await initCrypto();
  const provider = new JsonRpcProvider(o.rpcUrl);
  const { proof, state, equity } = await buildExitProofFromChain(provider, o.settlement, Number(o.account));
  const json = JSON.stringify({ stateRoot: state.stateRoot().toString(), equity: equity.toString(), proof: exitProofToJson(proof) }, null, 2);
  if (o.out) fs.writeFileSync(o.out, json + "\n");
  else console.log(json);
  provider.destroy();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
