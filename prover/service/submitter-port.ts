/**
 * What the job engine needs from the outside world, as interfaces: the chain (the
 * submitter, prover/chain/submitter.ts) and the prover threads (prover/pool). Tests
 * pass fakes; `zksettle serve` passes the real ones.
 */
import type { ProveOutput, StageMessage } from "../pool/types";
import type { Job } from "../store/job-store";
import type { CircuitInput } from "../zk/witness";
import type { Groth16Proof } from "../zk/snarkjs";

/** A batch finalized on chain. */
export interface SubmitReceipt {
  readonly txHash: string;
  readonly blockNumber: number;
  readonly gasUsed: bigint | string;
}

/**
 * Puts proven batches on chain. The engine calls `submit` for batch n only after
 * batch n−1 is confirmed, one call at a time, and always asks `isFinalized` first (so a
 * batch that made it on chain before a crash is never submitted twice).
 */
export interface Submitter {
  /**
   * Submits `submitBatch(data, proof)` and resolves once it is final (the submitter's
   * confirmations); re-sends, fee bumps and replacements are the submitter's business.
   * A rejection fails the job with the error's `code` (or PRV_ERR_SUBMIT) and message;
   * the engine retries it after a backoff, except a BatchRefusedError (engine-errors.ts):
   * the chain will never take this batch, and the engine rewinds the ledger instead.
   * @param data - the batch's on-chain data (Job.batchData as bytes)
   * @param proof - the verified proof (`toSolidityCalldata` gives the uint256[8])
   */
  submit(job: Job, data: Uint8Array, proof: Groth16Proof): Promise<SubmitReceipt>;
  /** True when the contract has finalized batch `batchNumber` with this new state root. */
  isFinalized(batchNumber: number, newStateRoot: bigint): Promise<boolean>;
}

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
