/**
 * `npm run bench`: constraint counts (bench/constraints.ts), gas (bench/gas.ts), witness
 * and proving time per batch size (bench/proving.ts), the service against plain snarkjs
 * (bench/service.ts), margin under injected latency on the local chain
 * (bench/latency.ts), the prove queue's workers against one pool (bench/queue.ts), order
 * intake at the prod parameters against the code before issue 21 (bench/intake.ts), the
 * order book at large books against the book that scanned every order (bench/book.ts),
 * then the report with its figures (bench/report.ts, bench/report.md).
 * Arguments (e.g. `--quick`) are passed to each; with `--quick` the results go to
 * out/bench-quick (bench/out.ts). `--prod` runs bench/prod.ts alone (a prod batch
 * proven end to end; not in CI), e.g. `npm run bench -- --prod --batch-size 2`.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";

const args = process.argv.slice(2);
// A quick run checks that the bench code works; its numbers go to out/bench-quick, never over bench/'s.
const env = args.includes("--quick") ? { ...process.env, ZKSETTLE_BENCH_OUT: process.env.ZKSETTLE_BENCH_OUT ?? path.resolve(__dirname, "..", "out", "bench-quick") } : process.env;
const scripts = args.includes("--prod") ? ["prod.ts"] : ["constraints.ts", "gas.ts", "proving.ts", "service.ts", "latency.ts", "queue.ts", "intake.ts", "book.ts", "report.ts"];
for (const script of scripts) {
  const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), path.join(__dirname, script), ...args], { stdio: "inherit", env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
