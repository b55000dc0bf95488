/**
 * LIQUIDATE (op code 4, protocol.md section 5): a = liquidatee, b = liquidator,
 * market m (not settled), q lots. Funding is applied to both accounts first.
 *
 * 1. a is liquidatable: `10000 · equity < mmBps · requirement` (exactly).
 * 2. b signed `liquidationHash(b, a, m, maxSize, expiry, nonce)`: nonce = b's nonce
 *    (+1 after), timestamp ≤ expiry, 1 ≤ q ≤ maxSize, q ≤ |a's size in m|.
 * 3. q lots move from a to b at the mark price: a's size toward 0 by q, b's the
 *    opposite way; cash q · markPrice the other way (neither equity changes).
 * 4. a pays `penalty = floor(q · markPrice · penaltyBps / 10000)` to the fund.
 * 5. If a then holds no position and its collateral is negative, the fund pays the
 *    deficit: a's collateral becomes 0.
 * 6. b meets initial margin after, or the move is reduce-only for b.
 */
import { EMPTY_SLOT, findSlot, type Account } from "../account";
import { RuleError, formatUnits, requireOpenRange } from "../errors";
import { pow2 } from "../field";
import type { Market } from "../global";
import { applyFunding, isReduceOnly, marginState } from "../margin";
import { verifyLiquidation, type SignedLiquidation } from "../signing";
import { abs, checkParty, heldSlot, marketOf, requireLive, type OpContext } from "./common";

/** A LIQUIDATE op slot. */
export interface LiquidateOp {
  readonly type: "LIQUIDATE";
  /** Account index of a, the liquidatee (= liquidator.liquidateeIndex). */
  readonly liquidatee: number;
  /** The liquidator's signed message (names b, a, the market, maxSize, expiry, nonce). */
  readonly liquidator: SignedLiquidation;
  /** Lots moved, 1 ≤ q ≤ min(maxSize, |a's size|). */
  readonly q: bigint;
}

/** Op code of LIQUIDATE in op data. */
export const LIQUIDATE_CODE = 4;

/** Both accounts after funding and after the liquidation, and the numbers the circuit needs. */
export interface LiquidateResult {
  readonly liquidateeFunded: Account;
  readonly liquidatorFunded: Account;
  readonly liquidatee: Account;
  readonly liquidator: Account;
  readonly markPrice: bigint;
  readonly penalty: bigint;
  readonly deficit: bigint;
  readonly slotA: number;
  readonly slotB: number;
}

/** `floor(q · markPrice · penaltyBps / 10000)`. */
export function liquidationPenalty(q: bigint, markPrice: bigint, penaltyBps: bigint): bigint {
  return (q * markPrice * penaltyBps) / 10000n;
}

/** What a liquidation moves, as op data carries it. */
export interface LiquidationMove {
  readonly liquidatee: number;
  readonly liquidator: number;
  readonly marketId: number;
  readonly q: bigint;
}

/** The two accounts after the move, the penalty and the deficit the fund absorbs. */
export interface LiquidationMoveResult {
  readonly liquidatee: Account;
  readonly liquidator: Account;
  readonly markPrice: bigint;
  readonly penalty: bigint;
  readonly deficit: bigint;
}

/**
 * The pure state change of a liquidation (protocol.md section 5, LIQUIDATE 3–5): q lots
 * move from a to b at the mark price, a pays the penalty, a deficit of an account left
 * without positions is absorbed (a's collateral becomes 0), b's nonce += 1. No
 * liquidatable, signature or margin check (`applyLiquidate` does those; replaying op
 * data uses this alone).
 * @param market - the market after the header
 * @param aF - the liquidatee after funding; `slotA` holds the market
 * @param bF - the liquidator after funding; `slotB` is `findSlot(bF, marketId)`
 * @throws RuleError RANGE when a size, collateral or the liquidator's nonce leaves its range
 */
