/** The engine's options, events and bookkeeping types (engine.ts). */
import type { Params } from "../state/params";
import type { Job, JobState, JobStore } from "../store/job-store";
import type { VerificationKey } from "../zk/prover";
import type { Ledger } from "./ledger";
import type { SubmitPort } from "./submitter-port";
import type { ProverPort, ProverWorker } from "../pool/prover-port";
import type { RetryDelays } from "./engine-retry";

/** Options of `Engine`. */
export interface EngineOptions {
  readonly store: JobStore;
  readonly ledger: Ledger;
  readonly pool: ProverPort;
  readonly submitter: SubmitPort;
  /** Build folder of the circuit (`build/<params>/`). */
  readonly circuitDir: string;
  readonly vkey: VerificationKey;
  readonly params: Params;
  /** Unfinished jobs beyond which `submitBatch` throws QueueFullError (default 1000). */
  readonly maxQueued?: number;
  /** Delays between attempts of a submission that failed for a reason that may pass (engine-retry.ts). */
  readonly retryDelays?: RetryDelays;
}

/** Events of the engine. */
export interface EngineEvents {
  /** A job changed (after the store has it). */
  job: [job: Job];
  /**
   * Batches left the ledger (a cancel, or a batch the chain refuses for good and those
   * after it); `height` is the newest batch now, `dropped` the cancelled jobs, oldest first.
   */
  rewound: [height: number, dropped: readonly Job[]];
  /** A store or submitter error outside any request (e.g. Redis unreachable); the job stays where the store has it. */
  fault: [err: unknown];
}

/** How full the engine is. */
export interface Capacity {
  readonly queued: number;
  readonly maxQueued: number;
  readonly workers: number;
  readonly busy: number;
  /** The prover backend of the local threads (native or snarkjs). */
  readonly backend?: string;
  /** The remote workers, when the pool is remote (prover/remote). */
  readonly provers?: readonly ProverWorker[];
}

/** Progress (0..1) recorded on entering each stage. */
export const PROGRESS: Partial<Record<JobState, number>> = { queued: 0, witness: 0.05, proving: 0.15, verifying: 0.8, submitting: 0.85, confirmed: 1 };

export interface Running {
  readonly controller: AbortController;
  /** Why the engine aborted it, if it did. */
  reason?: "cancel" | "close" | "deposed";
  done?: Promise<void>;
}

export function errorOf(err: unknown, fallback: string): { code: string; message: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return { code: typeof code === "string" && code.startsWith("PRV_ERR_") ? code : fallback, message: err instanceof Error ? err.message : String(err) };
}

