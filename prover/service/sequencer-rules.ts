/**
 * The rules of a posted order that hold without a counterparty (checked before it is
 * matched or rests), the TRADE a match makes, and whom a refused TRADE blames.
 */
import { isEmptyAccount, type Account } from "../state/account";
import { RuleError, requireOpenRange } from "../state/errors";
import { pow2 } from "../state/field";
import type { TradeOp } from "../state/ops/trade";
import type { Params } from "../state/params";
import { verifyOrder, type SignedOrder } from "../state/signing";
import type { RestingOrder } from "./sequencer-book";

/** What the order rules read of the pending state and the operator's terms. */
export interface OrderView {
  readonly params: Params;
  /** 4^D. */
  readonly capacity: number;
  /** The account as the pending batch leaves it. */
  account(index: number): Account;
  /** The header the next batch carries, if set. */
  readonly timestamp?: bigint;
  readonly makerFeeBps: bigint;
  readonly takerFeeBps: bigint;
}

/**
 * Checks market, account, field ranges, signature, nonce, fee cap and expiry.
 * @throws RuleError naming the rule
 */
export function checkOrder(o: SignedOrder, v: OrderView): void {
  const M = v.params.markets;
  if (!Number.isInteger(o.marketId) || o.marketId < 1 || o.marketId > M) {
    throw new RuleError("UNKNOWN_MARKET", "TRADE", `order market ${o.marketId} outside 1..${M}`, { marketId: o.marketId, markets: M });
  }
  const i = o.accountIndex;
  if (!Number.isInteger(i) || i < 0 || i >= v.capacity || isEmptyAccount(v.account(i))) {
    throw new RuleError("UNKNOWN_ACCOUNT", "TRADE", `order account ${i} is empty or outside the tree (0..${v.capacity - 1})`, { accountIndex: i });
  }
  requireOpenRange("TRADE", "size", o.size, 0n, pow2(32), "order");
  requireOpenRange("TRADE", "limitPrice", o.limitPrice, 0n, pow2(48), "order");
  requireOpenRange("TRADE", "expiry", o.expiry, -1n, pow2(32), "order");
  requireOpenRange("TRADE", "nonce", o.nonce, -1n, pow2(32), "order");
  requireOpenRange("TRADE", "maxFeeBps", o.maxFeeBps, -1n, pow2(8), "order");
  const a = v.account(i);
  if (!verifyOrder(o, a)) {
    throw new RuleError("BAD_SIGNATURE", "TRADE", `order signature does not verify under account ${i}'s key`, { accountIndex: i });
  }
  if (o.nonce !== a.nonce) {
    throw new RuleError("NONCE_MISMATCH", "TRADE", `order nonce ${o.nonce} ≠ account ${i} nonce ${a.nonce}`, { accountIndex: i, orderNonce: o.nonce, nonce: a.nonce });
  }
  // the order may end up maker or taker: it must allow the larger of the two fees
  const fee = v.makerFeeBps > v.takerFeeBps ? v.makerFeeBps : v.takerFeeBps;
  if (fee > o.maxFeeBps) {
    throw new RuleError("FEE_ABOVE_MAX", "TRADE", `the operator's fee ${fee} bps > maxFeeBps ${o.maxFeeBps} of account ${i}'s order`, { accountIndex: i, feeBps: fee, maxFeeBps: o.maxFeeBps });
  }
  const ts = v.timestamp;
  if (ts !== undefined && ts > o.expiry) {
    throw new RuleError("ORDER_EXPIRED", "TRADE", `order of account ${i} expired: timestamp ${ts} > expiry ${o.expiry}`, { accountIndex: i, timestamp: ts, expiry: o.expiry });
  }
}

/** The TRADE of a taker against a resting maker: the smaller size, at the maker's price. */
export function tradeOf(maker: RestingOrder, taker: SignedOrder, makerFeeBps: bigint, takerFeeBps: bigint): TradeOp {
  const q = maker.order.size < taker.size ? maker.order.size : taker.size;
  return { type: "TRADE", maker: maker.order, taker, q, makerFeeBps, takerFeeBps };
}

/** True when a trade's refusal is about the resting (maker) order. */
export function blamesMaker(e: RuleError, maker: SignedOrder): boolean {
  if (e.details.role === "maker") return true;
  if (e.details.role === "taker") return false;
  if (e.details.accountIndex === maker.accountIndex) return true;
  return /\bmaker\b/.test(e.message);
}
