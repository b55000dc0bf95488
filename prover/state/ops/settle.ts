/**
 * SETTLE (op code 5, protocol.md section 5): market m settled; a holds size s in m:
 * funding applied first, then collateral += s · settlementPrice and the slot is
 * cleared. No signature: anyone's position may be settled, once (a second SETTLE
 * finds no position).
 */
import { EMPTY_SLOT, type Account } from "../account";
import { RuleError, formatUnits, requireOpenRange } from "../errors";
import { pow2 } from "../field";
import { MarketKind } from "../global";
import { applyFunding } from "../margin";
import { checkParty, heldSlot, marketOf, type OpContext } from "./common";

/** A SETTLE op slot. */
export interface SettleOp {
  readonly type: "SETTLE";
  readonly accountIndex: number;
  readonly marketId: number;
}

/** Op code of SETTLE in op data. */
export const SETTLE_CODE = 5;

/** The account after funding and after the settlement. */
export interface SettleResult {
  readonly funded: Account;
  readonly after: Account;
  readonly slot: number;
  /** size · settlementPrice, credited to collateral. */
  readonly value: bigint;
  /** What the fund pays when the settlement leaves no position and negative collateral. */
  readonly deficit: bigint;
}

/**
 * Settles an account's position in a settled market.
 * @throws RuleError UNKNOWN_MARKET, UNKNOWN_ACCOUNT, FUND_ACCOUNT, MARKET_NOT_SETTLED, NO_POSITION, RANGE
 */
export function applySettle(ctx: OpContext, before: Account, op: SettleOp): SettleResult {
  const i = op.accountIndex;
  const id = op.marketId;
  const market = marketOf("SETTLE", ctx, id);
  checkParty("SETTLE", "", i, before, ctx.capacity);
  if (!market.settled) {
    const why =
      market.kind === MarketKind.PERPETUAL
        ? `market ${id} is a perpetual and never settles`
        : `market ${id} is not settled: timestamp ${ctx.timestamp} < expiry ${market.expiry}`;
    throw new RuleError("MARKET_NOT_SETTLED", "SETTLE", why, { marketId: id, timestamp: ctx.timestamp, expiry: market.expiry });
  }
  const funded = applyFunding(before, ctx.markets);
  const slot = heldSlot(funded, id);
  if (slot < 0) {
    throw new RuleError("NO_POSITION", "SETTLE", `account ${i} holds no position in market ${id} (settled at ${formatUnits(market.settlementPrice)}; already settled or never held)`, {
      accountIndex: i,
      marketId: id,
    });
  }
  const { after, value, deficit } = settleState(funded, i, slot, market.settlementPrice);
  return { funded, after, slot, value, deficit };
}

/**
 * The pure state change of a settlement: on the funded account, collateral +=
 * size · settlementPrice and the slot is cleared; if the account then holds no position
 * and its collateral is negative, the fund pays the deficit and the collateral is 0
 * (as after a liquidation: a loss realized at expiry is the fund's to absorb). No check that the market is settled
 * (`applySettle` does that; replaying op data uses this alone).
 * @param funded - the account after funding
 * @param accountIndex - its index (for the error message)
 * @param slot - the slot holding the settled market
 * @throws RuleError RANGE when the new collateral leaves −2^63 < c < 2^63
 */
export function settleState(funded: Account, accountIndex: number, slot: number, settlementPrice: bigint): { after: Account; value: bigint; deficit: bigint } {
  const value = funded.positions[slot].size * settlementPrice;
  const positions = funded.positions.map((s, j) => (j === slot ? EMPTY_SLOT : s));
  const settled = funded.collateral + value;
  const deficit = settled < 0n && positions.every((p) => p.marketId === 0) ? -settled : 0n;
  const collateral = settled + deficit;
  requireOpenRange("SETTLE", "collateral", collateral, -pow2(63), pow2(63), `account ${accountIndex} new`);
  return { after: { ...funded, collateral, positions }, value, deficit };
}
