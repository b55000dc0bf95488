/**
 * The demo on embedded defaults (`npm run demo`): builds what is missing for the `ci`
 * parameters, starts a local Hardhat chain on 127.0.0.1, and runs the scenario of
 * scripts/lib/demo-flow.ts, printing a table per batch and writing out/demo/.
 */
import path from "node:path";
import { Command } from "commander";
import { REPO_ROOT } from "./lib/circom";
import { ensureBuilt } from "./lib/pipeline";
import { startHardhatNode } from "./lib/dev-chain";
import { runDemo, type DemoBatch } from "./lib/demo-flow";
import { demoMarginLines } from "./lib/demo-margin";
import { terminateCurves } from "../prover/zk/prover";

function table(batches: DemoBatch[]): string {
  const rows = [["batch", "ops", "witness ms", "prove ms", "verify ms", "submit→receipt ms", "gas used"]];
  for (const b of batches) {
    rows.push([String(b.number), b.ops.join("; "), ...[b.timingsMs.witness, b.timingsMs.prove, b.timingsMs.verify, b.timingsMs.submit].map(String), b.gasUsed]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ")).join("\n");
}

async function main(): Promise<void> {
  const opts = new Command()
    .description("Run the zksettle demo on a local Hardhat chain")
    .option("--params <name|file>", "parameter set", "ci")
    .option("--out <dir>", "output folder", path.join(REPO_ROOT, "out", "demo"))
    .parse()
    .opts<{ params: string; out: string }>();

  const built = await ensureBuilt(opts.params);
  console.log(`circuit ${built.params.name}: ${built.circuit.constraints} constraints, ptau 2^${built.setup.power}${built.setup.insecure ? " (INSECURE dev setup)" : ""}`);
  const chain = await startHardhatNode();
  const { provider } = chain;
  try {
    const signers = await Promise.all([0, 1, 2, 3, 4].map((i) => provider.getSigner(i)));
    const result = await runDemo({
      params: built.params,
      circuitDir: built.dir,
      operator: signers[0],
      traders: signers.slice(1),
      provider,
      outDir: opts.out,
      log: (l) => console.log(l),
    });
    console.log("\n" + table(result.summary.batches));
    console.log("\n" + demoMarginLines(result.state, result.summary.batches).join("\n"));
    console.log(`\nfinal state root ${result.state.stateRoot()} (on chain: ${await result.settlement.stateRoot()})`);
    console.log(`wrote ${path.relative(process.cwd(), opts.out)}/: summary.json, state.json, verification_key.json, batch-*.proof.json, batch-*.public.json`);
  } finally {
    await chain.stop();
    await terminateCurves();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
