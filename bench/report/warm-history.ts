/**
 * A history for the latency window of a venue that has been running at its baseline
 * (bench/latency.ts). The shipped window keeps 10,000 batches per stage and its p99 of
 * fewer than 100 samples is their maximum, so a service a few batches old sizes margin
 * on its slowest batch (the cold start's first proof) for the rest of a bench run, and
 * nothing that raised T ever falls out. A live bench cannot run 10,000 batches; it fills
 * the window with draws from a log-normal fitted to the stage times it measured in its
 * warm-up. A log-normal rather than resampling the few measured values: resampling puts
 * p99 at the largest measured value, which about one in W later batches exceeds,
 * while the fit's tail lies beyond it.
 */
import { prng } from "./experiment";

/**
 * `n` draws from the log-normal fitted (by the mean and standard deviation of the
 * logarithms) to `samples`.
 * @param samples - measured seconds (≥ 2; values below 1 ms count as 1 ms)
 * @param seed - the PRNG seed: the same inputs give the same history
 * @throws RangeError for fewer than 2 samples or a negative or non-finite one
 */
export function logNormalHistory(samples: readonly number[], n: number, seed: number): number[] {
  if (samples.length < 2) throw new RangeError(`a fit needs at least 2 samples, got ${samples.length}`);
  for (const x of samples) if (!(Number.isFinite(x) && x >= 0)) throw new RangeError(`sample ${x} s must be finite and ≥ 0`);
  const logs = samples.map((x) => Math.log(Math.max(x, 1e-3)));
  const mu = logs.reduce((a, b) => a + b, 0) / logs.length;
  const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mu) ** 2, 0) / (logs.length - 1));
  const rnd = prng(seed);
  return Array.from({ length: n }, () => {
    // Box–Muller; 1 − u keeps the logarithm's argument in (0, 1]
    const z = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
    return Math.exp(mu + sd * z);
  });
}