export function liquidateMove(
  market: Market,
  penaltyBps: bigint,
  aF: Account,
  bF: Account,
  move: LiquidationMove,
  slotA: number,
  slotB: number,
): LiquidationMoveResult {
  const { liquidatee: ai, liquidator: bi, marketId: id } = move;
  const sizeA = aF.positions[slotA].size;
  const mark = market.markPrice;
  const dir = sizeA > 0n ? 1n : -1n; // a sells q lots when long, buys when short
  const cash = dir * move.q * mark; // to a, from b
  const penalty = liquidationPenalty(move.q, mark, penaltyBps);
  // a
  const newSizeA = sizeA - dir * move.q;
  const positionsA = aF.positions.map((s, j) => (j !== slotA ? s : newSizeA === 0n ? EMPTY_SLOT : { ...s, size: newSizeA }));
  let collateralA = aF.collateral + cash - penalty;
  let deficit = 0n;
  if (positionsA.every((s) => s.marketId === 0) && collateralA < 0n) {
    deficit = -collateralA;
    collateralA = 0n;
  }
  requireOpenRange("LIQUIDATE", "collateral", collateralA, -pow2(63), pow2(63), `liquidatee account ${ai} new`);
  const liquidatee: Account = { ...aF, collateral: collateralA, positions: positionsA };
  // b
  const oldB = bF.positions[slotB];
  const newSizeB = oldB.size + dir * move.q;
  requireOpenRange("LIQUIDATE", "size", newSizeB, -pow2(48), pow2(48), `liquidator account ${bi} new position`);
  const collateralB = bF.collateral - cash;
  requireOpenRange("LIQUIDATE", "collateral", collateralB, -pow2(63), pow2(63), `liquidator account ${bi} new`);
  requireOpenRange("LIQUIDATE", "nonce", bF.nonce + 1n, -1n, pow2(32), `liquidator account ${bi} new`);
  const slotBNew = newSizeB === 0n ? EMPTY_SLOT : { marketId: id, size: newSizeB, fundingSnapshot: market.fundingIndex };
  const liquidator: Account = {
    ...bF,
    nonce: bF.nonce + 1n,
    collateral: collateralB,
    positions: bF.positions.map((s, j) => (j === slotB ? slotBNew : s)),
  };
  return { liquidatee, liquidator, markPrice: mark, penalty, deficit };
}

/**
 * Applies a liquidation.
 * @param ctx - header timestamp, new markets, risk, capacity
 * @param aBefore - the liquidatee as stored
 * @param bBefore - the liquidator as stored
 * @throws RuleError for every rule of protocol.md section 5, LIQUIDATE
 */
