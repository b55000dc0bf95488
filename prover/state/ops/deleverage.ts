/**
 * DELEVERAGE (op code 6, protocol.md section 5): when a bankrupt account's deficit
 * exceeds what the fund holds, the loss goes to the opposite side (auto-deleveraging,
 * as StarkEx and dYdX do). Funding is applied to both accounts first.
 *
 * 1. a is bankrupt: equity < 0, and `fundAvailable < −equity`, where fundAvailable =
 *    the fund's collateral at the start of the batch + the fund's net credit so far in
 *    the batch (fees + penalties − deficits of the earlier slots).
 * 2. b holds a position in m of the opposite sign; q ≤ |a's size|, q ≤ |b's size|.
 * 3. q lots close between a and b at price p: both sizes move toward 0 by q, cash
 *    q · p moves from the buyer to the seller. No nonce moves (no signature).
 * 4. p is a's bankruptcy price: after the op `0 ≤ equity_a < q`.
 * No margin check on b: its position only shrinks.
 *
 * The bankruptcy price (the one integer p that satisfies 4): with E = a's equity
 * (after funding, new mark prices), σ = sign of a's size (+1 long, −1 short):
 *
 *   p = markPrice − σ · floor(E / q)          (floor toward −∞)
 *
 * a long sells q at p: equity_a' = E + q·(p − mark) = E − q·floor(E/q) = E mod q ∈ [0, q);
 * a short buys q at p: equity_a' = E + q·(mark − p) = E mod q ∈ [0, q). For E < 0 this is
 * mark + ceil(−E/q) for a long, mark − ceil(−E/q) for a short.
 */
import { EMPTY_SLOT, type Account } from "../account";
import { RuleError, formatUnits, requireOpenRange } from "../errors";
import { pow2 } from "../field";
import type { Market } from "../global";
import { floorDiv } from "../header";
import { accountEquity, applyFunding } from "../margin";
import type { State } from "../state";
import { abs, checkParty, heldSlot, marketOf, requireLive, type OpContext } from "./common";

/** A DELEVERAGE op slot. */
export interface DeleverageOp {
  readonly type: "DELEVERAGE";
  readonly bankrupt: number;
  readonly counterparty: number;
  readonly marketId: number;
  /** Lots closed, 1 ≤ q ≤ min(|a's size|, |b's size|). */
  readonly q: bigint;
  /** a's bankruptcy price, 0 ≤ p < 2^48 (see `bankruptcyPrice`). */
  readonly price: bigint;
}

/** Op code of DELEVERAGE in op data. */
export const DELEVERAGE_CODE = 6;

/** Both accounts after funding and after the deleverage. */
export interface DeleverageResult {
  readonly bankruptFunded: Account;
  readonly counterpartyFunded: Account;
  readonly bankrupt: Account;
  readonly counterparty: Account;
  readonly slotA: number;
  readonly slotB: number;
}

/**
 * a's bankruptcy price for closing q lots of market `marketId`:
 * `p = markPrice − σ · floor(E / q)`, E = a's equity (unapplied funding subtracted, so a
 * stored account will do), σ = +1 if a is long, −1 if short. After closing q lots at p,
 * `0 ≤ equity_a < q`. The result may fall outside 0 ≤ p < 2^48 (then no deleverage of q
 * lots is possible).
 * @param a - the bankrupt account (as stored, or funded)
 * @param markets - the markets after the batch's header
 * @throws RangeError when a holds no position in the market or q ≤ 0
 */
export function bankruptcyPrice(a: Account, markets: readonly Market[], marketId: number, q: bigint): bigint {
  const slot = heldSlot(a, marketId);
  if (slot < 0) throw new RangeError(`account holds no position in market ${marketId}`);
  if (q <= 0n) throw new RangeError(`q ${q} ≤ 0`);
  const sigma = a.positions[slot].size > 0n ? 1n : -1n;
  return markets[marketId - 1].markPrice - sigma * floorDiv(accountEquity(a, markets), q);
}

