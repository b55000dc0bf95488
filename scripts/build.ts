/**
 * Builds the batch circuit for one parameter set:
 *   ts-node scripts/build.ts --params ci|prod|FILE [--no-inspect]
 * Output in build/<name>/ (cached by a hash of sources; see scripts/lib/circom.ts).
 * Fails when circom's --inspect pass reports any warning: an unconstrained signal in
 * a settlement circuit is a soundness bug until proven otherwise.
 */
import { Command } from "commander";
import { compileCircuit } from "./lib/circom";
import { batchMainSource, buildDir, loadParams } from "./lib/params";

async function main(): Promise<void> {
  const opts = new Command()
    .requiredOption("--params <name|file>", "parameter set: ci, prod or a JSON file")
    .option("--no-inspect", "skip the circom --inspect pass")
    .parse()
    .opts<{ params: string; inspect: boolean }>();

  const params = loadParams(opts.params);
  const out = await compileCircuit({ name: "batch", mainSource: batchMainSource(params), outDir: buildDir(params), inspect: opts.inspect });
  console.log(`params ${params.name}: ${out.constraints} constraints${out.cached ? " (cached)" : ""}`);
  console.log(`  r1cs ${out.r1cs}\n  wasm ${out.wasm}`);
  if (out.warnings.length > 0) {
    for (const w of out.warnings) console.error(w + "\n");
    throw new Error(`circom --inspect reported ${out.warnings.length} warning(s)`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
