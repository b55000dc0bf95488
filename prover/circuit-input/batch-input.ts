/**
 * Batch trace -> input of the BatchSettle circuit (circuits/batch.circom).
 *
 * Signal names are the circuit's; every value is a field element as a decimal string,
 * signed values encoded mod r. Slots that are not trades carry zeros in the trade
 * signals, and slots that are not deposits zeros in the deposit signals, so that the
 * circuit's ungated range checks pass for them.
 */
import type { Account } from "../state/account";
import { encodeSigned } from "../state/field";
import { riskRowHash } from "../state/global";
import type { Params } from "../state/params";
import type { Signature } from "../state/crypto";
import type { SignedOrder } from "../state/signing";
import type { AccountUpdateTrace, BatchTrace, SlotTrace } from "../state/trace";

/** A circuit input value: a decimal string or a nested array of them. */
export type InputValue = string | InputValue[];
/** The batch circuit's input signals by name, as strings (zk/witness.ts's CircuitInput is any circuit's, of bigints too). */
export type BatchCircuitInput = Record<string, InputValue>;

const OP_TYPE = { NOOP: 0, DEPOSIT: 1, TRADE: 2, WITHDRAW: 3, LIQUIDATE: 4, SETTLE: 5, DELEVERAGE: 6, FORCED_WITHDRAW: 7 } as const;

function dec(x: bigint | number | boolean): string {
  if (typeof x === "boolean") return x ? "1" : "0";
  return encodeSigned(BigInt(x)).toString();
}

function accountSignals(prefix: string, u: AccountUpdateTrace): BatchCircuitInput {
  const acc: Account = u.before;
  return {
    [`${prefix}Index`]: dec(u.index),
    [`${prefix}Ax`]: dec(acc.ax),
    [`${prefix}Ay`]: dec(acc.ay),
    [`${prefix}Nonce`]: dec(acc.nonce),
    [`${prefix}Collateral`]: dec(acc.collateral),
    [`${prefix}MarketId`]: acc.positions.map((p) => dec(p.marketId)),
    [`${prefix}Size`]: acc.positions.map((p) => dec(p.size)),
    [`${prefix}FundingSnapshot`]: acc.positions.map((p) => dec(p.fundingSnapshot)),
    [`${prefix}Siblings`]: u.siblings.map((level) => level.map(dec)),
  };
}

/** makerOrder / takerOrder = [marketId, isBuy, size, limitPrice, expiry, nonce, maxFeeBps]. */
function orderSignals(o: SignedOrder | undefined): string[] {
  if (!o) return Array<string>(7).fill("0");
  return [o.marketId, o.isBuy, o.size, o.limitPrice, o.expiry, o.nonce, o.maxFeeBps].map(dec);
}

function sig(s: Signature | undefined): string[] {
  return s ? [s.R8x, s.R8y, s.S].map(dec) : ["0", "0", "0"];
}

/** The slot's op fields (protocol.md section 7) and the messages its signatures sign. */
function opFields(slot: SlotTrace): BatchCircuitInput {
  const none = { marketId: 0, q: 0n, value: 0n, feeA: 0n, feeB: 0n, slotA: 0, slotB: 0 };
  let f = none;
  let sigA: Signature | undefined;
  let sigB: Signature | undefined;
  let liquidation = ["0", "0"];
  const { trade, withdraw, liquidate, settle, deleverage, forcedWithdraw } = slot;
  if (trade) {
    f = { marketId: trade.maker.marketId, q: trade.q, value: trade.price, feeA: trade.makerFeeBps, feeB: trade.takerFeeBps, slotA: trade.makerSlot, slotB: trade.takerSlot };
    sigA = trade.maker;
    sigB = trade.taker;
  } else if (withdraw) {
    f = { ...none, value: withdraw.amount };
    sigA = withdraw.signature;
  } else if (liquidate) {
    f = { ...none, marketId: liquidate.marketId, q: liquidate.q, slotA: liquidate.slotA, slotB: liquidate.slotB };
    sigB = liquidate.message;
    liquidation = [dec(liquidate.message.maxSize), dec(liquidate.message.expiry)];
  } else if (settle) {
    f = { ...none, marketId: settle.marketId, slotA: settle.slot };
  } else if (forcedWithdraw) {
    f = { ...none, value: forcedWithdraw.amount };
  } else if (deleverage) {
    f = { ...none, marketId: deleverage.marketId, q: deleverage.q, value: deleverage.price, slotA: deleverage.slotA, slotB: deleverage.slotB };
  }
  return {
    marketId: dec(f.marketId),
    q: dec(f.q),
    value: dec(f.value),
    feeA: dec(f.feeA),
    feeB: dec(f.feeB),
    slotA: dec(f.slotA),
    slotB: dec(f.slotB),
    makerOrder: orderSignals(trade?.maker),
    takerOrder: orderSignals(trade?.taker),
    liquidation,
    sigA: sig(sigA),
    sigB: sig(sigB),
  };
}

