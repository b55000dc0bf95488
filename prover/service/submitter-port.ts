/**
 * What the job engine needs from the chain, as an interface: the submitter
 * (prover/chain/submitter.ts, through chain-adapter.ts). Tests pass fakes; `zksettle
 * serve` passes the real one. The prover port is prover/pool/prover-port.ts.
 */
import type { Job } from "../store/job-store";
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
export interface SubmitPort {
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
