/**
 * Errors of the prover pool. Each has a stable `code` (the PRV_ERR_* catalogue of the
 * API maps them) and keeps what caused it in `cause`.
 */
import { errorMessage } from "../errors/catalogue";
import { CodedError } from "../errors/coded-error";

/** Codes of the pool's errors. */
export type PoolErrorCode = "PRV_ERR_PROOF_ABORTED" | "PRV_ERR_WORKER_CRASHED" | "PRV_ERR_WITNESS" | "PRV_ERR_PROVE" | "PRV_ERR_POOL_CLOSED";

/** Base class: an error of the prover pool with its code. */
export class PoolError extends CodedError<PoolErrorCode> {
  constructor(
    code: PoolErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = "PoolError";
  }
}

/** The task was aborted by its AbortSignal; its worker thread was terminated (and replaced). */
export class ProofAbortedError extends PoolError {
  constructor(cause?: unknown) {
    super("PRV_ERR_PROOF_ABORTED", errorMessage("PRV_ERR_PROOF_ABORTED"), { cause });
    // the name every AbortSignal user checks for
    this.name = "AbortError";
  }
}

/** The worker thread died during the task (exit, out of memory, uncaught error). */
export class WorkerCrashedError extends PoolError {
  constructor(reason: string, cause?: unknown) {
    super("PRV_ERR_WORKER_CRASHED", errorMessage("PRV_ERR_WORKER_CRASHED", { reason }), { cause });
    this.name = "WorkerCrashedError";
  }
}

/** The circuit has no witness for the input (a constraint or assert fails), or proving failed. */
export class ProveFailedError extends PoolError {
  constructor(code: "PRV_ERR_WITNESS" | "PRV_ERR_PROVE", message: string) {
    super(code, message);
    this.name = "ProveFailedError";
  }
}

/** The pool was closed before or while the task ran. */
export class PoolClosedError extends PoolError {
  constructor() {
    super("PRV_ERR_POOL_CLOSED", errorMessage("PRV_ERR_POOL_CLOSED"));
    this.name = "PoolClosedError";
  }
}
