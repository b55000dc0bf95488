/**
 * Scenario margin, exactly protocol.md section 6. For an account after an op, with
 * the batch's new mark prices:
 *
 * ```
 * equity      = collateral + Σ_j size_j · markPrice[market_j]
 * loss[s]     = − Σ_j size_j · pnl[market_j][s]
 * requirement = max(0, max_s loss[s])          initial margin = requirement
 * maintenance = floor(requirement · mmBps / 10000)
 * ```
 * Empty slots (marketId 0, size 0) contribute nothing. Funding is not applied in
 * this protocol version (no unapplied funding term).
 */
import type { Account } from "./account";
import type { Risk } from "./global";

function marketIndex(marketId: number, count: number): number {
  if (!Number.isInteger(marketId) || marketId < 1 || marketId > count) {
    throw new RangeError(`slot holds market id ${marketId}, outside 1..${count}`);
  }
  return marketId - 1;
}

/** `equity = collateral + Σ_j size_j · markPrice[market_j]`. */
export function equity(a: Account, markPrices: readonly bigint[]): bigint {
  let e = a.collateral;
  for (const s of a.positions) {
    if (s.marketId === 0) continue;
    e += s.size * markPrices[marketIndex(s.marketId, markPrices.length)];
  }
  return e;
}

/** `loss[s] = − Σ_j size_j · pnl[market_j][s]` for s = 0..S−1. */
export function losses(a: Account, risk: Risk): bigint[] {
  const S = risk.pnl[0].length;
  const out = new Array<bigint>(S).fill(0n);
  for (const slot of a.positions) {
    if (slot.marketId === 0) continue;
    const row = risk.pnl[marketIndex(slot.marketId, risk.pnl.length)];
    for (let s = 0; s < S; s++) out[s] -= slot.size * row[s];
  }
  return out;
}

/** `requirement = max(0, max_s loss[s])`. */
export function requirement(a: Account, risk: Risk): bigint {
  return losses(a, risk).reduce((m, l) => (l > m ? l : m), 0n);
}

/** Initial margin = requirement. */
export function initialMargin(a: Account, risk: Risk): bigint {
  return requirement(a, risk);
}

/** `maintenance = floor(requirement · mmBps / 10000)` (requirement ≥ 0, so floor = truncation). */
export function maintenanceMargin(a: Account, risk: Risk): bigint {
  return (requirement(a, risk) * risk.mmBps) / 10000n;
}

/** `equity ≥ initial margin` (⟺ equity ≥ 0 and equity ≥ loss[s] for every s). */
export function meetsInitialMargin(a: Account, markPrices: readonly bigint[], risk: Risk): boolean {
  return equity(a, markPrices) >= initialMargin(a, risk);
}

/**
 * True when a trade is reduce-only for a side: the position shrinks in absolute value
 * without changing sign. Closing to 0 counts; 0 → anything and any flip do not.
 */
export function isReduceOnly(oldSize: bigint, newSize: bigint): boolean {
  if (oldSize > 0n) return newSize >= 0n && newSize < oldSize;
  if (oldSize < 0n) return newSize <= 0n && newSize > oldSize;
  return false;
}
