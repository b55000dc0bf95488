/**
 * The service's periodic chores on its store: read the risk overrides again (another
 * `serve` on the same Redis may have changed them) and prune what `--job-retention`
 * says is old (finished jobs, idempotency records). A chore that fails is logged and
 * tried again on the next round; none of them blocks a request.
 */
import type { Logger } from "pino";
import type { ServiceRecords } from "../store/records";

export interface HousekeepingOptions {
  readonly records: ServiceRecords;
  /** Reads the shared overrides again (RiskLoop.refreshOverrides). */
  readonly refreshOverrides?: () => Promise<void>;
  /** Seconds a finished job and an idempotency record are kept; 0: forever. */
  readonly retentionS: number;
  /** Milliseconds between overrides refreshes. */
  readonly refreshMs: number;
  /** Milliseconds between prunes (default: a tenth of the retention, between 1 min and 1 h). */
  readonly pruneMs?: number;
  readonly log: Logger;
  readonly now?: () => number;
}

/** One prune: finished jobs and idempotency records older than the retention. */
export async function pruneOnce(records: ServiceRecords, retentionS: number, nowMs: number): Promise<{ jobs: number; replies: number }> {
  if (retentionS <= 0) return { jobs: 0, replies: 0 };
  const cutoff = nowMs - retentionS * 1000;
  return { jobs: await records.pruneJobs(cutoff), replies: await records.pruneReplies(cutoff) };
}

/** Starts the chores (a prune at once); `stop` ends them. */
export function startHousekeeping(o: HousekeepingOptions): { stop(): void } {
  const now = o.now ?? Date.now;
  // with Redis away a call waits for it: one of each chore at a time, never a pile of them
  const once = (run: () => Promise<void>): (() => void) => {
    let busy = false;
    return () => {
      if (busy) return;
      busy = true;
      void run().finally(() => (busy = false));
    };
  };
  const prune = once(() =>
    pruneOnce(o.records, o.retentionS, now())
      .then((n) => {
        if (n.jobs + n.replies > 0) o.log.info(n, "pruned finished jobs and idempotency records past --job-retention");
      })
      .catch((err: unknown) => o.log.warn({ err }, "prune failed; trying again later")),
  );
  const refresh = once(async () => {
    await o.refreshOverrides?.().catch((err: unknown) => o.log.warn({ err }, "cannot read the risk overrides from the store; keeping the last ones"));
  });
  const timers: NodeJS.Timeout[] = [];
  if (o.retentionS > 0) {
    prune();
    timers.push(setInterval(prune, o.pruneMs ?? Math.min(3_600_000, Math.max(60_000, (o.retentionS * 1000) / 10))));
  }
  if (o.refreshOverrides !== undefined) timers.push(setInterval(refresh, o.refreshMs));
  for (const t of timers) t.unref();
  return { stop: () => timers.forEach(clearInterval) };
}
