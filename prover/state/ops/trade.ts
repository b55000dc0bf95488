/**
 * TRADE (op code 2): settles two signed orders, maker and taker (protocol.md
 * section 5), at the maker's limit price.
 *
 * 1. Both accounts exist, maker ≠ taker, 1 ≤ marketId ≤ M, same market, opposite sides.
 * 2. Each order is signed by its account's key, nonce = account nonce, timestamp ≤ expiry.
 * 3. 1 ≤ q ≤ min(maker.size, taker.size).
 * 4. p = maker.limitPrice; a buying taker needs p ≤ its limit, a selling taker p ≥ it.
 * 5. fee = floor(q·p·feeBps / 10000) per side, feeBps ≤ order.maxFeeBps.
 * 6. Buyer: size += q, collateral −= q·p + fee; seller: size −= q, collateral += q·p − fee;
 *    both nonces += 1. Slot: the one holding the market, else the lowest empty one;
 *    a slot whose size returns to 0 is cleared to (0, 0, 0).
 * 7. After the trade each side meets initial margin or the trade is reduce-only for it.
 * 8. The market is not settled; neither side is account 0 (the fund).
 * Funding is applied to both accounts before the fill (protocol.md section 5).
 */
import { EMPTY_SLOT, findSlot, type Account } from "../account";
import { RuleError, formatUnits, requireOpenRange } from "../errors";
import { pow2 } from "../field";
import type { Market } from "../global";
import { applyFunding, isReduceOnly, marginState } from "../margin";
import { verifyOrder, type SignedOrder } from "../signing";
import { checkParty, requireLive, type OpContext } from "./common";

/** A TRADE op slot. */
export interface TradeOp {
  readonly type: "TRADE";
  readonly maker: SignedOrder;
  readonly taker: SignedOrder;
  /** Fill size in lots, 1 ≤ q ≤ min(maker.size, taker.size). */
  readonly q: bigint;
  readonly makerFeeBps: bigint;
  readonly takerFeeBps: bigint;
}

/** Op code of TRADE in op data. */
export const TRADE_CODE = 2;

/** What a trade reads besides the two accounts. */
export type TradeContext = OpContext;

/** The two accounts after a trade and the numbers the circuit needs. */
export interface TradeResult {
  /** The two accounts after funding application, before the fill. */
  readonly makerFunded: Account;
  readonly takerFunded: Account;
  readonly maker: Account;
  readonly taker: Account;
  readonly price: bigint;
  readonly makerFee: bigint;
  readonly takerFee: bigint;
  /** Position slot index used in the maker's account (before the slot may be cleared). */
  readonly makerSlot: number;
  readonly takerSlot: number;
}

/** Which side of a trade an account is on (for error messages). */
export type Role = "maker" | "taker";

function checkOrderRanges(o: SignedOrder, role: Role): void {
  const w = `${role} order`;
  requireOpenRange("TRADE", "size", o.size, 0n, pow2(32), w);
  // The maker's limit is the trade price, which the circuit requires > 0 (TradeOp's
  // priceZero); a taker's limit only bounds it, so 0 is allowed (a sell at any price).
  requireOpenRange("TRADE", "limitPrice", o.limitPrice, role === "maker" ? 0n : -1n, pow2(48), w);
  requireOpenRange("TRADE", "expiry", o.expiry, -1n, pow2(32), w);
  requireOpenRange("TRADE", "nonce", o.nonce, -1n, pow2(32), w);
  requireOpenRange("TRADE", "maxFeeBps", o.maxFeeBps, -1n, pow2(8), w);
}

function checkAccount(ctx: TradeContext, o: SignedOrder, a: Account, role: Role): void {
  checkParty("TRADE", role, o.accountIndex, a, ctx.capacity);
}

function checkAuth(ctx: TradeContext, o: SignedOrder, a: Account, role: Role): void {
  const i = o.accountIndex;
  if (!verifyOrder(o, a)) {
    throw new RuleError("BAD_SIGNATURE", "TRADE", `${role} order signature does not verify under account ${i}'s key`, {
      accountIndex: i,
    });
  }
  if (o.nonce !== a.nonce) {
    throw new RuleError("NONCE_MISMATCH", "TRADE", `${role} order nonce ${o.nonce} ≠ account ${i} nonce ${a.nonce}`, {
      accountIndex: i,
      orderNonce: o.nonce,
      nonce: a.nonce,
    });
  }
  if (ctx.timestamp > o.expiry) {
    throw new RuleError("ORDER_EXPIRED", "TRADE", `${role} order of account ${i} expired: timestamp ${ctx.timestamp} > expiry ${o.expiry}`, {
      accountIndex: i,
      timestamp: ctx.timestamp,
      expiry: o.expiry,
    });
  }
}

