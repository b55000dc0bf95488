/**
 * The one catalogue of the service's error codes (like fastify's errors.js): every
 * `PRV_ERR_*` code with the HTTP status the API answers it with and what it means, and
 * for the errors whose text is fixed, the message template their class fills in.
 * docs/api.md's tables list exactly these codes with these statuses
 * (test/prover/errors/catalogue.test.ts), and every `PRV_ERR_*` in prover/ is one of them.
 *
 * Why here, in a folder of its own: the api, the service, the store, the provers and
 * the fallback all raise these codes, so the catalogue sits below all of them and imports
 * nothing. prover/state has no codes of this kind: its RuleError carries rule names
 * (BAD_SIGNATURE, RANGE, …) that the API answers as PRV_ERR_RULE with details.rule, so
 * state stays pure and imports only itself (docs/decisions.md, "Folders that depend one way").
 */

/** One code of the catalogue. */
export interface ErrorSpec {
  /** The HTTP status the API answers with; null: never an HTTP answer (a job's error, a worker's, the CLI's, a metric). */
  readonly status: number | null;
  /** What happened: the docs' "When" column. */
  readonly when: string;
  /** The message, `{name}` filled by the error class; absent where the throw site writes its own text. */
  readonly template?: string;
}

export const ERRORS = {
  // -- answers of the HTTP API (prover/api)
  PRV_ERR_VALIDATION: { status: 400, when: "the body, params, query or headers fail the route's JSON schema, or the body fails the batch codec (details.field)" },
  PRV_ERR_BAD_JSON: { status: 400, when: "the body is not JSON", template: "request body is not valid JSON: {detail}" },
  PRV_ERR_BAD_VALUE: { status: 400, when: "a value passes the schema but cannot be used (e.g. account index outside the tree)" },
  PRV_ERR_UNAUTHORIZED: { status: 401, when: "a write route without a valid API key" },
  PRV_ERR_FORBIDDEN: { status: 403, when: "the API key is valid but lacks the route's role (details.role, details.roles)" },
  PRV_ERR_L1_QUEUE_ONLY: { status: 403, when: "sequencer: deposits and forced withdrawals come only from the L1 priority queue, never from the API" },
  PRV_ERR_NOT_FOUND: { status: 404, when: "no such route, or an op this sequencer does not know" },
  PRV_ERR_JOB_NOT_FOUND: { status: 404, when: "no job with that id" },
  PRV_ERR_JOB_FINAL: { status: 409, when: "cancel of a job that is confirmed" },
  PRV_ERR_CANCEL_REFUSED: { status: 409, when: "the engine refuses the cancel: the job is submitting, or its batch is not the newest" },
  PRV_ERR_JOB_STATE_CONFLICT: { status: 409, when: "the job changed state while the request ran; read it again" },
  PRV_ERR_PROOF_NOT_READY: { status: 409, when: "proof download before the job has a proof" },
  PRV_ERR_WRONG_MODE: { status: 409, when: "a route of the other mode (sequencer vs batch)", template: "{what} needs mode {mode}; this service runs in mode {actual}" },
  PRV_ERR_NO_ORACLE_HEADER: { status: 409, when: "an op needs an oracle header for the next batch and there is none" },
  PRV_ERR_ORACLE_DRIFT: { status: 422, when: "an oracle header's timestamp is later than now + --max-oracle-drift (the contract would refuse its batch)" },
  PRV_ERR_BODY_TOO_LARGE: { status: 413, when: "the body is over --body-limit", template: "request body is too large: {detail}" },
  PRV_ERR_UNSUPPORTED_MEDIA: { status: 415, when: "a body that is not application/json", template: "{detail}; send application/json" },
  PRV_ERR_RULE: { status: 422, when: "the reference rules refuse the op or batch (details.rule names the rule, details.op the op type)" },
  PRV_ERR_IDEMPOTENCY_MISMATCH: { status: 422, when: "an Idempotency-Key reused with a different body" },
  PRV_ERR_QUEUE_FULL: { status: 429, when: "the job queue is full; Retry-After says when to retry", template: "job queue is full: {queued} unfinished jobs, limit {maxQueued}" },
  PRV_ERR_BOOK_FULL: { status: 429, when: "sequencer: the order book holds --max-resting-orders; Retry-After" },
  PRV_ERR_RATE_LIMITED: { status: 429, when: "too many requests from this client; Retry-After" },
  PRV_ERR_INTERNAL: { status: 500, when: "a bug; logged with the request id", template: "internal error" },
  PRV_ERR_NOT_READY: { status: 503, when: "readiness: the engine is not ready, the pipeline is stalled, or the service is shutting down" },
  PRV_ERR_STORE_UNAVAILABLE: { status: 503, when: "the job store (Redis) did not answer within --store-timeout; Retry-After" },
  PRV_ERR_NOT_LEADER: { status: 503, when: "many machines: this process is a follower; details.leader names the leader to write to (empty while none is elected)" },

  // -- the job store (prover/store) and the codec (prover/codec); answered as above where they reach the API
  PRV_ERR_BATCH_NUMBER_TAKEN: { status: null, when: "the store: another job already has this batch number" },
  PRV_ERR_NOT_NEWEST_BATCH: { status: null, when: "the store: only the newest batch may be dropped or rewound" },
  PRV_ERR_IDEMPOTENCY_KEY_REUSED: { status: null, when: "the store: an idempotency key already names another batch (the API answers PRV_ERR_IDEMPOTENCY_MISMATCH)" },
  PRV_ERR_BAD_BATCH: { status: null, when: "the batch codec: a stored or sent batch does not decode (the API answers PRV_ERR_VALIDATION with details.field)" },

  // -- the service (prover/service): jobs' errors, startup and background loops
  PRV_ERR_RETRY_REFUSED: { status: null, when: "retry of a job that is not failed" },
  PRV_ERR_PROOF_INVALID: { status: null, when: "a proof the verifier refuses; the job fails instead of going on chain" },
  PRV_ERR_BATCH_REFUSED: { status: null, when: "the contract will never take this batch: the engine rewinds the ledger" },
  PRV_ERR_SUBMIT: { status: null, when: "a submission failed without a code of its own; retried after a backoff" },
  PRV_ERR_REORGED: { status: null, when: "a confirmed batch is no longer on the canonical chain: failed, then submitted again" },
  PRV_ERR_DEPOSIT_REFUSED: { status: null, when: "the deposit feed: the rules refuse an L1 queue entry (metric zksettle_errors_total)" },
  PRV_ERR_DEPOSIT_QUEUE: { status: null, when: "the deposit feed: the L1 queue could not be read (metric zksettle_errors_total)" },
  PRV_ERR_RISK_OVERRIDES_FILE: { status: null, when: "the risk overrides file cannot be read or is malformed (startup)" },
  PRV_ERR_LEDGER_REPLAY: { status: null, when: "the stored batches do not replay onto the genesis (startup)" },
  PRV_ERR_GENESIS: { status: null, when: "the genesis file cannot be read or is malformed (startup)" },

  // -- the provers: the zk backends (prover/zk), the pool's threads (prover/pool), the remote workers (prover/remote)
  PRV_ERR_WITNESS: { status: null, when: "the witness does not satisfy the circuit's constraints" },
  PRV_ERR_PROVE: { status: null, when: "the prover failed on a valid witness" },
  PRV_ERR_ZKEY: { status: null, when: "the proving key cannot be read" },
  PRV_ERR_CIRCUIT_MISMATCH: { status: null, when: "a job or witness of another circuit than the one loaded (start workers with the service's --params or --build-dir)" },
  PRV_ERR_SIGNATURE_INPUT: { status: null, when: "the native signature and Poseidon code was called with malformed values (not six decimals a signature, a bad Poseidon input or constant): a bug of the caller, not a bad order" },
  PRV_ERR_BACKEND_UNAVAILABLE: { status: null, when: "the chosen prover backend cannot be loaded (no silent fallback)" },
  PRV_ERR_PROOF_ABORTED: { status: null, when: "the proof was aborted (cancel, shutdown)", template: "the proof was aborted" },
  PRV_ERR_WORKER_CRASHED: { status: null, when: "a prover thread died while proving", template: "prover worker crashed: {reason}" },
  PRV_ERR_POOL_CLOSED: { status: null, when: "a proof asked of a closed pool", template: "the prover pool is closed" },
  PRV_ERR_PROVE_FAILED: { status: null, when: "a remote proof failed after its last attempt", template: "proving job {jobId} failed after {attempts} attempt(s): {reason}" },
  PRV_ERR_QUEUE_CLOSED: { status: null, when: "a proof asked of a closed remote prover", template: "the remote prover is closed" },
  PRV_ERR_STORE_URL: { status: null, when: "--store is not a Redis URL", template: "not a Redis URL: {url} (expected redis://HOST:PORT)" },
  PRV_ERR_CIRCUIT_ID: { status: null, when: "the circuit build cannot be identified (run the setup first)", template: "cannot identify the circuit in {dir} (run the setup first): {reason}" },

  // -- `zksettle fallback` (prover/fallback): exits of the command
  PRV_ERR_FALLBACK_REBUILD: { status: null, when: "the state rebuilt from the chain does not reach the contract's stateRoot" },
  PRV_ERR_FALLBACK_HEADER: { status: null, when: "no usable oracle-signed header: missing, unreadable, stale or not signed by the genesis oracle keys" },
  PRV_ERR_FALLBACK_CIRCUIT: { status: null, when: "the circuit files (wasm, zkey) are missing or do not prove the batch" },
  PRV_ERR_FALLBACK_REFUSED: { status: null, when: "the contract refused a call for a reason a retry cannot fix" },
} as const satisfies Record<`PRV_ERR_${string}`, ErrorSpec>;

/** Every code of the catalogue. */
export type ErrorCode = keyof typeof ERRORS;

/** The codes the HTTP API answers with (a status in the catalogue). */
export type HttpErrorCode = { [C in ErrorCode]: (typeof ERRORS)[C]["status"] extends number ? C : never }[ErrorCode];

/** The reason phrase of each status the catalogue uses (the `error` field of an answer). */
export const STATUS_TITLES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** True for a string that is a code of the catalogue (codes read back from a store or a worker). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.prototype.hasOwnProperty.call(ERRORS, code);
}

/** True for a code the API answers with its own status. */
export function isHttpErrorCode(code: unknown): code is HttpErrorCode {
  return isErrorCode(code) && ERRORS[code].status !== null;
}

type TemplatedCode = { [C in ErrorCode]: (typeof ERRORS)[C] extends { template: string } ? C : never }[ErrorCode];

/** The code's template with `{name}` replaced by `params[name]` (a missing one stays as written, so a bug shows). */
export function errorMessage(code: TemplatedCode, params: Readonly<Record<string, string | number>> = {}): string {
  const spec: ErrorSpec = ERRORS[code];
  return (spec.template ?? "").replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}
