/**
 * Batch trace -> what goes on chain: the op data of protocol.md section 7, the
 * calldata of `submitBatch`, and the public input the proof must carry.
 */
import { encodeBatchData, inputHash, type WireOpInput } from "../state/layout";
import type { Params } from "../state/params";
import type { BatchTrace, SlotTrace } from "../state/trace";

function wireOp(slot: SlotTrace): WireOpInput {
  if (slot.type === "NOOP") return { type: "NOOP" };
  if (slot.type === "DEPOSIT") return { type: "DEPOSIT" };
  const t = slot.trade;
  if (!t) throw new Error("TRADE slot without its trade");
  return {
    type: "TRADE",
    makerIndex: t.maker.accountIndex,
    takerIndex: t.taker.accountIndex,
    marketId: t.maker.marketId,
    makerIsBuy: t.maker.isBuy,
    q: t.q,
    price: t.price,
    makerFeeBps: Number(t.makerFeeBps),
    takerFeeBps: Number(t.takerFeeBps),
  };
}

/** The on-chain form of an applied batch. */
export interface BatchOnChain {
  /** `data` argument of `submitBatch`. */
  readonly data: Uint8Array;
  /** The proof's one public input. */
  readonly inputHash: bigint;
}

/**
 * Encodes an applied batch for the settlement contract.
 * @param params - the parameter set
 * @param trace - the trace from `applyBatch`
 */
export function batchOnChain(params: Params, trace: BatchTrace): BatchOnChain {
  const ops = trace.slots.map(wireOp);
  const header = { timestamp: trace.header.timestamp, markPrices: trace.header.markPrices };
  return {
    data: encodeBatchData(params, {
      oldStateRoot: trace.oldStateRoot,
      newStateRoot: trace.newStateRoot,
      depositsEnd: trace.depositsEnd,
      header,
      ops,
    }),
    inputHash: inputHash(params, {
      oldStateRoot: trace.oldStateRoot,
      newStateRoot: trace.newStateRoot,
      header,
      depositHead: trace.newGlobal.depositHead,
      ops,
    }),
  };
}
