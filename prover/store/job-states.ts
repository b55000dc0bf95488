/**
 * The job record's plain part: its states and every field that is plain JSON. A file
 * of its own, importing nothing, so the dashboard (ui/, typechecked without Node's
 * types) can import these types from the service instead of keeping copies; the stored
 * job (job-store.ts) adds the batch and the proof to it.
 */

/** The stages of a job, in pipeline order, then the two other ends. */
export const JOB_STATES = ["queued", "witness", "proving", "verifying", "submitting", "confirmed", "failed", "cancelled"] as const;
/** One of `JOB_STATES`. */
export type JobState = (typeof JOB_STATES)[number];
/** States a job never leaves. */
export const FINAL_STATES: readonly JobState[] = ["confirmed", "failed", "cancelled"];
/** States in which a job's proof is being made (a crash there means: prove again). */
export const PROVING_STATES: readonly JobState[] = ["witness", "proving", "verifying"];

/** Why a job failed, with a code from the PRV_ERR_* catalogue (prover/errors/catalogue.ts). */
export interface JobError {
  readonly code: string;
  readonly message: string;
}

/** A job without its batch and proof: what every reader of jobs sees. */
export interface JobRecord {
  /** uuid */
  readonly id: string;
  /** 1-based; submission follows this order. */
  readonly batchNumber: number;
  readonly state: JobState;
  /** 0..1 within the pipeline. */
  readonly progress: number;
  /** Proving attempts started. */
  readonly attempts: number;
  readonly idempotencyKey?: string;
  /** Decimal strings. */
  readonly oldStateRoot: string;
  readonly newStateRoot: string;
  readonly inputHash: string;
  readonly txHash?: string;
  readonly blockNumber?: number;
  /** Decimal string. */
  readonly gasUsed?: string;
  readonly error?: JobError;
  /** ms since epoch */
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Time spent per stage, ms. */
  readonly stageMs: Partial<Record<JobState, number>>;
}
