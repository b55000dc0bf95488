/**
 * The base of every error class that carries a catalogue code (catalogue.ts): the code
 * is typed, so a class can only name codes the catalogue lists, and callers tell errors
 * apart by `code` rather than by class (an error that crossed a worker thread or Redis
 * keeps its code but not its class).
 */
import type { ErrorCode } from "./catalogue";

export class CodedError<C extends ErrorCode = ErrorCode> extends Error {
  constructor(
    readonly code: C,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "CodedError";
  }
}
