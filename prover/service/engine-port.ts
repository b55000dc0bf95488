/**
 * What the HTTP layer needs from the rest of the service (docs/service.md). The job
 * engine and the ledger are built elsewhere; `buildApp` takes anything with these
 * shapes, so tests pass fakes and `zksettle serve` passes the real ones.
 */
import type { Account } from "../state/account";
import type { Batch } from "../state/batch";
import type { State } from "../state/state";
import type { Job as StoredJob, JobState } from "../store/job-store";
import type { AccountProof } from "./ledger";
import type { Capacity } from "./engine-types";

// The job states and the job record are the store's (prover/store/job-store.ts); the API
// reads a job without the stored batch and its calldata.
export { JOB_STATES, FINAL_STATES, type JobState } from "../store/job-store";
/** A job as the engine reports it (docs/service.md, "Jobs"); only what the API reads. */
export type Job = Omit<StoredJob, "batch" | "batchData">;

/** How full the engine is: `queued` (not final), `maxQueued` (beyond it writes get 429), worker threads, busy ones, remote provers. */
export type { Capacity } from "./engine-types";

/** The job engine (prover/service/engine.ts). Methods may return promises. */
export interface EnginePort {
  /**
   * Validates the batch against the ledger, records it and its job, and queues it.
   * The same idempotency key returns the job it made the first time.
   * @throws RuleError when the batch breaks a rule; an error with `code`
   *   `"QUEUE_FULL"` (or `name` `"QueueFullError"`) when the queue is full
   */
  submitBatch(batch: Batch, idempotencyKey?: string): Job | Promise<Job>;
  getJob(id: string): Job | undefined | Promise<Job | undefined>;
  /** Cancels a job that is not final; returns the job as it is after the call. */
  cancel(id: string): Job | undefined | Promise<Job | undefined>;
  counts(): Record<JobState, number> | Promise<Record<JobState, number>>;
  capacity(): Capacity | Promise<Capacity>;
  /** True once the store is open and the pool is warm (readiness). */
  ready?(): boolean | Promise<boolean>;
  /** Why submissions cannot move on (a failed submission being retried), or undefined. */
  stalled?(): string | undefined;
}

export type { AccountProof } from "./ledger";

/** The operator's state: genesis plus every batch cut so far (prover/service/ledger.ts). */
export interface LedgerPort {
  /** The account at index i in the state after every recorded batch. */
  account(i: number): Account;
  accountProof(i: number): AccountProof;
  /** The state after every recorded batch (not a live reference the caller may mutate). */
  pendingState(): State;
}
