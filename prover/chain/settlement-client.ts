/**
 * The operator's side of the settlement contract: read the L1 deposit queue, submit a
 * proven batch and wait for its receipt. Plain ethers v6.
 */
import type { ContractTransactionReceipt, Log } from "ethers";
import type { DepositEntry } from "../state/ops/deposit";
import type { DeployedContract } from "./deploy";

/** A queued L1 deposit as the contract logged it. */
export interface QueuedDeposit extends DepositEntry {
  readonly queueIndex: number;
  /** The chain head after this entry (`queueHeads[queueIndex + 1]`). */
  readonly head: bigint;
}

/**
 * Reads the deposit queue from `DepositQueued` events, in queue order.
 * @param fromIndex - first queue index wanted (the contract's `depositsConsumed`)
 */
export async function readDepositQueue(settlement: DeployedContract, fromIndex = 0): Promise<QueuedDeposit[]> {
  const logs = (await settlement.queryFilter(settlement.filters.DepositQueued())) as (Log & { args: unknown[] })[];
  const entries = logs.map((l) => {
    const [queueIndex, accountIndex, ax, ay, amount, head] = l.args as bigint[];
    return { queueIndex: Number(queueIndex), accountIndex: Number(accountIndex), ax, ay, amount, head };
  });
  entries.sort((a, b) => a.queueIndex - b.queueIndex);
  entries.forEach((e, i) => {
    if (e.queueIndex !== i) throw new Error(`deposit queue has a gap at index ${i}`);
  });
  return entries.filter((e) => e.queueIndex >= fromIndex);
}

/** What a submission cost and how long it took. */
export interface Submission {
  readonly txHash: string;
  readonly gasUsed: bigint;
  readonly blockNumber: number;
  /** From sending the transaction to holding its receipt. */
  readonly submitMs: number;
}

/**
 * Submits a proven batch and waits for `confirmations` blocks.
 * @throws the contract's custom error (decoded by ethers) when the batch is refused
 */
export async function submitBatch(
  settlement: DeployedContract,
  data: Uint8Array,
  proof: readonly bigint[],
  confirmations = 1,
): Promise<Submission> {
  const t0 = performance.now();
  const tx = await settlement.submitBatch(data, proof);
  const receipt = (await tx.wait(confirmations)) as ContractTransactionReceipt | null;
  const submitMs = performance.now() - t0;
  if (!receipt || receipt.status !== 1) throw new Error(`submitBatch ${tx.hash} did not succeed`);
  return { txHash: receipt.hash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber, submitMs };
}