/**
 * The counterparty the rules take first for a deleverage of `bankrupt` in `marketId`:
 * among the accounts other than the fund and the bankrupt one that hold a position of
 * the opposite sign, the most profitable first. The state keeps no entry prices, so
 * profit is measured by equity (collateral + Σ size · markPrice − unapplied funding,
 * with `markets`); ties go to the lowest index.
 * @param markets - the markets after the batch's header (default: the state's)
 * @returns the account index, or undefined when nobody holds the opposite side
 */
export function pickDeleverageCounterparty(
  state: State,
  bankrupt: number,
  marketId: number,
  markets: readonly Market[] = state.global.markets,
): number | undefined {
  const own = state.account(bankrupt).positions.find((s) => s.marketId === marketId)?.size ?? 0n;
  if (own === 0n) return undefined;
  let best: { index: number; equity: bigint } | undefined;
  for (const [index, acc] of [...state.accounts.entries()].sort((x, y) => x[0] - y[0])) {
    if (index === 0 || index === bankrupt) continue;
    const size = acc.positions.find((s) => s.marketId === marketId)?.size ?? 0n;
    if (size === 0n || size > 0n === own > 0n) continue;
    const eq = accountEquity(acc, markets);
    if (best === undefined || eq > best.equity) best = { index, equity: eq };
  }
  return best?.index;
}

/**
 * A complete DELEVERAGE op for `bankrupt` in `marketId` against the counterparty the
 * rules pick first, closing as much as both positions allow at the bankruptcy price.
 * @param markets - the markets after the batch's header
 * @returns the op, or undefined when there is no counterparty
 */
export function planDeleverage(state: State, bankrupt: number, marketId: number, markets: readonly Market[] = state.global.markets): DeleverageOp | undefined {
  const b = pickDeleverageCounterparty(state, bankrupt, marketId, markets);
  if (b === undefined) return undefined;
  const a = state.account(bankrupt);
  const sa = abs(a.positions.find((s) => s.marketId === marketId)!.size);
  const sb = abs(state.account(b).positions.find((s) => s.marketId === marketId)!.size);
  const q = sa < sb ? sa : sb;
  return { type: "DELEVERAGE", bankrupt, counterparty: b, marketId, q, price: bankruptcyPrice(a, markets, marketId, q) };
}

/**
 * The pure state change of a deleverage (protocol.md section 5, DELEVERAGE 3): q lots
 * close between a and b at price p, both sizes toward 0 by q (a cleared slot becomes
 * (0, 0, 0)), cash q · p from the buyer to the seller; no nonce moves. No bankruptcy,
 * opposite-side or price check (`applyDeleverage` does those; replaying op data uses
 * this alone).
 * @param aF - the bankrupt account after funding; `slotA` holds the market
 * @param bF - the counterparty after funding; `slotB` holds the market, opposite sign
 * @throws RuleError RANGE when a collateral leaves −2^63 < c < 2^63
 */
export function deleverageMove(
  aF: Account,
  bF: Account,
  ai: number,
  bi: number,
  slotA: number,
  slotB: number,
  q: bigint,
  price: bigint,
): { bankrupt: Account; counterparty: Account } {
  const sizeA = aF.positions[slotA].size;
  const sizeB = bF.positions[slotB].size;
  const dir = sizeA > 0n ? 1n : -1n; // a sells when long, buys when short
  const cash = dir * q * price; // to a, from b
  const newA = sizeA - dir * q;
  const newB = sizeB + dir * q;
  const collateralA = aF.collateral + cash;
  const collateralB = bF.collateral - cash;
  requireOpenRange("DELEVERAGE", "collateral", collateralA, -pow2(63), pow2(63), `bankrupt account ${ai} new`);
  requireOpenRange("DELEVERAGE", "collateral", collateralB, -pow2(63), pow2(63), `counterparty account ${bi} new`);
  const bankrupt: Account = { ...aF, collateral: collateralA, positions: aF.positions.map((s, j) => (j !== slotA ? s : newA === 0n ? EMPTY_SLOT : { ...s, size: newA })) };
  const counterparty: Account = { ...bF, collateral: collateralB, positions: bF.positions.map((s, j) => (j !== slotB ? s : newB === 0n ? EMPTY_SLOT : { ...s, size: newB })) };
  return { bankrupt, counterparty };
}

