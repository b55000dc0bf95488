/**
 * Structured logs (pino): one JSON line per event, with `service` and `component`
 * fields, secrets redacted (API keys, signer keys, Authorization headers).
 */
import pino, { type DestinationStream, type Logger, type LoggerOptions } from "pino";

export type { Logger };

/** Paths pino blanks out wherever they appear. */
export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers[\"x-api-key\"]",
  "headers.authorization",
  "headers[\"x-api-key\"]",
  "config.signerKey",
  "signerKey",
  "apiKey",
];

/**
 * The service logger.
 * @param level - pino level (`silent` in tests)
 * @param dest - where lines go (stdout by default; a stream in tests)
 */
export function createLogger(level: LoggerOptions["level"] = "info", dest?: DestinationStream): Logger {
  const opts: LoggerOptions = {
    level,
    base: { service: "zksettle" },
    redact: { paths: REDACT_PATHS, censor: "<redacted>" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return dest === undefined ? pino(opts) : pino(opts, dest);
}

/** A child logger for one component (`api`, `sequencer`, `engine`, …). */
export function componentLogger(root: Logger, component: string): Logger {
  return root.child({ component });
}
