/**
 * `npm run bench`: constraint counts (bench/constraints.ts), gas (bench/gas.ts), the
 * service against plain snarkjs (bench/service.ts), the prove queue's workers against one pool
 * (bench/queue.ts), then the report with its figures
 * (bench/report.ts, bench/report.md).
 * Arguments (e.g. `--quick`) are passed to each.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";

const args = process.argv.slice(2);
for (const script of ["constraints.ts", "gas.ts", "service.ts", "queue.ts", "report.ts"]) {
  const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), path.join(__dirname, script), ...args], { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
