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
import type { Params } from "../state/params";
import type { SignedOrder } from "../state/signing";
import type { AccountUpdateTrace, BatchTrace, SlotTrace } from "../state/trace";

/** A circuit input value: a decimal string or a nested array of them. */
export type InputValue = string | InputValue[];
/** The circuit's input signals by name. */
export type CircuitInput = Record<string, InputValue>;

const OP_TYPE = { NOOP: 0, DEPOSIT: 1, TRADE: 2 } as const;

function dec(x: bigint | number | boolean): string {
  if (typeof x === "boolean") return x ? "1" : "0";
  return encodeSigned(BigInt(x)).toString();
}

function accountSignals(prefix: string, u: AccountUpdateTrace): CircuitInput {
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
function orderSignals(o: SignedOrder | undefined): { order: string[]; sig: string[] } {
  if (!o) return { order: Array(7).fill("0"), sig: ["0", "0", "0"] };
  return {
    order: [o.marketId, o.isBuy, o.size, o.limitPrice, o.expiry, o.nonce, o.maxFeeBps].map(dec),
    sig: [o.R8x, o.R8y, o.S].map(dec),
  };
}

function slotSignals(slot: SlotTrace): CircuitInput {
  const entry = slot.deposit?.entry;
  const trade = slot.trade;
  const maker = orderSignals(trade?.maker);
  const taker = orderSignals(trade?.taker);
  return {
    opType: dec(OP_TYPE[slot.type]),
    ...accountSignals("a", slot.a),
    ...accountSignals("b", slot.b),
    depositAccountIndex: dec(entry?.accountIndex ?? 0),
    depositAx: dec(entry?.ax ?? 0n),
    depositAy: dec(entry?.ay ?? 0n),
    depositAmount: dec(entry?.amount ?? 0n),
    makerOrder: maker.order,
    makerSig: maker.sig,
    takerOrder: taker.order,
    takerSig: taker.sig,
    q: dec(trade?.q ?? 0n),
    makerFeeBps: dec(trade?.makerFeeBps ?? 0n),
    takerFeeBps: dec(trade?.takerFeeBps ?? 0n),
    makerSlot: dec(trade?.makerSlot ?? 0),
    takerSlot: dec(trade?.takerSlot ?? 0),
  };
}

/** Stacks per-slot signals into the main's [N]-indexed arrays. */
function stack(slots: CircuitInput[]): CircuitInput {
  const out: CircuitInput = {};
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
export function buildBatchInput(params: Params, trace: BatchTrace): CircuitInput {
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
    fundingIndex: g.markets.map((m) => dec(m.fundingIndex)),
    settlementPrice: g.markets.map((m) => dec(m.settlementPrice)),
    settled: g.markets.map((m) => dec(m.settled)),
    oldMarkPrice: g.markets.map((m) => dec(m.markPrice)),
    mmBps: dec(g.risk.mmBps),
    pnl: g.risk.pnl.map((row) => row.map(dec)),
    oracleAx: g.oracleKeys.map((k) => dec(k.ax)),
    oracleAy: g.oracleKeys.map((k) => dec(k.ay)),
    oldDepositHead: dec(g.depositHead),
    timestamp: dec(header.timestamp),
    markPrice: header.markPrices.map(dec),
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