/** Fee = floor(q·p·feeBps / 10000). */
export function tradeFee(q: bigint, price: bigint, feeBps: bigint): bigint {
  return (q * price * feeBps) / 10000n;
}

function checkFee(o: SignedOrder, feeBps: bigint, role: Role): void {
  requireOpenRange("TRADE", `${role}FeeBps`, feeBps, -1n, pow2(8));
  if (feeBps > o.maxFeeBps) {
    throw new RuleError("FEE_ABOVE_MAX", "TRADE", `${role} fee ${feeBps} bps > maxFeeBps ${o.maxFeeBps} of account ${o.accountIndex}'s order`, {
      accountIndex: o.accountIndex,
      feeBps,
      maxFeeBps: o.maxFeeBps,
    });
  }
}

/** One side of a fill as op data carries it: the account, the market and the side. */
export interface TradeSide {
  readonly accountIndex: number;
  readonly marketId: number;
  readonly isBuy: boolean;
}

/**
 * The pure state change of one side of a fill (protocol.md section 5, TRADE 6): on the
 * funded account, the slot holding the market (else the lowest empty one) moves by ±q,
 * collateral by ∓q·p − fee, nonce += 1; a slot that returns to 0 is cleared, a newly
 * opened slot takes the market's funding index as its snapshot. No signature, nonce or
 * margin check: `applyTrade` does those; replaying op data (`replay.ts`) uses this alone.
 * @param markets - the markets after the header
 * @param a - the side's account after funding
 * @param fee - floor(q·p·feeBps / 10000) (`tradeFee`)
 * @returns the account after the fill and the slot it used (before the slot may be cleared)
 * @throws RuleError POSITION_SLOTS_FULL, RANGE
 */
export function fillTradeSide(
  markets: readonly Market[],
  a: Account,
  side: TradeSide,
  q: bigint,
  price: bigint,
  fee: bigint,
  role: Role,
): { after: Account; slot: number } {
  const i = side.accountIndex;
  const slot = findSlot(a, side.marketId);
  if (slot < 0) {
    throw new RuleError("POSITION_SLOTS_FULL", "TRADE", `${role} account ${i} has all ${a.positions.length} position slots in use and none holds market ${side.marketId}`, {
      accountIndex: i,
      marketId: side.marketId,
      slots: a.positions.length,
    });
  }
  const old = a.positions[slot];
  const size = old.size + (side.isBuy ? q : -q);
  const collateral = a.collateral + (side.isBuy ? -(q * price) - fee : q * price - fee);
  requireOpenRange("TRADE", "size", size, -pow2(48), pow2(48), `${role} account ${i} new position`);
  requireOpenRange("TRADE", "collateral", collateral, -pow2(63), pow2(63), `${role} account ${i} new`);
  // The circuit range-checks the nonce after the op, so the last usable nonce is 2^32 − 2.
  requireOpenRange("TRADE", "nonce", a.nonce + 1n, -1n, pow2(32), `${role} account ${i} new`);
  const market = markets[side.marketId - 1];
  const newSlot =
    size === 0n
      ? EMPTY_SLOT
      : { marketId: side.marketId, size, fundingSnapshot: old.marketId === 0 ? market.fundingIndex : old.fundingSnapshot };
  const positions = a.positions.map((s, j) => (j === slot ? newSlot : s));
  return { after: { ...a, nonce: a.nonce + 1n, collateral, positions }, slot };
}

function checkMargin(ctx: TradeContext, before: Account, after: Account, o: SignedOrder, slot: number, role: Role): void {
  const ms = marginState(after, ctx.markets, ctx.risk);
  const eq = ms.equity;
  const im = ms.requirement;
  if (ms.meetsInitial) return;
  const oldSize = before.positions[slot].size;
  const newSize = after.positions[slot].size;
  if (isReduceOnly(oldSize, newSize)) return;
  const i = o.accountIndex;
  throw new RuleError(
    "INSUFFICIENT_MARGIN",
    "TRADE",
    `account ${i} equity ${formatUnits(eq)} < initial margin ${formatUnits(im)} after trade (${role}, market ${o.marketId} size ${oldSize} → ${newSize} is not reduce-only)`,
    { accountIndex: i, equity: eq, initialMargin: im, oldSize, newSize, role },
  );
}

