/**
 * The engine's `SubmitPort` (submitter-port.ts) on the chain submitter of
 * prover/chain/submitter.ts:
 *
 * - Batch numbers are the job's (1-based); the chain submitter maps them to the
 *   contract's 0-based numbers itself (job n = on-chain n − 1 + 1).
 * - Every transaction the chain submitter sends is recorded on the job (`txHash`, a
 *   submitting → submitting transition) before the submitter waits for it, so that after
 *   a crash the restarted service first waits for that transaction instead of sending
 *   another one.
 * - "Already finalized" (the batch is on chain with this root, e.g. sent before a crash)
 *   is success: the job is confirmed with that transaction.
 * - A revert the contract will give again whatever happens (`refusesForGood`) is a
 *   BatchRefusedError: the engine rewinds instead of retrying.
 * - `watchReorgs` puts confirmed jobs whose batch a reorg took back through
 *   failed → submitting (engine.retry), so the engine submits them again, in order.
 */
import type { FinalityRule } from "../chain/finality-rule";
import type { Provider, TransactionReceipt } from "ethers";
import type { Logger } from "pino";
import { Submitter as ChainSubmitter, SubmitError, type SubmitterEvent } from "../chain/submitter";
import { refusesForGood } from "../chain/submitter-errors";
import { awaitConfirmations } from "../chain/tx-lookup";
import { JobConflictError, type Job, type JobStore } from "../store/job-store";
import { toSolidityCalldata, type Groth16Proof } from "../zk/prover";
import { BatchRefusedError } from "./engine-errors";
import type { SubmitPort, SubmitReceipt } from "./submitter-port";

/** How a restarted service treats a transaction it sent before the crash. */
export interface ChainAdapterOptions {
  readonly chain: ChainSubmitter;
  readonly store: JobStore;
  readonly provider: Provider;
  readonly log: Logger;
  /** Blocks a batch needs (the chain submitter's). */
  readonly confirmations: number;
  /** The chain's finality rule (default: `confirmations` blocks). */
  readonly finality?: FinalityRule;
  /** How long to wait for an earlier transaction before submitting anew. */
  readonly replaceAfterMs: number;
  readonly pollMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The handler for the chain submitter's `onEvent`: records the hash of every sent
 * transaction on its job before the submitter waits for it, and logs the rest.
 */
export function recordSubmitterEvents(store: JobStore, log: Logger): (e: SubmitterEvent) => Promise<void> {
  // async: the chain submitter awaits the handler, so the hash is stored before it waits
  return async (e) => {
    if (e.type === "sent") {
      const job = await store.getByBatchNumber(e.batchNumber);
      if (job) {
        try {
          await store.transition(job.id, ["submitting"], "submitting", { txHash: e.txHash });
        } catch (err) {
          if (!(err instanceof JobConflictError)) throw err;
        }
      }
      log.info({ batchNumber: e.batchNumber, jobId: job?.id, txHash: e.txHash, nonce: e.nonce, attempt: e.attempt, reason: e.reason, maxFeePerGas: String(e.maxFeePerGas) }, "batch transaction sent");
    } else if (e.type === "dropped" || e.type === "reorged-out" || e.type === "nonce-resync") {
      log.warn({ ...e }, `submitter: ${e.type}`);
    } else {
      log.info({ ...e }, `submitter: ${e.type}`);
    }
  };
}

export class ChainAdapter implements SubmitPort {
  constructor(private readonly o: ChainAdapterOptions) {}

  isFinalized(batchNumber: number, newStateRoot: bigint): Promise<boolean> {
    return this.o.chain.isFinalized(batchNumber, newStateRoot);
  }

  async submit(job: Job, data: Uint8Array, proof: Groth16Proof): Promise<SubmitReceipt> {
    if (job.txHash) {
      const earlier = await this.awaitEarlier(job, job.txHash);
      if (earlier) return { txHash: earlier.hash, blockNumber: earlier.blockNumber, gasUsed: earlier.gasUsed };
    }
    let r;
    try {
      r = await this.o.chain.submit(job.batchNumber, BigInt(job.newStateRoot), data, toSolidityCalldata(proof));
    } catch (err) {
      if (err instanceof SubmitError && err.code === "SUBMIT_REVERTED" && err.revert !== undefined && refusesForGood(err.revert)) {
        const { name, args } = err.revert;
        throw new BatchRefusedError(`the contract refuses batch ${job.batchNumber} for good: ${name}(${args.map(String).join(", ")})`, { cause: err });
      }
      throw err;
    }
    if (r.alreadyFinalized) this.o.log.info({ jobId: job.id, batchNumber: job.batchNumber, txHash: r.txHash }, "batch was already finalized on chain: confirmed without another transaction");
    return { txHash: r.txHash, blockNumber: r.blockNumber, gasUsed: r.gasUsed };
  }

  /**
   * A transaction recorded before a restart: its receipt once it has the confirmations,
   * or undefined where it is unknown (dropped), reverted, or still unmined after
   * `replaceAfterMs` (then the chain submitter takes over; a second transaction for
   * the same batch can only revert with StateRootMismatch, which it reads as done).
   */
  private async awaitEarlier(job: Job, hash: string): Promise<TransactionReceipt | undefined> {
    const { provider, log, pollMs } = this.o;
    const t0 = Date.now();
    for (;;) {
      const receipt = await provider.getTransactionReceipt(hash);
      if (receipt) {
        if (receipt.status !== 1) return undefined;
        const final = await awaitConfirmations(provider, receipt, this.o.finality ?? this.o.confirmations, () => sleep(pollMs));
        if (final && final.status === 1) {
          log.info({ jobId: job.id, batchNumber: job.batchNumber, txHash: hash }, "the transaction sent before the restart was mined: confirmed");
          return final;
        }
        return undefined;
      }
      if (!(await provider.getTransaction(hash))) {
        log.warn({ jobId: job.id, batchNumber: job.batchNumber, txHash: hash }, "the transaction sent before the restart is gone: submitting again");
        return undefined;
      }
      if (Date.now() - t0 >= this.o.replaceAfterMs) return undefined;
      await sleep(pollMs);
    }
  }
}
