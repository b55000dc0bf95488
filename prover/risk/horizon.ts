/**
 * The horizon T that sizes the scan range: the window's quantile, raised while the
 * network stops, while a network upgrade is near, and after reorgs.
 *
 * ```
 * stall      = max(now − cut time of the oldest batch not yet final,
 *                  now − max(last final batch, when batches began to wait))   0 when none waits
 * T          = override  if an operator pinned T
 *              max(T_window + reorg, stall, upgrade latency)  otherwise
 * reorg      = Σ depth (blocks) of the reorgs seen in the last `reorgMemorySeconds` × secondsPerBlock
 * ```
 *
 * Why live samples: a batch adds its latency sample only once it is final, so a stall
 * adds nothing to the window while it lasts and every header signed during it would
 * carry the margin from before it. The age of the oldest waiting batch is a lower bound
 * on that batch's time to finality, known now; it grows with every header, so each
 * header signed during a stall asks for more margin than the one before (the step bound
 * then limits how fast the arrays follow). While nothing waits there is no stall: an
 * idle venue is not a stopped network.
 */
import type { TimeToFinality } from "./latency-window";
import type { Horizon } from "./views";

export type { Horizon } from "./views";

/** What the service knows of the batches on their way to finality (ms since epoch). */
export interface StallClock {
  readonly nowMs: number;
  /** Cut time of the oldest batch not yet final (undefined: none waits). */
  readonly oldestWaitingSinceMs?: number;
  /** When the last batch became final (undefined: none yet in this process). */
  readonly lastFinalMs?: number;
  /** When the waiting set last went from empty to non-empty. */
  readonly waitingSinceMs?: number;
}

/** Seconds the network has been stopped for, as far as the waiting batches show (0: nothing waits). */
export function stallSeconds(c: StallClock): number {
  if (c.oldestWaitingSinceMs === undefined) return 0;
  const age = c.nowMs - c.oldestWaitingSinceMs;
  const since = c.nowMs - Math.max(c.lastFinalMs ?? -Infinity, c.waitingSinceMs ?? c.oldestWaitingSinceMs);
  return Math.max(0, age, since) / 1000;
}

/** The inputs of T beyond the window. */
export interface HorizonInput {
  readonly latency: TimeToFinality;
  readonly percentile: "p50" | "p95" | "p99";
  /** `stallSeconds(…)` now (default 0). */
  readonly stallSeconds?: number;
  /** Seconds added for reorgs seen recently (default 0). */
  readonly reorgSeconds?: number;
  /** An upgrade window's latency assumption (default 0). */
  readonly upgradeSeconds?: number;
  /** An operator's pinned T. */
  readonly override?: number;
}

function nonNegative(name: string, v: number | undefined): number {
  const x = v ?? 0;
  if (!(Number.isFinite(x) && x >= 0)) throw new RangeError(`horizon: ${name} = ${x} s must be finite and ≥ 0`);
  return x;
}

/** T from the window and the live inputs; see the file comment. */
export function horizon(i: HorizonInput): Horizon {
  const windowSeconds = i.latency[i.percentile];
  const stall = nonNegative("stallSeconds", i.stallSeconds);
  const reorg = nonNegative("reorgSeconds", i.reorgSeconds);
  const upgrade = nonNegative("upgradeSeconds", i.upgradeSeconds);
  const parts = { windowSeconds, stallSeconds: stall, reorgSeconds: reorg, upgradeSeconds: upgrade };
  if (i.override !== undefined) return { ...parts, T: i.override, source: "override" };
  const base = windowSeconds + reorg;
  const T = Math.max(base, stall, upgrade);
  return { ...parts, T, source: T === base ? "window" : T === stall ? "stall" : "upgrade" };
}
