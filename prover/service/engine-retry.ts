/**
 * The engine's retries of a submission that failed for a reason that may pass (an RPC
 * outage, a nonce refusal, a transaction stuck past its attempts, a revert that can
 * succeed later): the job stays `submitting` (with the error recorded) and is submitted
 * again after a delay that doubles with each failure in a row, up to a ceiling. Staying
 * in `submitting` means a restart submits it again at once, as any submitting job.
 * While one is pending, `stalled` names it (the pipeline cannot move on: /ready,
 * zksettle_pipeline_stalled), from the first failure until the job is confirmed or
 * leaves the ledger, so the stall does not flicker between attempts.
 */

/** Delays of the retries: `first` after the first failure, doubling up to `max` (ms). */
export interface RetryDelays {
  readonly first: number;
  readonly max: number;
}

export const DEFAULT_RETRY_DELAYS: RetryDelays = { first: 5_000, max: 300_000 };

interface Pending {
  readonly jobId: string;
  readonly batchNumber: number;
  readonly failures: number;
  readonly since: number;
  readonly reason: string;
  /** When the next attempt may start (ms since the epoch). */
  readonly due: number;
  readonly timer: NodeJS.Timeout;
}

export class SubmitRetries {
  private pending: Pending | undefined;

  constructor(
    private readonly delays: RetryDelays = DEFAULT_RETRY_DELAYS,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Holds the job back for the delay of its failures in a row, then calls `kick` (one
   * job at a time: submissions are in batch order, so only the lowest unconfirmed batch
   * can fail).
   * @returns the delay in ms
   */
  schedule(job: { readonly id: string; readonly batchNumber: number }, reason: string, kick: () => void): number {
    const same = this.pending?.jobId === job.id ? this.pending : undefined;
    if (this.pending) clearTimeout(this.pending.timer);
    const failures = (same?.failures ?? 0) + 1;
    const delay = Math.min(this.delays.max, this.delays.first * 2 ** Math.min(failures - 1, 30));
    const timer = setTimeout(kick, delay);
    timer.unref();
    const now = this.clock();
    this.pending = { jobId: job.id, batchNumber: job.batchNumber, failures, since: same?.since ?? now, reason, due: now + delay, timer };
    return delay;
  }

  /** True while the job waits for its next attempt. */
  waiting(jobId: string): boolean {
    return this.pending?.jobId === jobId && this.clock() < this.pending.due;
  }

  /** The job is confirmed or gone (or, without an id, the engine stops): no more retries. */
  clear(jobId?: string): void {
    if (this.pending === undefined || (jobId !== undefined && this.pending.jobId !== jobId)) return;
    clearTimeout(this.pending.timer);
    this.pending = undefined;
  }

  /** Why the pipeline waits, while a retry is pending. */
  stalled(): string | undefined {
    const p = this.pending;
    if (p === undefined) return undefined;
    return `batch ${p.batchNumber} (job ${p.jobId}) failed to submit ${p.failures} time(s) in a row since ${new Date(p.since).toISOString()} and is retried automatically: ${p.reason}`;
  }
}