export function applyLiquidate(ctx: OpContext, aBefore: Account, bBefore: Account, op: LiquidateOp): LiquidateResult {
  const msg = op.liquidator;
  const ai = op.liquidatee;
  const bi = msg.liquidatorIndex;
  const id = msg.marketId;
  const market = marketOf("LIQUIDATE", ctx, id);
  if (msg.liquidateeIndex !== ai) {
    throw new RuleError("BAD_SIGNATURE", "LIQUIDATE", `liquidation message of account ${bi} names liquidatee ${msg.liquidateeIndex}, the op liquidates account ${ai}`, {
      liquidateeIndex: msg.liquidateeIndex,
      liquidatee: ai,
    });
  }
  if (ai === bi) {
    throw new RuleError("SELF_TRADE", "LIQUIDATE", `liquidator and liquidatee are both account ${ai}`, { accountIndex: ai });
  }
  checkParty("LIQUIDATE", "liquidatee", ai, aBefore, ctx.capacity);
  checkParty("LIQUIDATE", "liquidator", bi, bBefore, ctx.capacity);
  requireOpenRange("LIQUIDATE", "q", op.q, 0n, pow2(32));
  requireOpenRange("LIQUIDATE", "maxSize", msg.maxSize, 0n, pow2(32), "liquidation message");
  requireOpenRange("LIQUIDATE", "expiry", msg.expiry, -1n, pow2(32), "liquidation message");
  requireOpenRange("LIQUIDATE", "nonce", msg.nonce, -1n, pow2(32), "liquidation message");
  requireLive("LIQUIDATE", id, market);
  if (!verifyLiquidation(msg, bBefore)) {
    throw new RuleError("BAD_SIGNATURE", "LIQUIDATE", `liquidation message signature does not verify under liquidator account ${bi}'s key`, { accountIndex: bi });
  }
  if (msg.nonce !== bBefore.nonce) {
    throw new RuleError("NONCE_MISMATCH", "LIQUIDATE", `liquidation message nonce ${msg.nonce} ≠ liquidator account ${bi} nonce ${bBefore.nonce}`, {
      accountIndex: bi,
      messageNonce: msg.nonce,
      nonce: bBefore.nonce,
    });
  }
  if (ctx.timestamp > msg.expiry) {
    throw new RuleError("ORDER_EXPIRED", "LIQUIDATE", `liquidation message of account ${bi} expired: timestamp ${ctx.timestamp} > expiry ${msg.expiry}`, {
      accountIndex: bi,
      timestamp: ctx.timestamp,
      expiry: msg.expiry,
    });
  }

  const aF = applyFunding(aBefore, ctx.markets);
  const bF = applyFunding(bBefore, ctx.markets);
  const ma = marginState(aF, ctx.markets, ctx.risk);
  if (!ma.liquidatable) {
    throw new RuleError(
      "NOT_LIQUIDATABLE",
      "LIQUIDATE",
      `account ${ai} equity ${formatUnits(ma.equity)} ≥ maintenance margin ${formatUnits(ma.maintenance)} (requirement ${formatUnits(ma.requirement)} × mmBps ${ctx.risk.mmBps} / 10000): a healthy account is not liquidated`,
      { accountIndex: ai, equity: ma.equity, requirement: ma.requirement, maintenance: ma.maintenance, mmBps: ctx.risk.mmBps },
    );
  }
  const slotA = heldSlot(aF, id);
  if (slotA < 0) {
    throw new RuleError("NO_POSITION", "LIQUIDATE", `liquidatee account ${ai} holds no position in market ${id}`, { accountIndex: ai, marketId: id });
  }
  const sizeA = aF.positions[slotA].size;
  if (op.q > msg.maxSize) {
    throw new RuleError("FILL_EXCEEDS_ORDER", "LIQUIDATE", `q ${op.q} > liquidation message maxSize ${msg.maxSize} of account ${bi}`, {
      q: op.q,
      maxSize: msg.maxSize,
    });
  }
  if (op.q > abs(sizeA)) {
    throw new RuleError("FILL_EXCEEDS_POSITION", "LIQUIDATE", `q ${op.q} > |size| ${abs(sizeA)} of liquidatee account ${ai} in market ${id}`, {
      q: op.q,
      size: sizeA,
    });
  }
  const slotB = findSlot(bF, id);
  if (slotB < 0) {
    throw new RuleError("POSITION_SLOTS_FULL", "LIQUIDATE", `liquidator account ${bi} has all ${bF.positions.length} position slots in use and none holds market ${id}`, {
      accountIndex: bi,
      marketId: id,
      slots: bF.positions.length,
    });
  }

  const { liquidatee, liquidator, penalty, deficit, markPrice: mark } = liquidateMove(market, ctx.risk.penaltyBps, aF, bF, { liquidatee: ai, liquidator: bi, marketId: id, q: op.q }, slotA, slotB);
  const oldB = bF.positions[slotB];
  const newSizeB = liquidator.positions[slotB].size;
  const mb = marginState(liquidator, ctx.markets, ctx.risk);
  if (!mb.meetsInitial && !isReduceOnly(oldB.size, newSizeB)) {
    throw new RuleError(
      "INSUFFICIENT_MARGIN",
      "LIQUIDATE",
      `liquidator account ${bi} equity ${formatUnits(mb.equity)} < initial margin ${formatUnits(mb.requirement)} after liquidation (market ${id} size ${oldB.size} → ${newSizeB} is not reduce-only)`,
      { accountIndex: bi, equity: mb.equity, initialMargin: mb.requirement, oldSize: oldB.size, newSize: newSizeB },
    );
  }
  return { liquidateeFunded: aF, liquidatorFunded: bF, liquidatee, liquidator, markPrice: mark, penalty, deficit, slotA, slotB };
}
