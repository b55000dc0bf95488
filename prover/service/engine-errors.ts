/** Errors of the job engine, each with a code of the PRV_ERR_* catalogue. */
import { errorMessage } from "../errors/catalogue";
import { CodedError } from "../errors/coded-error";

/** Too many unfinished jobs: the caller should retry later (HTTP 429). */
export class QueueFullError extends CodedError<"PRV_ERR_QUEUE_FULL"> {
  constructor(
    readonly queued: number,
    readonly maxQueued: number,
  ) {
    super("PRV_ERR_QUEUE_FULL", errorMessage("PRV_ERR_QUEUE_FULL", { queued, maxQueued }));
    this.name = "QueueFullError";
  }
}

/** The engine is closing or was not started with `resume()`. */
export class EngineNotReadyError extends CodedError<"PRV_ERR_NOT_READY"> {
  constructor(why: string) {
    super("PRV_ERR_NOT_READY", `the job engine is not taking work: ${why}`);
    this.name = "EngineNotReadyError";
  }
}

/**
 * A cancel the engine refuses: PRV_ERR_JOB_FINAL for a confirmed or cancelled job,
 * PRV_ERR_CANCEL_REFUSED for a job whose proof may be on its way to the chain
 * (`submitting`) or whose batch is not the newest (later batches build on its state).
 */
export class CancelRefusedError extends CodedError<"PRV_ERR_JOB_FINAL" | "PRV_ERR_CANCEL_REFUSED"> {
  constructor(
    code: "PRV_ERR_JOB_FINAL" | "PRV_ERR_CANCEL_REFUSED",
    message: string,
  ) {
    super(code, message);
    this.name = "CancelRefusedError";
  }
}

/** A retry of a job that has not failed. */
export class RetryRefusedError extends CodedError<"PRV_ERR_RETRY_REFUSED"> {
  constructor(message: string) {
    super("PRV_ERR_RETRY_REFUSED", message);
    this.name = "RetryRefusedError";
  }
}

/** The worker's proof does not verify, or proves another inputHash than the job's. */
export class ProofInvalidError extends CodedError<"PRV_ERR_PROOF_INVALID"> {
  constructor(message: string) {
    super("PRV_ERR_PROOF_INVALID", message);
    this.name = "ProofInvalidError";
  }
}

/**
 * The engine stood down (its process lost the leader lease): it writes no job state
 * any more. Callers of the API see PRV_ERR_NOT_LEADER before they get here.
 */
export class EngineFencedError extends CodedError<"PRV_ERR_NOT_LEADER"> {
  constructor() {
    super("PRV_ERR_NOT_LEADER", "this process is no longer the leader: it changes no job");
    this.name = "EngineFencedError";
  }
}

/**
 * The chain refuses the batch for good (prover/chain/submitter-errors.ts,
 * `refusesForGood`): the engine takes it and every later batch out of the ledger and
 * the sequencer rebases, instead of retrying it.
 */
export class BatchRefusedError extends CodedError<"PRV_ERR_BATCH_REFUSED"> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PRV_ERR_BATCH_REFUSED", message, options);
    this.name = "BatchRefusedError";
  }
}