/**
 * Applies a trade to the two accounts.
 * @param ctx - header timestamp, markets with new prices, risk, tree capacity
 * @param makerBefore - the account at `op.maker.accountIndex`
 * @param takerBefore - the account at `op.taker.accountIndex`
 * @throws RuleError for every rule of protocol.md section 5, TRADE
 */
export function applyTrade(ctx: TradeContext, makerBefore: Account, takerBefore: Account, op: TradeOp): TradeResult {
  const { maker, taker, q } = op;
  const M = ctx.markets.length;
  for (const [o, role] of [[maker, "maker"], [taker, "taker"]] as const) {
    if (!Number.isInteger(o.marketId) || o.marketId < 1 || o.marketId > M) {
      throw new RuleError("UNKNOWN_MARKET", "TRADE", `${role} order market ${o.marketId} outside 1..${M}`, { marketId: o.marketId, markets: M });
    }
  }
  if (maker.marketId !== taker.marketId) {
    throw new RuleError("MARKET_MISMATCH", "TRADE", `maker market ${maker.marketId} ≠ taker market ${taker.marketId}`, {
      makerMarketId: maker.marketId,
      takerMarketId: taker.marketId,
    });
  }
  if (maker.isBuy === taker.isBuy) {
    const side = maker.isBuy ? "buy" : "sell";
    throw new RuleError("SAME_SIDE", "TRADE", `maker and taker both ${side} in market ${maker.marketId}`, { isBuy: side });
  }
  if (maker.accountIndex === taker.accountIndex) {
    throw new RuleError("SELF_TRADE", "TRADE", `maker and taker are both account ${maker.accountIndex}`, { accountIndex: maker.accountIndex });
  }
  checkAccount(ctx, maker, makerBefore, "maker");
  checkAccount(ctx, taker, takerBefore, "taker");
  requireLive("TRADE", maker.marketId, ctx.markets[maker.marketId - 1]);
  checkOrderRanges(maker, "maker");
  checkOrderRanges(taker, "taker");
  checkAuth(ctx, maker, makerBefore, "maker");
  checkAuth(ctx, taker, takerBefore, "taker");

  requireOpenRange("TRADE", "q", q, 0n, pow2(32));
  const most = maker.size < taker.size ? maker.size : taker.size;
  if (q > most) {
    throw new RuleError("FILL_EXCEEDS_ORDER", "TRADE", `fill q ${q} > min(maker size ${maker.size}, taker size ${taker.size}) = ${most}`, {
      q,
      makerSize: maker.size,
      takerSize: taker.size,
    });
  }
  const price = maker.limitPrice;
  if (taker.isBuy ? price > taker.limitPrice : price < taker.limitPrice) {
    const rel = taker.isBuy ? ">" : "<";
    throw new RuleError("LIMIT_PRICE", "TRADE", `price ${formatUnits(price)} ${rel} ${taker.isBuy ? "buying" : "selling"} taker limit ${formatUnits(taker.limitPrice)} (account ${taker.accountIndex})`, {
      price,
      takerLimitPrice: taker.limitPrice,
    });
  }
  checkFee(maker, op.makerFeeBps, "maker");
  checkFee(taker, op.takerFeeBps, "taker");
  const makerFee = tradeFee(q, price, op.makerFeeBps);
  const takerFee = tradeFee(q, price, op.takerFeeBps);

  const makerFunded = applyFunding(makerBefore, ctx.markets);
  const takerFunded = applyFunding(takerBefore, ctx.markets);
  const m = fillTradeSide(ctx.markets, makerFunded, maker, q, price, makerFee, "maker");
  const t = fillTradeSide(ctx.markets, takerFunded, taker, q, price, takerFee, "taker");
  checkMargin(ctx, makerFunded, m.after, maker, m.slot, "maker");
  checkMargin(ctx, takerFunded, t.after, taker, t.slot, "taker");
  return { makerFunded, takerFunded, maker: m.after, taker: t.after, price, makerFee, takerFee, makerSlot: m.slot, takerSlot: t.slot };
}
