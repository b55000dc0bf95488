/**
 * Errors of the fallback prover (`zksettle fallback`). Each has a stable PRV_ERR_*
 * `code` (docs/api.md's catalogue) and names what was wrong.
 */
import { CodedError } from "../errors/coded-error";

/** Codes of the fallback prover's errors. */
export type FallbackErrorCode =
  /** The state rebuilt from the chain does not reach the contract's stateRoot. */
  | "PRV_ERR_FALLBACK_REBUILD"
  /** No usable oracle-signed header: missing, unreadable, stale or not signed by the genesis oracle keys. */
  | "PRV_ERR_FALLBACK_HEADER"
  /** The circuit files (wasm, zkey) are missing or do not prove the batch. */
  | "PRV_ERR_FALLBACK_CIRCUIT"
  /** The contract refused a call for a reason a retry cannot fix. */
  | "PRV_ERR_FALLBACK_REFUSED";

/** An error of the fallback prover with its code. */
export class FallbackError extends CodedError<FallbackErrorCode> {
  constructor(
    code: FallbackErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = "FallbackError";
  }
}

/** The header source has no header newer than the last batch's yet: wait for the oracle's next one. */
export class StaleHeaderError extends FallbackError {
  constructor(message: string) {
    super("PRV_ERR_FALLBACK_HEADER", message);
    this.name = "StaleHeaderError";
  }
}
