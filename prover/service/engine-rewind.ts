/**
 * The engine's way back from a batch the chain refuses for good (BatchRefusedError):
 * that batch and every batch cut after it leave the ledger. The later ones are built on
 * its state, so they can never be valid on chain either, and none of them was sent
 * (submissions are in batch order). They go newest first (the ledger only drops its
 * newest batch), as cancelled jobs that say why, and one `rewound` report then lists
 * them oldest first, for the sequencer to rebase on (rebase-on-rewind.ts).
 */
import { JobConflictError, PROVING_STATES, type Job, type JobStore } from "../store/job-store";
import type { Ledger } from "./ledger";

/** The error code of a batch the chain refuses for good, and of the batches built on it. */
export const REFUSED = "PRV_ERR_BATCH_REFUSED";

export interface RewindContext {
  readonly ledger: Ledger;
  readonly store: JobStore;
  /** Aborts the job's running proof, if any (it must then write nothing). */
  abort(jobId: string, why: string): void;
  /** A job left the ledger (cancelled). */
  dropped(job: Job): void;
  /** Every dropped job, oldest first; `height` is the ledger's newest batch now. */
  rewound(height: number, dropped: readonly Job[]): void;
}

/**
 * Drops `refused` (failed with PRV_ERR_BATCH_REFUSED) and every batch above it.
 * `rewound` is reported with what was dropped even when a store error stops it halfway
 * (the rest stays for the next start: `Engine.resume` looks for such a failed job).
 * @throws the store's error
 */
export async function rewindFrom(ctx: RewindContext, refused: Job): Promise<void> {
  const dropped: Job[] = [];
  const after = { code: REFUSED, message: `built on batch ${refused.batchNumber}, which the chain refuses for good` };
  try {
    while (ctx.ledger.height >= refused.batchNumber) {
      const top = await ctx.store.getByBatchNumber(ctx.ledger.height);
      if (top === undefined) throw new Error(`the ledger's batch ${ctx.ledger.height} has no job`);
      ctx.abort(top.id, after.message);
      try {
        const gone = await ctx.ledger.dropNewest(top.id, ["queued", ...PROVING_STATES, "submitting", "failed"], top.id === refused.id ? {} : { error: after });
        ctx.dropped(gone);
        dropped.unshift(gone);
      } catch (err) {
        // a batch appended meanwhile is the newest now: it goes first
        if (!(err instanceof JobConflictError && err.code === "PRV_ERR_NOT_NEWEST_BATCH")) throw err;
      }
    }
  } finally {
    if (dropped.length > 0) ctx.rewound(ctx.ledger.height, dropped);
  }
}
