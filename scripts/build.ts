/**
 * Builds the batch circuit for one parameter set:
 *   ts-node scripts/build.ts --params ci|prod|FILE [--no-inspect]
 * Output in build/<name>/ (cached by a hash of sources; see scripts/lib/circom.ts).
 * Fails when circom's --inspect pass reports any warning: an unconstrained signal in
 * a settlement circuit is a soundness bug until proven otherwise. The only exceptions
 * are the circomlib templates listed, each with its reason, in
 * circuits/inspect-allowlist.json.
 */
import fs from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { compileCircuit, REPO_ROOT } from "./lib/circom";
import { BATCH_CIRCUIT, batchMainSource, buildDir, loadParams } from "./lib/params";

/** Splits warnings into those of allow-listed templates and the rest. */
function applyAllowlist(warnings: string[]): { allowed: string[]; rejected: string[] } {
  const file = path.join(REPO_ROOT, "circuits", "inspect-allowlist.json");
  const templates = fs.existsSync(file) ? Object.keys((JSON.parse(fs.readFileSync(file, "utf8")) as { templates: Record<string, string> }).templates) : [];
  const allowed: string[] = [];
  const rejected: string[] = [];
  for (const w of warnings) {
    const template = /In template "([A-Za-z0-9_]+)\(/.exec(w)?.[1];
    (template !== undefined && templates.includes(template) ? allowed : rejected).push(w);
  }
  return { allowed, rejected };
}

async function main(): Promise<void> {
  const opts = new Command()
    .requiredOption("--params <name|file>", "parameter set: ci, prod or a JSON file")
    .option("--no-inspect", "skip the circom --inspect pass")
    .parse()
    .opts<{ params: string; inspect: boolean }>();

  const params = loadParams(opts.params);
  const out = await compileCircuit({ name: BATCH_CIRCUIT, mainSource: batchMainSource(params), outDir: buildDir(params), inspect: opts.inspect });
  console.log(`params ${params.name}: ${out.constraints} constraints${out.cached ? " (cached)" : ""}`);
  console.log(`  r1cs ${out.r1cs}\n  wasm ${out.wasm}`);
  const { allowed, rejected } = applyAllowlist(out.warnings);
  if (allowed.length > 0) console.log(`  ${allowed.length} --inspect warning(s) in allow-listed circomlib templates`);
  if (rejected.length > 0) {
    for (const w of rejected) console.error(w + "\n");
    throw new Error(`circom --inspect reported ${rejected.length} warning(s) outside circuits/inspect-allowlist.json`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
