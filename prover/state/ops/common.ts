/**
 * What every op that changes accounts shares: its context (the header's timestamp and
 * new markets, the risk in force, the tree's capacity) and the party checks of
 * protocol.md section 5 (account inside the tree, not account 0, not empty).
 */
import { isEmptyAccount, type Account } from "../account";
import { RuleError, formatUnits, type RuleOp } from "../errors";
import type { Market, Risk } from "../global";

/** What an op reads besides its accounts. */
export interface OpContext {
  /** The batch header's timestamp. */
  readonly timestamp: bigint;
  /** The markets after the header (new mark prices, funding indices, settlements). */
  readonly markets: readonly Market[];
  readonly risk: Risk;
  /** 4^D. */
  readonly capacity: number;
}

/**
 * Checks that an op's party is an account the op may name: inside the tree, not
 * account 0 (the insurance fund is never a party), and not empty.
 * @throws RuleError UNKNOWN_ACCOUNT, FUND_ACCOUNT
 */
export function checkParty(op: RuleOp, role: string, index: number, a: Account, capacity: number): void {
  const who = role === "" ? "account" : `${role} account`;
  if (!Number.isInteger(index) || index < 0 || index >= capacity) {
    throw new RuleError("UNKNOWN_ACCOUNT", op, `${who} ${index} is outside the tree (0..${capacity - 1})`, { accountIndex: index });
  }
  if (index === 0) {
    throw new RuleError("FUND_ACCOUNT", op, `${who} 0 is the insurance fund, never a party to an op`, { accountIndex: 0 });
  }
  if (isEmptyAccount(a)) {
    throw new RuleError("UNKNOWN_ACCOUNT", op, `${who} ${index} is empty`, { accountIndex: index });
  }
}

/**
 * The market of a market id.
 * @throws RuleError UNKNOWN_MARKET
 */
export function marketOf(op: RuleOp, ctx: OpContext, marketId: number): Market {
  const M = ctx.markets.length;
  if (!Number.isInteger(marketId) || marketId < 1 || marketId > M) {
    throw new RuleError("UNKNOWN_MARKET", op, `market ${marketId} outside 1..${M}`, { marketId, markets: M });
  }
  return ctx.markets[marketId - 1];
}

/**
 * Refuses an op in a settled market.
 * @throws RuleError MARKET_SETTLED
 */
export function requireLive(op: RuleOp, marketId: number, m: Market): void {
  if (m.settled) {
    throw new RuleError("MARKET_SETTLED", op, `market ${marketId} settled at ${formatUnits(m.settlementPrice)}; positions in it close by SETTLE only`, {
      marketId,
      settlementPrice: m.settlementPrice,
    });
  }
}

/** The index of the slot holding `marketId`, or −1. */
export function heldSlot(a: Account, marketId: number): number {
  return a.positions.findIndex((s) => s.marketId === marketId);
}

/** |x|. */
export const abs = (x: bigint): bigint => (x < 0n ? -x : x);
