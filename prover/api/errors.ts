/**
 * The HTTP API's errors: every error answer has the body `{ statusCode, code, error,
 * message, details? }`, where `code` is a catalogue code with a status
 * (prover/errors/catalogue.ts, listed in docs/api.md) and `message` names the problem
 * (the field, the rule, the numbers). This file maps what the rest throws onto them.
 */
import { BatchFormatError } from "../codec/batch-codec";
import { RuleError } from "../state/errors";
import { ERRORS, STATUS_TITLES, errorMessage, isHttpErrorCode, type HttpErrorCode } from "../errors/catalogue";
import { CodedError } from "../errors/coded-error";

/**
 * Code → HTTP status and a short title: the catalogue's codes that have a status
 * (prover/errors/catalogue.ts is the one list; this is its view for the HTTP layer).
 */
export const API_ERRORS = Object.fromEntries(
  Object.entries(ERRORS)
    .filter(([, spec]) => spec.status !== null)
    .map(([code, spec]) => [code, [spec.status, STATUS_TITLES[spec.status as number]] as const]),
) as Readonly<Record<HttpErrorCode, readonly [number, string]>>;

/** One code of the catalogue. */
export type ApiErrorCode = HttpErrorCode;

/** The JSON body of every error answer. */
export interface ApiErrorBody {
  statusCode: number;
  code: ApiErrorCode;
  error: string;
  message: string;
  details?: Record<string, string | number | boolean>;
}

/** An error the API answers with its catalogue status. */
export class ApiError extends CodedError<ApiErrorCode> {
  readonly statusCode: number;
  readonly details?: Record<string, string | number | boolean>;
  /** Extra response headers (e.g. `Retry-After`). */
  readonly headers: Record<string, string>;

  constructor(code: ApiErrorCode, message: string, details?: Record<string, string | number | boolean>, headers: Record<string, string> = {}) {
    super(code, message);
    this.name = "ApiError";
    this.statusCode = API_ERRORS[code][0];
    this.details = details;
    this.headers = headers;
  }

  /** The response body. */
  body(): ApiErrorBody {
    const b: ApiErrorBody = { statusCode: this.statusCode, code: this.code, error: API_ERRORS[this.code][1], message: this.message };
    if (this.details !== undefined) b.details = this.details;
    return b;
  }
}

/** A rule refusal as `PRV_ERR_RULE`, with the rule, the op and the numbers (bigints as strings). */
export function ruleError(e: RuleError): ApiError {
  const details: Record<string, string | number | boolean> = { rule: e.code, op: e.op };
  for (const [k, v] of Object.entries(e.details)) details[k] = typeof v === "bigint" ? v.toString() : v;
  return new ApiError("PRV_ERR_RULE", e.message, details);
}

/**
 * A body the JSON codec refuses (it passed the route's schema) as `PRV_ERR_VALIDATION`,
 * naming the field under `body` like a schema error does.
 */
export function formatError(e: BatchFormatError): ApiError {
  const field = e.field === "batch" ? "body" : e.field.startsWith("body") ? e.field : `body.${e.field}`;
  return new ApiError("PRV_ERR_VALIDATION", `${field}: ${e.problem}`, { field });
}

/** `PRV_ERR_QUEUE_FULL` with `Retry-After` in seconds. */
export function queueFull(queued: number, maxQueued: number, retryAfterS: number): ApiError {
  return new ApiError("PRV_ERR_QUEUE_FULL", errorMessage("PRV_ERR_QUEUE_FULL", { queued, maxQueued }), { queued, maxQueued }, { "retry-after": String(retryAfterS) });
}

/** True for the engine's queue-full error (by `code` or `name`, so the engine need not import this file). */
export function isQueueFullError(e: unknown): boolean {
  if (typeof e !== "object" || e === null) return false;
  const r = e as { code?: unknown; name?: unknown };
  return r.code === "QUEUE_FULL" || r.code === "PRV_ERR_QUEUE_FULL" || r.name === "QueueFullError";
}

/** Fastify's own error codes (parser, limits, validation) mapped to the catalogue. */
export function fromFastifyError(e: { code?: string; statusCode?: number; message: string; validation?: unknown; validationContext?: string }): ApiError {
  if (e.validation !== undefined) {
    const where = e.validationContext ?? "request";
    return new ApiError("PRV_ERR_VALIDATION", e.message.startsWith(where) ? e.message : `${where}: ${e.message}`);
  }
  switch (e.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new ApiError("PRV_ERR_BODY_TOO_LARGE", errorMessage("PRV_ERR_BODY_TOO_LARGE", { detail: e.message }));
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new ApiError("PRV_ERR_UNSUPPORTED_MEDIA", errorMessage("PRV_ERR_UNSUPPORTED_MEDIA", { detail: e.message }));
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new ApiError("PRV_ERR_BAD_JSON", errorMessage("PRV_ERR_BAD_JSON", { detail: e.message }));
  }
  if (e.statusCode === 429) return new ApiError("PRV_ERR_RATE_LIMITED", e.message);
  if (e instanceof SyntaxError || (e as { name?: string }).name === "SyntaxError") {
    return new ApiError("PRV_ERR_BAD_JSON", errorMessage("PRV_ERR_BAD_JSON", { detail: e.message }));
  }
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
    return new ApiError("PRV_ERR_VALIDATION", e.message);
  }
  return new ApiError("PRV_ERR_INTERNAL", errorMessage("PRV_ERR_INTERNAL"));
}

/**
 * Any thrown value as an `ApiError`: rule errors, fastify's errors, and the engine's
 * and store's errors (their `code` is a catalogue code; a full queue gets `Retry-After`).
 */
export function toApiError(e: unknown, retryAfterS = 1): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof BatchFormatError) return formatError(e);
  if (e instanceof RuleError) return ruleError(e);
  if (isQueueFullError(e)) return new ApiError("PRV_ERR_QUEUE_FULL", (e as Error).message ?? "job queue is full", undefined, { "retry-after": String(retryAfterS) });
  const code = (e as { code?: unknown } | null)?.code;
  if (e instanceof Error && typeof code === "string") {
    // the engine's and the store's errors carry catalogue codes
    if (code === "PRV_ERR_IDEMPOTENCY_KEY_REUSED") return new ApiError("PRV_ERR_IDEMPOTENCY_MISMATCH", e.message);
    if (code !== "PRV_ERR_INTERNAL" && isHttpErrorCode(code)) return new ApiError(code, e.message);
  }
  if (e instanceof Error) return fromFastifyError(e as Error & { code?: string; statusCode?: number });
  return new ApiError("PRV_ERR_INTERNAL", errorMessage("PRV_ERR_INTERNAL"));
}
