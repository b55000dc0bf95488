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
 * Empty slots (marketId 0, size 0) contribute nothing. `equity(a, prices)` has no
 * funding term: the rules apply funding to an account before an op checks it, so
 * the accounts they check carry none. `accountEquity(a, markets)` subtracts the
 * unapplied funding and works on any stored account; the functions taking `markets`
 * also count the risk arrays of settled markets as 0 (`riskInForce`).
 */
import { RuleError } from "./errors";
import type { Account } from "./account";
import type { Market, Risk } from "./global";

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
  if (risk.unpublished !== undefined) {
    throw new RuleError("RISK_ARRAYS", "BATCH", `the risk arrays in force (riskHash ${risk.unpublished}) were never published: margin cannot be computed`, {
      riskHash: risk.unpublished,
    });
  }
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

/**
 * Unapplied funding of an account: `Σ_j size_j · (fundingIndex[market_j] − fundingSnapshot_j)`
 * (protocol.md section 6). Positive: the account owes it; equity subtracts it and
 * applying funding takes it from collateral. The account's funding credit not yet
 * applied is its negation.
 */
export function unappliedFunding(a: Account, markets: readonly Market[]): bigint {
  let f = 0n;
  for (const s of a.positions) {
    if (s.marketId === 0) continue;
    f += s.size * (markets[marketIndex(s.marketId, markets.length)].fundingIndex - s.fundingSnapshot);
  }
  return f;
}

/**
 * Applies funding to every slot (protocol.md section 5): `collateral −= Σ_j size_j ·
 * (fundingIndex[market_j] − fundingSnapshot_j)`, every snapshot set to its market's
 * index; empty slots stay (0, 0, 0). An empty account is returned as it is.
 * @returns the funded account (the same object when nothing changes)
 */
export function applyFunding(a: Account, markets: readonly Market[]): Account {
  if (a.ax === 0n) return a;
  let changed = false;
  const positions = a.positions.map((s) => {
    if (s.marketId === 0) return s;
    const index = markets[marketIndex(s.marketId, markets.length)].fundingIndex;
    if (index === s.fundingSnapshot) return s;
    changed = true;
    return { ...s, fundingSnapshot: index };
  });
  if (!changed) return a;
  return { ...a, collateral: a.collateral - unappliedFunding(a, markets), positions };
}

/** `equity = collateral + Σ_j size_j · markPrice[market_j] − unapplied funding`. */
export function accountEquity(a: Account, markets: readonly Market[]): bigint {
  return equity(a, markets.map((m) => m.markPrice)) - unappliedFunding(a, markets);
}

/** The risk arrays in force: a settled market's row counts as 0 (protocol.md section 5, "Header"). */
export function riskInForce(risk: Risk, markets: readonly Market[]): Risk {
  if (!markets.some((m) => m.settled)) return risk;
  return { ...risk, pnl: risk.pnl.map((row, m) => (markets[m].settled ? row.map(() => 0n) : row)) };
}

/** Every margin number of an account (section 6), with unapplied funding and settled markets. */
export interface MarginState {
  readonly equity: bigint;
  readonly requirement: bigint;
  /** `floor(requirement · mmBps / 10000)` (for reports; liquidatable is compared exactly). */
  readonly maintenance: bigint;
  /** `equity ≥ initial margin`. */
  readonly meetsInitial: boolean;
  /** `10000 · equity < mmBps · requirement`, exactly. */
  readonly liquidatable: boolean;
}

/** The margin numbers of an account against the markets (new mark prices) and the risk. */
export function marginState(a: Account, markets: readonly Market[], risk: Risk): MarginState {
  const r = riskInForce(risk, markets);
  const eq = accountEquity(a, markets);
  const req = requirement(a, r);
  return {
    equity: eq,
    requirement: req,
    maintenance: (req * risk.mmBps) / 10000n,
    meetsInitial: eq >= req,
    liquidatable: 10000n * eq < risk.mmBps * req,
  };
}

/** `10000 · equity < mmBps · requirement` (exactly, no rounding). */
export function isLiquidatable(a: Account, markets: readonly Market[], risk: Risk): boolean {
  return marginState(a, markets, risk).liquidatable;
}
