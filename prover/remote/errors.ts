/**
 * Errors of the prove queue. Each has a stable PRV_ERR_* `code` (docs/api.md's
 * catalogue) and keeps what caused it in `cause`. An abort is the pool's
 * ProofAbortedError (PRV_ERR_PROOF_ABORTED), so the engine sees one abort error
 * whether it proves locally or through the queue.
 */
import { errorMessage } from "../errors/catalogue";
import { CodedError } from "../errors/coded-error";

/** Codes of the queue's errors. */
export type QueueErrorCode = "PRV_ERR_PROVE_FAILED" | "PRV_ERR_CIRCUIT_MISMATCH" | "PRV_ERR_QUEUE_CLOSED" | "PRV_ERR_STORE_URL" | "PRV_ERR_CIRCUIT_ID";

/** Base class: an error of the prove queue with its code. */
export class QueueError extends CodedError<QueueErrorCode> {
  constructor(
    code: QueueErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = "QueueError";
  }
}

/** The job failed on its last attempt; `reason` is BullMQ's failedReason. */
export class RemoteProveFailedError extends QueueError {
  constructor(
    readonly jobId: string,
    readonly reason: string,
    readonly attempts: number,
  ) {
    super("PRV_ERR_PROVE_FAILED", errorMessage("PRV_ERR_PROVE_FAILED", { jobId, attempts, reason }));
    this.name = "RemoteProveFailedError";
  }
}

/** A worker got a job for a circuit (or zkey) other than the one it loaded. */
export class CircuitMismatchError extends QueueError {
  constructor(
    readonly wanted: string,
    readonly loaded: string,
  ) {
    super("PRV_ERR_CIRCUIT_MISMATCH", `PRV_ERR_CIRCUIT_MISMATCH: the job is for circuit ${wanted} but this worker loaded ${loaded} (start it with the same --params, or --build-dir, as the service)`);
    this.name = "CircuitMismatchError";
  }
}

/** `prove` after `close()`. */
export class QueueClosedError extends QueueError {
  constructor() {
    super("PRV_ERR_QUEUE_CLOSED", errorMessage("PRV_ERR_QUEUE_CLOSED"));
    this.name = "QueueClosedError";
  }
}

/** A --store URL that is not redis://host:port[/db]. */
export class StoreUrlError extends QueueError {
  constructor(url: string) {
    super("PRV_ERR_STORE_URL", errorMessage("PRV_ERR_STORE_URL", { url: JSON.stringify(url) }));
    this.name = "StoreUrlError";
  }
}

/** The circuit folder has no setup.json/verification key to identify it. */
export class CircuitIdError extends QueueError {
  constructor(dir: string, cause: unknown) {
    super("PRV_ERR_CIRCUIT_ID", errorMessage("PRV_ERR_CIRCUIT_ID", { dir, reason: cause instanceof Error ? cause.message : String(cause) }), { cause });
    this.name = "CircuitIdError";
  }
}
