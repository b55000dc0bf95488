/**
 * Names of the ops the sequencer acknowledges, and what became of them
 * (docs/service.md, "Durable intake"). An order is named by its order hash (the
 * `orderId` of the answer); any other op by a hash of its content and, for an L1
 * queue entry, its place in the queue, so a client can ask about it later
 * (GET /v1/ops/{id}).
 */
import { createHash } from "node:crypto";
import type { Batch, Op } from "../state/batch";
import type { DepositEntry } from "../state/ops/deposit";
import { OrderBook } from "./sequencer-book";
import { serializeDeposit, serializeOp } from "../codec/batch-codec";

/** What became of an acknowledged op that is neither resting nor waiting in a batch. */
export type OpFate =
  // jobId: absent when the batch's job was pruned (the ledger keeps the batch)
  | { readonly status: "batched"; readonly batchNumber: number; readonly jobId?: string }
  | {
      /** `cancelled`: a resting order taken off the book; `rejected`: an op that no longer holds after a rebase. */
      readonly status: "cancelled" | "rejected";
      /** The rule (RuleError code) or the reason (REBASED_QUEUE_ENTRY, BATCH_CANCELLED, NONCE_CONSUMED, …). */
      readonly code: string;
      readonly reason: string;
    };

/** The id of a non-order op: 0x + sha256 of its wire form (and its queue index for a queue entry). */
export function opIdOf(op: Op, entry?: DepositEntry, queueIndex?: bigint): string {
  const body = JSON.stringify({ op: serializeOp(op), entry: entry && serializeDeposit(entry), queueIndex: queueIndex?.toString() });
  return "0x" + createHash("sha256").update(body).digest("hex");
}

/** The ids an op in a batch answers for: maker and taker of a TRADE, else the op's own. */
export function idsOf(op: Op, entry?: DepositEntry, queueIndex?: bigint): string[] {
  if (op.type === "TRADE") return [OrderBook.idOf(op.maker), OrderBook.idOf(op.taker)];
  return [opIdOf(op, entry, queueIndex)];
}

/** The ids of every op of a batch whose first queue entry has index `firstQueueIndex`. */
export function idsOfBatch(batch: Batch, firstQueueIndex: bigint): string[][] {
  let q = 0;
  return batch.ops.map((op) => {
    if (op.type !== "DEPOSIT" && op.type !== "FORCED_WITHDRAW") return idsOf(op);
    const entry = batch.deposits[q];
    return idsOf(op, entry, firstQueueIndex + BigInt(q++));
  });
}