function slotSignals(slot: SlotTrace): BatchCircuitInput {
  const entry = slot.deposit?.entry;
  return {
    opType: dec(OP_TYPE[slot.type]),
    ...accountSignals("a", slot.a),
    ...accountSignals("b", slot.b),
    depositAccountIndex: dec(entry?.accountIndex ?? 0),
    depositAx: dec(entry?.ax ?? 0n),
    depositAy: dec(entry?.ay ?? 0n),
    depositAmount: dec(entry?.amount ?? 0n),
    ...opFields(slot),
  };
}

/** Stacks per-slot signals into the main's [N]-indexed arrays. */
function stack(slots: BatchCircuitInput[]): BatchCircuitInput {
  const out: BatchCircuitInput = {};
  for (const name of Object.keys(slots[0])) {
    out[name] = slots.map((s) => s[name]);
  }
  return out;
}

/**
 * Builds the BatchSettle input for an applied batch.
 * @param params - the parameter set the circuit was built for
 * @param trace - the trace from `applyBatch`
 */
export function buildBatchInput(params: Params, trace: BatchTrace): BatchCircuitInput {
  if (trace.slots.length !== params.batchSize) {
    throw new Error(`trace has ${trace.slots.length} slots, the circuit ${params.batchSize}`);
  }
  const g = trace.oldGlobal;
  const fund = trace.feeUpdate.before;
  const header = trace.header;
  return {
    oldAccountsRoot: dec(trace.oldAccountsRoot),
    oldOracleTimestamp: dec(g.oracleTimestamp),
    marketKind: g.markets.map((m) => dec(m.kind)),
    marketLotSize: g.markets.map((m) => dec(m.lotSize)),
    marketExpiry: g.markets.map((m) => dec(m.expiry)),
    marketStrike: g.markets.map((m) => dec(m.strike)),
    oldMarkPrice: g.markets.map((m) => dec(m.markPrice)),
    oldFundingIndex: g.markets.map((m) => dec(m.fundingIndex)),
    oldSettlementPrice: g.markets.map((m) => dec(m.settlementPrice)),
    oldSettled: g.markets.map((m) => dec(m.settled)),
    mmBps: dec(g.risk.mmBps),
    penaltyBps: dec(g.risk.penaltyBps),
    maxFundingRate: dec(g.risk.maxFundingRate),
    // The arrays in force for this batch (the header's when it carries new ones); the old
    // arrays enter only through their row hashes, which open the old globalHash.
    pnl: trace.newGlobal.risk.pnl.map((row) => row.map(dec)),
    oldRiskRow: g.risk.pnl.map((row) => dec(riskRowHash(row))),
    oracleAx: g.oracleKeys.map((k) => dec(k.ax)),
    oracleAy: g.oracleKeys.map((k) => dec(k.ay)),
    oldDepositHead: dec(g.depositHead),
    timestamp: dec(header.timestamp),
    price: header.markPrices.map(dec),
    fundingRate: header.fundingRates.map(dec),
    oracleKeyIndex: header.signatures.map((s) => dec(s.keyIndex)),
    oracleSigR8x: header.signatures.map((s) => dec(s.R8x)),
    oracleSigR8y: header.signatures.map((s) => dec(s.R8y)),
    oracleSigS: header.signatures.map((s) => dec(s.S)),
    ...stack(trace.slots.map(slotSignals)),
    fundAx: dec(fund.ax),
    fundAy: dec(fund.ay),
    fundNonce: dec(fund.nonce),
    fundCollateral: dec(fund.collateral),
    fundMarketId: fund.positions.map((p) => dec(p.marketId)),
    fundSize: fund.positions.map((p) => dec(p.size)),
    fundFundingSnapshot: fund.positions.map((p) => dec(p.fundingSnapshot)),
    fundSiblings: trace.feeUpdate.siblings.map((level) => level.map(dec)),
  };
}
