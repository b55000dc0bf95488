/**
 * The chain submitter (docs/service.md, Submitter and Crash safety): sends a proven batch
 * to `Settlement.submitBatch` from one signer and sees it to `confirmations` blocks.
 *
 * - Nonces are kept locally: the `pending` count at the first use, +1 per transaction
 *   mined, re-synced on a nonce refusal, after a reorg report and after an unexpected error.
 * - EIP-1559 fees from the provider; a transaction not mined within `replaceAfterMs` is
 *   replaced with the same nonce and both fees bumped by `feeBumpPercent` (≥ 12.5 %),
 *   never below the network's current fees.
 * - A dropped transaction (neither pending nor mined) is sent again with the same nonce.
 * - A revert (before sending, from `estimateGas`, or mined) is decoded with the contract's
 *   ABI. `StateRootMismatch` while the chain holds this batch with this new root means
 *   "already done": no (further) transaction, the result has `alreadyFinalized: true`.
 *   Any other revert is a `SubmitError` SUBMIT_REVERTED with the decoded error.
 *
 * Numbering: `batchNumber` is the job's, 1-based; the contract's `BatchFinalized`
 * batchNumber is 0-based, so on chain it is `batchNumber − 1` (see finality.ts).
 */
import { Contract, getBytes, toBigInt, type BytesLike, type Interface, type Provider } from "ethers";
import { readArtifact } from "./deploy";
import { anyKnown, awaitConfirmations, receiptOf, replay } from "./tx-lookup";
import { bumpFees, maxFees, networkFees, type Fees } from "./fees";
import { resolveOptions, type Clock, type SendReason, type SubmitResult, type SubmitterEvent, type SubmitterOptions } from "./submitter-types";
import { FinalityReader, onChainBatchNumber, type ExpectedBatch, type Finalization } from "./finality";
import { confirmationsRule, isFinalBlock, type FinalityRule } from "./finality-rule";
import { SubmitError, UNKNOWN_REVERT, classifySendError, decodeRevert, errorTxHash, type DecodedRevert, type SubmitErrorCode } from "./submitter-errors";

export { SubmitError, type DecodedRevert, type SubmitErrorCode } from "./submitter-errors";
export type { ExpectedBatch, Finalization } from "./finality";
export * from "./submitter-types";

interface Job {
  readonly batchNumber: number;
  readonly newStateRoot: bigint;
  readonly calldata: string;
  /** old root = new root: the contract would accept the same data twice. */
  readonly replayable: boolean;
}
type Outcome = { done: SubmitResult } | { restart: true };
/** Transactions sent so far by one `submit`, and what kept the last ones from being mined. */
interface Budget {
  attempts: number;
  problem: SubmitErrorCode;
}
const RESTART: Outcome = { restart: true };

