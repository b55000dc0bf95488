/**
 * The error catalogue of the HTTP API, mirrored by the table in docs/api.md. Every
 * error answer has the body `{ statusCode, code, error, message, details? }`, where
 * `code` is one of `API_ERRORS` and `message` names the problem (the field, the
 * rule, the numbers).
 */
import { BatchFormatError } from "../codec/batch-codec";
import { RuleError } from "../state/errors";

/** Code → HTTP status and a short title. */
export const API_ERRORS = {
  PRV_ERR_VALIDATION: [400, "Bad Request"], // the body, params, query or headers fail the route's JSON schema, or the body fails the batch codec (details.field)
  PRV_ERR_BAD_JSON: [400, "Bad Request"], // the body is not JSON
  PRV_ERR_BAD_VALUE: [400, "Bad Request"], // a value passes the schema but cannot be used (e.g. account index outside the tree)
  PRV_ERR_UNAUTHORIZED: [401, "Unauthorized"], // a write route without a valid API key
  PRV_ERR_FORBIDDEN: [403, "Forbidden"], // the API key is valid but lacks the route's role (details.role, details.roles)
  PRV_ERR_L1_QUEUE_ONLY: [403, "Forbidden"], // sequencer: deposits and forced withdrawals come only from the L1 priority queue, never from the API
  PRV_ERR_NOT_FOUND: [404, "Not Found"], // no such route
  PRV_ERR_JOB_NOT_FOUND: [404, "Not Found"], // no job with that id
  PRV_ERR_JOB_FINAL: [409, "Conflict"], // cancel of a job that is confirmed
  PRV_ERR_CANCEL_REFUSED: [409, "Conflict"], // the engine refuses the cancel: the job is submitting, or its batch is not the newest
  PRV_ERR_JOB_STATE_CONFLICT: [409, "Conflict"], // the job changed state while the request ran; read it again
  PRV_ERR_PROOF_NOT_READY: [409, "Conflict"], // proof download before the job has a proof
  PRV_ERR_WRONG_MODE: [409, "Conflict"], // a route of the other mode (sequencer vs batch)
  PRV_ERR_NO_ORACLE_HEADER: [409, "Conflict"], // an op needs an oracle header for the next batch and there is none
  PRV_ERR_ORACLE_DRIFT: [422, "Unprocessable Entity"], // an oracle header's timestamp is later than now + --max-oracle-drift (the contract would refuse its batch)
  PRV_ERR_BODY_TOO_LARGE: [413, "Payload Too Large"], // the body is over --body-limit
  PRV_ERR_UNSUPPORTED_MEDIA: [415, "Unsupported Media Type"], // a body that is not application/json
  PRV_ERR_RULE: [422, "Unprocessable Entity"], // the reference rules refuse the op or batch (details.rule names the rule, details.op the op type)
  PRV_ERR_IDEMPOTENCY_MISMATCH: [422, "Unprocessable Entity"], // an Idempotency-Key reused with a different body
  PRV_ERR_QUEUE_FULL: [429, "Too Many Requests"], // the job queue is full; Retry-After says when to retry
  PRV_ERR_BOOK_FULL: [429, "Too Many Requests"], // sequencer: the order book holds --max-resting-orders; Retry-After
  PRV_ERR_RATE_LIMITED: [429, "Too Many Requests"], // too many requests from this client; Retry-After
  PRV_ERR_INTERNAL: [500, "Internal Server Error"], // a bug; logged with the request id
  PRV_ERR_NOT_READY: [503, "Service Unavailable"], // readiness: the engine is not ready or the service is shutting down
  PRV_ERR_STORE_UNAVAILABLE: [503, "Service Unavailable"], // the job store (Redis) did not answer within --store-timeout; Retry-After
  PRV_ERR_NOT_LEADER: [503, "Service Unavailable"], // many machines: this process is a follower; details.leader names the leader to write to (empty while none is elected)
} as const;

/** One code of the catalogue. */
export type ApiErrorCode = keyof typeof API_ERRORS;

/** The JSON body of every error answer. */
export interface ApiErrorBody {
  statusCode: number;
  code: ApiErrorCode;
  error: string;
  message: string;
  details?: Record<string, string | number | boolean>;
}

/** An error the API answers with its catalogue status. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly statusCode: number;
  readonly details?: Record<string, string | number | boolean>;
  /** Extra response headers (e.g. `Retry-After`). */
  readonly headers: Record<string, string>;

  constructor(code: ApiErrorCode, message: string, details?: Record<string, string | number | boolean>, headers: Record<string, string> = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
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
  return new ApiError("PRV_ERR_QUEUE_FULL", `job queue is full: ${queued} unfinished jobs, limit ${maxQueued}`, { queued, maxQueued }, { "retry-after": String(retryAfterS) });
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
      return new ApiError("PRV_ERR_BODY_TOO_LARGE", `request body is too large: ${e.message}`);
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new ApiError("PRV_ERR_UNSUPPORTED_MEDIA", `${e.message}; send application/json`);
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new ApiError("PRV_ERR_BAD_JSON", `request body is not valid JSON: ${e.message}`);
  }
  if (e.statusCode === 429) return new ApiError("PRV_ERR_RATE_LIMITED", e.message);
  if (e instanceof SyntaxError || (e as { name?: string }).name === "SyntaxError") {
    return new ApiError("PRV_ERR_BAD_JSON", `request body is not valid JSON: ${e.message}`);
  }
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
    return new ApiError("PRV_ERR_VALIDATION", e.message);
  }
  return new ApiError("PRV_ERR_INTERNAL", "internal error");
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
    if (code !== "PRV_ERR_INTERNAL" && Object.prototype.hasOwnProperty.call(API_ERRORS, code)) return new ApiError(code as ApiErrorCode, e.message);
  }
  if (e instanceof Error) return fromFastifyError(e as Error & { code?: string; statusCode?: number });
  return new ApiError("PRV_ERR_INTERNAL", "internal error");
}
