/**
 * What travels through the `prove` queue (docs/operations.md, "Workers"): the job's
 * data, its result, its progress, the worker registry entries, and the Redis key names
 * every side agrees on. Everything here is plain JSON: BullMQ stores job data and
 * results as JSON strings, so bigints travel as decimal strings.
 */
import type { ProveOutput, StageMessage } from "../pool/types";
import type { CircuitInput } from "../zk/witness";
import type { ProverWorker } from "../pool/prover-port";

/** BullMQ queue name; the keys are `<prefix>:prove:*`. */
export const QUEUE_NAME = "prove";

/** The data of one proving job. */
export interface ProveJobData {
  /** Content id of the circuit and zkey the proof is for (circuit-id.ts). */
  readonly circuit: string;
  /** The circuit input with bigints as decimal strings (the witness calculator reads both). */
  readonly input: CircuitInput;
}

/** What a worker returns for a job: the proof and who made it. */
export interface ProveJobResult extends ProveOutput {
  /** The worker's id (its registry entry). */
  readonly worker: string;
}

/** The progress a worker reports: the pool's stage message (witness done, proving). */
export type ProveJobProgress = StageMessage;

/** A worker as it announces itself in Redis (`<prefix>:workers:<id>`, refreshed with a TTL): the service's ProverWorker. */
export type WorkerInfo = ProverWorker;

/** Registry entry of one worker. */
export function workerKey(prefix: string, id: string): string {
  return `${prefix}:workers:${id}`;
}

/**
 * Set of the ids of workers that announced themselves. Readers take the ids from it and
 * the entries by key (MGET), so listing workers costs O(workers) however many job keys
 * share the keyspace; an id whose entry expired is dropped by the reader.
 */
export function workerSetKey(prefix: string): string {
  return `${prefix}:workers`;
}

/** Set by the caller when it gives up on an active job; the worker that runs it aborts the proof. */
export function cancelKey(prefix: string, jobId: string): string {
  return `${prefix}:${QUEUE_NAME}:cancel:${jobId}`;
}

/**
 * BullMQ job id of a caller's job id. BullMQ refuses custom ids that are integers or
 * contain ':', and the service's job ids may be either, hence the prefix and escape.
 */
export function queueJobId(jobId: string): string {
  return `j-${jobId.replace(/:/g, "_")}`;
}

/** The input as JSON-safe data (bigints → decimal strings, recursively). */
export function jsonInput(input: CircuitInput): CircuitInput {
  const conv = (v: unknown): unknown => (typeof v === "bigint" ? v.toString() : Array.isArray(v) ? v.map(conv) : v);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) out[k] = conv(v);
  return out as CircuitInput;
}
