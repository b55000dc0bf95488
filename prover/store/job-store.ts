/**
 * The job store (docs/service.md, "Jobs"): every state of every job, written before
 * the engine acts on it, and the ledger of cut batches next to it. Two implementations:
 * the embedded SQLite file (sqlite-store.ts, the default) and jobs in Redis
 * (redis-store.ts, for many machines); both pass test/prover/store/job-store.suite.ts.
 */
import type { Groth16Proof } from "../zk/snarkjs";
import type { SerializedBatch } from "../codec/batch-codec";
import { CodedError } from "../errors/coded-error";
import type { JobError, JobRecord, JobState } from "./job-states";

// the states and the plain fields are in job-states.ts (the dashboard imports them)
export { JOB_STATES, FINAL_STATES, PROVING_STATES, type JobState, type JobError, type JobRecord } from "./job-states";

/** A job proves and finalizes one batch: the record plus its batch and, once made, its proof. */
export interface Job extends JobRecord {
  /** Header, ops, deposits (JSON, bigints as decimal strings). */
  readonly batch: SerializedBatch;
  /** The `data` argument of `submitBatch`, 0x-hex (fixed when the batch is cut). */
  readonly batchData: string;
  readonly proof?: Groth16Proof;
  readonly publicSignals?: string[];
}

/** What a new job needs; the store adds id (unless given), state `queued` and times. */
export interface NewJob {
  readonly id?: string;
  readonly batchNumber: number;
  readonly idempotencyKey?: string;
  readonly batch: SerializedBatch;
  readonly batchData: string;
  readonly oldStateRoot: string;
  readonly newStateRoot: string;
  readonly inputHash: string;
}

/**
 * Fields a transition may set. `null` clears a field (a retried job loses its old
 * error); `stageMs` is merged into the stored one, key by key.
 */
export interface JobPatch {
  readonly progress?: number;
  readonly attempts?: number;
  readonly proof?: Groth16Proof | null;
  readonly publicSignals?: string[] | null;
  readonly txHash?: string | null;
  readonly blockNumber?: number | null;
  readonly gasUsed?: string | null;
  readonly error?: JobError | null;
  readonly stageMs?: Partial<Record<JobState, number>>;
}

/** One cut batch, as the ledger keeps it. */
export interface LedgerEntry {
  readonly batchNumber: number;
  /** Absent once the job was pruned (records.ts `pruneJobs`): the batch stays, its job is gone. */
  readonly jobId?: string;
  readonly batch: SerializedBatch;
  /** Decimal string: the state root after the batch (checked on replay). */
  readonly newStateRoot: string;
}

/** Filter of `list`. */
export interface JobFilter {
  readonly states?: readonly JobState[];
  /** Newest first; default 100. */
  readonly limit?: number;
}

/** Codes of the store's errors. */
export type StoreErrorCode =
  | "PRV_ERR_JOB_NOT_FOUND"
  | "PRV_ERR_JOB_STATE_CONFLICT"
  | "PRV_ERR_IDEMPOTENCY_KEY_REUSED"
  | "PRV_ERR_BATCH_NUMBER_TAKEN"
  | "PRV_ERR_NOT_NEWEST_BATCH";

/** No job has this id. */
export class JobNotFoundError extends CodedError<"PRV_ERR_JOB_NOT_FOUND"> {
  constructor(readonly id: string) {
    super("PRV_ERR_JOB_NOT_FOUND", `no job ${id}`);
    this.name = "JobNotFoundError";
  }
}

/**
 * A write that conflicts with what is stored: a compare-and-set that found another
 * state, an idempotency key or batch number that is taken, a cancel of a batch that is
 * not the newest. `current` is the stored job it conflicts with.
 */
export class JobConflictError extends CodedError<Exclude<StoreErrorCode, "PRV_ERR_JOB_NOT_FOUND">> {
  constructor(
    code: Exclude<StoreErrorCode, "PRV_ERR_JOB_NOT_FOUND">,
    message: string,
    readonly current?: Job,
  ) {
    super(code, message);
    this.name = "JobConflictError";
  }
}

/**
 * Every method returns a promise: the store may be across a network (redis-store.ts).
 * A promise resolves only once the write is durable (SQLite: fsynced; Redis: in the
 * append-only file), so the engine never acts on a state the store could lose.
 */
/**
 * A write from a process that no longer holds the leader lease (jobs in Redis, with a
 * fence: redis-store.ts). Nothing was written.
 */
export class StoreFencedError extends CodedError<"PRV_ERR_NOT_LEADER"> {
  constructor(readonly owner: string) {
    super("PRV_ERR_NOT_LEADER", `${owner} no longer holds the leader lease: the job store refused the write`);
    this.name = "StoreFencedError";
  }
}

export interface JobStore {
  /**
   * Records a new job in state `queued` and its batch in the ledger, in one transaction.
   * @throws JobConflictError PRV_ERR_IDEMPOTENCY_KEY_REUSED (the key is taken:
   *   `current` is the job that has it) or PRV_ERR_BATCH_NUMBER_TAKEN
   */
  create(job: NewJob): Promise<Job>;
  get(id: string): Promise<Job | undefined>;
  findByIdempotencyKey(key: string): Promise<Job | undefined>;
  /** The job of a batch number that is not cancelled. */
  getByBatchNumber(batchNumber: number): Promise<Job | undefined>;
  /** Newest first (by creation). */
  list(filter?: JobFilter): Promise<Job[]>;
  /**
   * Atomic compare-and-set: moves the job to `to` if its state is one of `from`.
   * @throws JobNotFoundError; JobConflictError PRV_ERR_JOB_STATE_CONFLICT
   */
  transition(id: string, from: readonly JobState[], to: JobState, patch?: JobPatch): Promise<Job>;
  /**
   * Cancels the job of the newest ledger batch and removes that batch from the ledger,
   * in one transaction (the ledger must never hold a batch that will not be proven).
   * @throws JobNotFoundError; JobConflictError PRV_ERR_NOT_NEWEST_BATCH or PRV_ERR_JOB_STATE_CONFLICT
   */
  cancelNewest(id: string, from: readonly JobState[], patch?: JobPatch): Promise<Job>;
  /** Every job not confirmed/failed/cancelled, by batch number. */
  unfinished(): Promise<Job[]>;
  /** How many jobs `unfinished` would return, without reading them (asked on every order). */
  unfinishedCount(): Promise<number>;
  counts(): Promise<Record<JobState, number>>;
  /** The ledger, by batch number. */
  ledger(): Promise<LedgerEntry[]>;
  close(): Promise<void>;
}
