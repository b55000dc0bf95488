/**
 * Builds the batch circuit for one parameter set:
 *   ts-node scripts/build.ts --params ci|prod|FILE [--no-inspect]
 * Regenerates the layout include from prover/state/layout/spec.ts first (scripts/gen-layout.ts).
 * Output in build/<name>/ (cached by a hash of sources; see scripts/lib/circom.ts).
 * Fails when circom's --inspect pass reports any warning: an unconstrained signal in
 * a settlement circuit is a soundness bug until proven otherwise. The only exceptions
 * are the circomlib templates listed, each with its reason, in
 * circuits/inspect-allowlist.json.
 */
import { Command } from "commander";
import { compileCircuit } from "./lib/circom";
import { generateLayout, refuseInspectWarnings } from "./lib/pipeline";
import { BATCH_CIRCUIT, batchMainSource, buildDir, loadCircuitParams } from "./lib/params";

async function main(): Promise<void> {
  const opts = new Command()
    .requiredOption("--params <name|file>", "parameter set: ci, prod or a JSON file")
    .option("--no-inspect", "do not fail on the --inspect warnings")
    .parse()
    .opts<{ params: string; inspect: boolean }>();

  const params = loadCircuitParams(opts.params);
  generateLayout();
  const out = await compileCircuit({ name: BATCH_CIRCUIT, mainSource: batchMainSource(params), outDir: buildDir(params), inspect: opts.inspect });
  console.log(`params ${params.name}: ${out.constraints} constraints${out.cached ? " (cached)" : ""}`);
  console.log(`  r1cs ${out.r1cs}\n  wasm ${out.wasm}`);
  const allowed = refuseInspectWarnings(out.warnings);
  if (allowed.length > 0) console.log(`  ${allowed.length} --inspect warning(s) in allow-listed circomlib templates`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
