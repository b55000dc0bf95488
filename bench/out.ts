/**
 * Where the benches write their results: bench/ (committed, the numbers the docs quote)
 * or, for `npm run bench -- --quick` (CI: the code must not rot, the numbers are not
 * worth keeping), the folder in ZKSETTLE_BENCH_OUT, which bench/run.ts sets to
 * out/bench-quick so that a quick run never overwrites a full run's results.
 */
import fs from "node:fs";
import path from "node:path";

/** The results folder (created). */
export function benchOutDir(): string {
  const dir = process.env.ZKSETTLE_BENCH_OUT ?? __dirname;
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** `<results folder>/<file>`. */
export function benchOut(file: string): string {
  return path.join(benchOutDir(), file);
}