/**
 * Applies a deleverage.
 * @param fundAvailable - the fund's collateral at the start of the batch + its net credit so far
 * @throws RuleError for every rule of protocol.md section 5, DELEVERAGE
 */
export function applyDeleverage(ctx: OpContext, aBefore: Account, bBefore: Account, op: DeleverageOp, fundAvailable: bigint): DeleverageResult {
  const ai = op.bankrupt;
  const bi = op.counterparty;
  const id = op.marketId;
  const market = marketOf("DELEVERAGE", ctx, id);
  if (ai === bi) {
    throw new RuleError("SELF_TRADE", "DELEVERAGE", `bankrupt and counterparty are both account ${ai}`, { accountIndex: ai });
  }
  checkParty("DELEVERAGE", "bankrupt", ai, aBefore, ctx.capacity);
  checkParty("DELEVERAGE", "counterparty", bi, bBefore, ctx.capacity);
  requireOpenRange("DELEVERAGE", "q", op.q, 0n, pow2(32));
  // 0 is a bankruptcy price like any other (a short whose collateral is below q units
  // closes at 0); the circuit and the replay take it (decisions.md, "One set of bounds").
  requireOpenRange("DELEVERAGE", "price", op.price, -1n, pow2(48));
  requireLive("DELEVERAGE", id, market);

  const aF = applyFunding(aBefore, ctx.markets);
  const bF = applyFunding(bBefore, ctx.markets);
  const eq = accountEquity(aF, ctx.markets);
  if (eq >= 0n) {
    throw new RuleError("NOT_BANKRUPT", "DELEVERAGE", `account ${ai} equity ${formatUnits(eq)} ≥ 0: only a bankrupt account is deleveraged`, {
      accountIndex: ai,
      equity: eq,
    });
  }
  if (fundAvailable >= -eq) {
    throw new RuleError("FUND_CAN_PAY", "DELEVERAGE", `insurance fund ${formatUnits(fundAvailable)} covers account ${ai}'s deficit ${formatUnits(-eq)}: liquidate instead`, {
      accountIndex: ai,
      fundAvailable,
      deficit: -eq,
    });
  }
  const slotA = heldSlot(aF, id);
  if (slotA < 0) {
    throw new RuleError("NO_POSITION", "DELEVERAGE", `bankrupt account ${ai} holds no position in market ${id}`, { accountIndex: ai, marketId: id });
  }
  const sizeA = aF.positions[slotA].size;
  const slotB = heldSlot(bF, id);
  const sizeB = slotB < 0 ? 0n : bF.positions[slotB].size;
  if (sizeB === 0n || sizeB > 0n === sizeA > 0n) {
    throw new RuleError("NOT_OPPOSITE", "DELEVERAGE", `counterparty account ${bi} size ${sizeB} in market ${id} is not opposite to bankrupt account ${ai} size ${sizeA}`, {
      bankruptSize: sizeA,
      counterpartySize: sizeB,
    });
  }
  for (const [size, who] of [[sizeA, `bankrupt account ${ai}`], [sizeB, `counterparty account ${bi}`]] as const) {
    if (op.q > abs(size)) {
      throw new RuleError("FILL_EXCEEDS_POSITION", "DELEVERAGE", `q ${op.q} > |size| ${abs(size)} of ${who} in market ${id}`, { q: op.q, size });
    }
  }
  const { bankrupt, counterparty } = deleverageMove(aF, bF, ai, bi, slotA, slotB, op.q, op.price);
  const after = accountEquity(bankrupt, ctx.markets);
  if (after < 0n || after >= op.q) {
    const expected = bankruptcyPrice(aF, ctx.markets, id, op.q);
    throw new RuleError(
      "BAD_BANKRUPTCY_PRICE",
      "DELEVERAGE",
      `price ${formatUnits(op.price)} leaves account ${ai} equity ${formatUnits(after)} outside 0 ≤ equity < q = ${op.q} units; the bankruptcy price for q ${op.q} is ${formatUnits(expected)}`,
      { accountIndex: ai, price: op.price, equityAfter: after, q: op.q, bankruptcyPrice: expected },
    );
  }
  return { bankruptFunded: aF, counterpartyFunded: bF, bankrupt, counterparty, slotA, slotB };
}
