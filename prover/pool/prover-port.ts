/**
 * The one prover port: what the job engine needs from whatever makes proofs. The
 * threads of this machine (ProverPool) and the remote workers (prover/remote's
 * RemoteProver) both implement it; it lives here, below the service, so the remote
 * prover need not import the service to name it.
 */
import type { ProveOutput, StageMessage } from "./types";
import type { CircuitInput } from "../zk/witness";

/** A remote prover worker, as it announces itself in Redis and /v1/capacity lists it. */
export interface ProverWorker {
  readonly id: string;
  readonly host: string;
  /** Proving threads (the BullMQ concurrency). */
  readonly threads: number;
  /** Jobs running now. */
  readonly busy: number;
  /** Proofs made since the worker started. */
  readonly proofs: number;
  /** When the worker last wrote its entry (ms since the epoch). */
  readonly lastSeen: number;
  /** Its prover backend (prover/zk/backend.ts); absent from workers that predate it. */
  readonly backend?: string;
}

/** The prover threads (ProverPool), or the remote workers (prover/remote's RemoteProver). */
export interface ProverPort {
  /** The remote workers, when the proofs are made elsewhere. */
  workers?(): Promise<readonly ProverWorker[]>;
  /** The prover backend of these threads (absent: the remote workers say theirs). */
  readonly backend?: string;
  /** Worker threads: the engine runs at most this many proofs at a time. */
  readonly threads: number;
  /** Threads busy now. */
  readonly busy: number;
  /**
   * @param opts.jobId - the job it proves: a remote prover (prover/remote) keys its queue
   *   by it, so a job re-queued after a leader change is not proven twice
   */
  prove(circuitDir: string, input: CircuitInput, opts?: { signal?: AbortSignal; onStage?: (m: StageMessage) => void; jobId?: string }): Promise<ProveOutput>;
}
