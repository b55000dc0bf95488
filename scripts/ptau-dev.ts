/**
 * Writes an INSECURE development powers-of-tau file (see scripts/lib/ptau-dev.ts):
 *   ts-node scripts/ptau-dev.ts --power N [--out FILE] [--force]
 * τ, α and β derive from a public seed: a proof system set up with this file is
 * forgeable by anyone. For development and CI only.
 */
import { Command } from "commander";
import { DEV_PTAU_SEED, devPtauPath, generateDevPtau } from "./lib/ptau-dev";

async function main(): Promise<void> {
  const opts = new Command()
    .requiredOption("--power <n>", "log2 of the largest domain", (v) => Number.parseInt(v, 10))
    .option("--out <file>", "output file (its name must contain 'insecure')")
    .option("--force", "regenerate even if the file exists")
    .parse()
    .opts<{ power: number; out?: string; force?: boolean }>();
  console.error(`!!! INSECURE development ptau: τ, α, β derive from the public seed "${DEV_PTAU_SEED}". Never use it in production.`);
  const start = Date.now();
  const file = await generateDevPtau({ power: opts.power, out: opts.out ?? devPtauPath(opts.power), force: opts.force });
  console.log(`${file} (${((Date.now() - start) / 1000).toFixed(1)}s)`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
