/**
 * `npm run bench`: constraint counts (bench/constraints.ts), then gas (bench/gas.ts).
 * Arguments (e.g. `--quick`) are passed to both.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";

const args = process.argv.slice(2);
for (const script of ["constraints.ts", "gas.ts"]) {
  const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), path.join(__dirname, script), ...args], { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
