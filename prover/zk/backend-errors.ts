/**
 * Errors of the prover backends, each with a stable PRV_ERR_* code. The native addon
 * sends its code as the message prefix (`CODE: text`, native/src/error.rs); `fromNative`
 * turns that back into a BackendError.
 */
import { CodedError } from "../errors/coded-error";

/** Codes of the backends' errors. */
export type BackendErrorCode = "PRV_ERR_BACKEND_UNAVAILABLE" | "PRV_ERR_ZKEY" | "PRV_ERR_CIRCUIT_MISMATCH" | "PRV_ERR_WITNESS" | "PRV_ERR_PROVE";

const CODES: readonly BackendErrorCode[] = ["PRV_ERR_BACKEND_UNAVAILABLE", "PRV_ERR_ZKEY", "PRV_ERR_CIRCUIT_MISMATCH", "PRV_ERR_WITNESS", "PRV_ERR_PROVE"];

export class BackendError extends CodedError<BackendErrorCode> {
  constructor(
    code: BackendErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = "BackendError";
  }

  /** An error thrown by the native addon, with its code read from the message prefix. */
  static fromNative(err: unknown): BackendError {
    const text = err instanceof Error ? err.message : String(err);
    const m = /^(PRV_ERR_[A-Z_]+): ([\s\S]*)$/.exec(text);
    const code = CODES.find((c) => c === m?.[1]);
    return code !== undefined && m ? new BackendError(code, m[2], { cause: err }) : new BackendError("PRV_ERR_PROVE", `native prover: ${text}`, { cause: err });
  }
}
