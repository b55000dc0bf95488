/**
 * Batch trace -> what goes on chain: the op data of protocol.md section 7, the
 * calldata of `submitBatch`, and the public input the proof must carry.
 */
import { encodeBatchData, inputHash, type WireOpInput } from "../state/layout";
import type { Params } from "../state/params";
import type { BatchTrace, SlotTrace } from "../state/trace";

/** The op data of one slot (protocol.md section 7): the uniform slot fields an op type uses. */
export function wireOp(slot: SlotTrace): WireOpInput {
  const need = <T>(x: T | undefined, what: string): T => {
    if (x === undefined) throw new Error(`${slot.type} slot without its ${what}`);
    return x;
  };
  switch (slot.type) {
    case "NOOP":
      return { type: "NOOP" };
    case "DEPOSIT":
      return { type: "DEPOSIT" };
    case "TRADE": {
      const t = need(slot.trade, "trade");
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
    case "WITHDRAW":
      return { type: "WITHDRAW", accountIndex: slot.a.index, amount: need(slot.withdraw, "withdrawal").amount };
    case "LIQUIDATE": {
      const l = need(slot.liquidate, "liquidation");
      return { type: "LIQUIDATE", liquidatee: slot.a.index, liquidator: slot.b.index, marketId: l.marketId, q: l.q };
    }
    case "SETTLE":
      return { type: "SETTLE", accountIndex: slot.a.index, marketId: need(slot.settle, "settlement").marketId };
    case "DELEVERAGE": {
      const d = need(slot.deleverage, "deleverage");
      return { type: "DELEVERAGE", bankrupt: slot.a.index, counterparty: slot.b.index, marketId: d.marketId, q: d.q, price: d.price };
    }
    case "FORCED_WITHDRAW":
      return { type: "FORCED_WITHDRAW", accountIndex: slot.a.index, amount: need(slot.forcedWithdraw, "forced withdrawal").amount };
  }
}

/** The on-chain form of an applied batch. */
export interface BatchOnChain {
  /** `data` argument of `submitBatch`. */
  readonly data: Uint8Array;
  /** The proof's one public input. */
  readonly inputHash: bigint;
}

/**
 * Encodes an applied batch for the settlement contract. When the header carries new risk
 * arrays, `data` ends with the risk tail (their data availability; protocol.md section 7).
 * @param params - the parameter set
 * @param trace - the trace from `applyBatch`
 */
export function batchOnChain(params: Params, trace: BatchTrace): BatchOnChain {
  const ops = trace.slots.map(wireOp);
  const header = {
    timestamp: trace.header.timestamp,
    markPrices: trace.header.markPrices,
    fundingRates: trace.header.fundingRates,
    riskHash: trace.riskHash,
  };
  return {
    data: encodeBatchData(params, {
      oldStateRoot: trace.oldStateRoot,
      newStateRoot: trace.newStateRoot,
      depositsEnd: trace.depositsEnd,
      header,
      ops,
      pnl: trace.header.pnl,
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