export class Submitter {
  readonly confirmations: number;
  /** When a block is final: the option's rule, or `confirmations` blocks. */
  readonly finality: FinalityRule;
  readonly replaceAfterMs: number;
  readonly feeBumpPercent: number;
  readonly maxAttempts: number;
  readonly pollMs: number;
  private readonly contract: Contract;
  private readonly reader: FinalityReader;
  private readonly provider: Provider;
  private readonly clock: Clock;
  private readonly gasMargin: bigint;
  private nonce: number | undefined;
  /** The last fees sent for a nonce that may still be pending (a replacement must beat them). */
  private pendingFees: { nonce: number; fees: Fees } | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: SubmitterOptions) {
    const o = resolveOptions(options);
    ({ confirmations: this.confirmations, replaceAfterMs: this.replaceAfterMs, feeBumpPercent: this.feeBumpPercent } = o);
    ({ maxAttempts: this.maxAttempts, pollMs: this.pollMs, gasMarginPercent: this.gasMargin, clock: this.clock } = o);
    this.finality = options.finality ?? confirmationsRule(this.confirmations);
    if (!options.signer.provider) throw new TypeError("the signer has no provider");
    this.provider = options.signer.provider;
    const s = options.settlement;
    const handleAbi = typeof s === "object" && "interface" in s ? (s as { interface: Interface }).interface : undefined;
    const abi = options.abi ?? handleAbi ?? readArtifact("contracts/Settlement.sol", "Settlement", options.artifactsDir).abi;
    this.contract = new Contract(s, abi, this.provider);
    this.reader = new FinalityReader(this.contract, this.provider, o.fromBlock);
  }

  /**
   * Finalizes a proven batch on chain, once. Calls are queued: one submission at a time.
   * @param batchNumber - the job's batch number, 1-based (on chain: batchNumber − 1)
   * @param newStateRoot - the batch's new root (must be bytes 32..64 of `data`)
   * @param data - `submitBatch`'s data (protocol.md section 7)
   * @param proof - the 8 proof words in snarkjs calldata order
   * @throws SubmitError (see SubmitErrorCode)
   */
  submit(batchNumber: number, newStateRoot: bigint, data: BytesLike, proof: readonly bigint[]): Promise<SubmitResult> {
    const run = this.queue.then(() => this.run(batchNumber, newStateRoot, data, proof));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Whether the chain holds the job's batch with this new root, final under the finality rule. */
  async isFinalized(batchNumber: number, newStateRoot: bigint): Promise<boolean> {
    const f = await this.reader.find(batchNumber);
    return f !== undefined && f.newStateRoot === newStateRoot && (await isFinalBlock(this.provider, f.blockNumber, this.finality));
  }

  /** The job's batch as finalized on the canonical chain, at any depth. */
  findFinalization(batchNumber: number): Promise<Finalization | undefined> {
    return this.reader.find(batchNumber);
  }

  /**
   * The batches among `expected` (held as finalized) that a reorg took back: their
   * BatchFinalized event is gone or carries another root, or batchCount went below them.
   * Ascending job batch numbers, to resubmit in order. A non-empty answer re-syncs the nonce.
   */
  async checkFinality(expected: readonly ExpectedBatch[]): Promise<number[]> {
    const missing = await this.reader.missing(expected);
    if (missing.length > 0) this.nonce = undefined;
    return missing;
  }

  /** Polls {@link checkFinality} every `pollMs` until stopped; `expected` is re-read each time. */
  watchReorgs(
    expected: () => readonly ExpectedBatch[] | Promise<readonly ExpectedBatch[]>,
    onReorg: (batchNumbers: number[]) => void | Promise<void>,
    onError: (err: unknown) => void = () => undefined,
  ): { stop(): Promise<void> } {
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        try {
          const missing = await this.checkFinality(await expected());
          if (missing.length > 0 && !stopped) await onReorg(missing);
        } catch (err) {
          onError(err);
        }
        if (!stopped) await this.clock.sleep(this.pollMs);
      }
    })();
    return { stop: async () => { stopped = true; await loop; } };
  }

  /** Forgets the local nonce and reads the signer's `pending` transaction count. */
  async resyncNonce(): Promise<number> {
    this.nonce = await this.provider.getTransactionCount(await this.options.signer.getAddress(), "pending");
    return this.nonce;
  }

  private async run(batchNumber: number, newStateRoot: bigint, data: BytesLike, proof: readonly bigint[]): Promise<SubmitResult> {
    const invalid = (why: string) => new SubmitError("SUBMIT_INVALID", why, { batchNumber });
    if (!Number.isSafeInteger(batchNumber) || batchNumber < 1) throw invalid(`batch number ${batchNumber} is not ≥ 1`);
    if (proof.length !== 8) throw invalid(`a proof has 8 words, not ${proof.length}`);
    const bytes = getBytes(data);
    if (bytes.length < 64 || toBigInt(bytes.subarray(32, 64)) !== newStateRoot) throw invalid("newStateRoot is not the one in the data");
    const calldata = this.contract.interface.encodeFunctionData("submitBatch", [bytes, proof]);
    const job: Job = { batchNumber, newStateRoot, calldata, replayable: toBigInt(bytes.subarray(0, 32)) === newStateRoot };
    const budget: Budget = { attempts: 0, problem: "SUBMIT_STUCK" };
    try {
      for (;;) {
        const out = await this.attempt(job, budget);
        if ("done" in out) return out.done;
      }
    } catch (err) {
      if (!(err instanceof SubmitError)) this.nonce = undefined;
      throw err;
    }
  }

  /** Looks at the chain, then sends and watches; RESTART where the chain moved under it. */
  private async attempt(job: Job, budget: Budget): Promise<Outcome> {
    if (job.replayable) {
      const f = await this.reader.find(job.batchNumber);
      if (f && f.newStateRoot === job.newStateRoot) return this.settled(job, f);
    }
    const from = await this.options.signer.getAddress();
    let gas: bigint;
    try {
      // "latest": a pending transaction of ours for this batch is to be replaced, not read as a revert
      gas = await this.provider.estimateGas({ from, to: this.contract.target, data: job.calldata, blockTag: "latest" });
    } catch (err) {
      const revert = decodeRevert(this.contract.interface, err);
      if (!revert) throw new SubmitError("SUBMIT_SEND", `estimateGas failed: ${String(err)}`, { batchNumber: job.batchNumber, cause: err });
      return this.refused(job, revert, undefined, err);
    }
    const count = (await this.contract.getFunction("batchCount").staticCall()) as bigint;
    if (count !== onChainBatchNumber(job.batchNumber)) {
      throw new SubmitError("SUBMIT_INVALID", `the chain's next batch is ${count + 1n} (1-based), not ${job.batchNumber}`, { batchNumber: job.batchNumber });
    }
    return this.sendAndWatch(job, (gas * (100n + this.gasMargin)) / 100n, budget);
  }

  private async sendAndWatch(job: Job, gasLimit: bigint, budget: Budget): Promise<Outcome> {
    const { batchNumber } = job;
    const from = await this.options.signer.getAddress();
    const nonce = this.nonce ?? (await this.resyncNonce());
    let fees = this.pendingFees?.nonce === nonce ? await this.bump(this.pendingFees.fees, batchNumber) : await this.networkFees(batchNumber);
    const sent: string[] = [];
    let reason: SendReason | undefined = "initial";
    let lastSentAt = this.clock.now();
    let unseen = 0; // polls in a row where the node knew none of `sent` (one may be propagation)
    for (;;) {
      if (reason) {
        if (budget.attempts >= this.maxAttempts) {
          this.nonce = nonce; // a replacement by the next submit beats pendingFees
          throw new SubmitError(budget.problem, `not finalized after ${budget.attempts} transactions`, { batchNumber, txHash: sent.at(-1) });
        }
        budget.attempts++;
        try {
          const request = { to: this.contract.target, data: job.calldata, nonce, gasLimit, ...fees, type: 2 };
          const tx = await this.options.signer.sendTransaction(request);
          sent.push(tx.hash);
          this.nonce = nonce + 1;
          this.pendingFees = { nonce, fees };
          lastSentAt = this.clock.now();
          await this.emit({ type: "sent", batchNumber, txHash: tx.hash, nonce, attempt: budget.attempts, reason, ...fees });
        } catch (err) {
          const kind = classifySendError(err);
          const hash = errorTxHash(err);
          if (kind === "revert" && hash) {
            sent.push(hash); // mined and reverted at once (Hardhat's automine): its receipt says more
          } else if (kind === "revert") {
            return this.refused(job, decodeRevert(this.contract.interface, err) ?? UNKNOWN_REVERT, undefined, err);
          } else if (kind === "underpriced" || kind === "known") {
            fees = await this.bump(fees, batchNumber);
            reason = "replacement";
            continue;
          } else if (kind === "nonce-low" || kind === "nonce-high") {
            if (!(await receiptOf(this.provider, sent))) {
              budget.problem = "SUBMIT_NONCE";
              await this.emit({ type: "nonce-resync", batchNumber, nonce: await this.resyncNonce() });
              return RESTART;
            }
          } else {
            throw new SubmitError("SUBMIT_SEND", `the node refused the transaction: ${String(err)}`, { batchNumber, txHash: sent.at(-1), cause: err });
          }
        }
        reason = undefined;
      }
      await this.clock.sleep(this.pollMs);
      const receipt = await receiptOf(this.provider, sent);
      if (receipt) {
        this.nonce = Math.max(this.nonce ?? 0, nonce + 1);
        this.pendingFees = undefined;
        await this.emit({ type: "mined", batchNumber, txHash: receipt.hash, blockNumber: receipt.blockNumber, status: receipt.status ?? 0 });
        const final = receipt.status === 1 ? await awaitConfirmations(this.provider, receipt, this.finality, () => this.clock.sleep(this.pollMs)) : receipt;
        if (final && final.status !== 1) return this.refused(job, await replay(this.provider, this.contract.interface, { to: this.contract.target, data: job.calldata }, final), final.hash, undefined);
        if (final) return { done: { txHash: final.hash, blockNumber: final.blockNumber, gasUsed: final.gasUsed, alreadyFinalized: false } };
        await this.emit({ type: "reorged-out", batchNumber, txHash: receipt.hash, blockNumber: receipt.blockNumber });
        this.pendingFees = { nonce, fees };
        lastSentAt = this.clock.now();
        continue; // back in the mempool, or dropped: watched as any pending transaction
      }
      unseen = (await anyKnown(this.provider, sent)) ? 0 : unseen + 1;
      if (unseen >= 2) {
        unseen = 0;
        if ((await this.provider.getTransactionCount(from, "latest")) > nonce) {
          this.nonce = undefined; // the nonce went to a transaction we did not see mined
          return RESTART;
        }
        await this.emit({ type: "dropped", batchNumber, txHash: sent.at(-1) ?? "", nonce });
        fees = maxFees(fees, await this.networkFees(batchNumber));
        budget.problem = "SUBMIT_DROPPED";
        reason = "resubmission";
      } else if (this.clock.now() - lastSentAt >= this.replaceAfterMs) {
        fees = await this.bump(fees, batchNumber);
        budget.problem = "SUBMIT_STUCK";
        reason = "replacement";
      }
    }
  }

  /** A revert: "already done" where the chain holds this batch with this root, else SUBMIT_REVERTED. */
  private async refused(job: Job, revert: DecodedRevert, txHash: string | undefined, cause: unknown): Promise<Outcome> {
    if (revert.name === "StateRootMismatch") {
      const f = await this.reader.find(job.batchNumber);
      if (f && f.newStateRoot === job.newStateRoot) return this.settled(job, f);
    }
    const args = revert.args.map(String).join(", ");
    const message = `the contract refused batch ${job.batchNumber}: ${revert.name}(${args})`;
    throw new SubmitError("SUBMIT_REVERTED", message, { batchNumber: job.batchNumber, txHash, revert, cause });
  }

  /** Waits until an existing finalization is final under the rule; RESTART if a reorg takes it. */
  private async settled(job: Job, found: Finalization): Promise<Outcome> {
    let f: Finalization | undefined = found;
    while (!(await isFinalBlock(this.provider, f.blockNumber, this.finality))) {
      await this.clock.sleep(this.pollMs);
      f = await this.reader.find(job.batchNumber);
      if (!f || f.newStateRoot !== job.newStateRoot) return RESTART;
    }
    const receipt = await this.provider.getTransactionReceipt(f.txHash);
    await this.emit({ type: "already-finalized", batchNumber: job.batchNumber, txHash: f.txHash, blockNumber: f.blockNumber });
    return { done: { txHash: f.txHash, blockNumber: f.blockNumber, gasUsed: receipt?.gasUsed ?? 0n, alreadyFinalized: true } };
  }

  private async networkFees(batchNumber: number): Promise<Fees> {
    const fees = await networkFees(this.provider);
    if (!fees) throw new SubmitError("SUBMIT_SEND", "the network gives no EIP-1559 fees", { batchNumber });
    return fees;
  }

  /** A replacement's fees: the last ones bumped by feeBumpPercent, and at least the network's. */
  private async bump(fees: Fees, batchNumber: number): Promise<Fees> {
    return maxFees(bumpFees(fees, this.feeBumpPercent), await this.networkFees(batchNumber));
  }

  private async emit(event: SubmitterEvent): Promise<void> {
    await this.options.onEvent?.(event);
  }
}

