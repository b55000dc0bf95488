/**
 * The risk loop's answers as plain data (what GET /v1/risk shows per market, what set T,
 * what upgrade windows ask for). In a file that imports nothing, so the dashboard's
 * typecheck (ui/, no Node types) can load them through prover/api/wire-types.ts; the
 * modules that compute them re-export them under their old names.
 */

/** T and where it came from. */
export interface Horizon {
  readonly T: number;
  /** The window's quantile alone. */
  readonly windowSeconds: number;
  readonly stallSeconds: number;
  readonly reorgSeconds: number;
  readonly upgradeSeconds: number;
  /** What set T. */
  readonly source: "window" | "stall" | "upgrade" | "override";
}

/** What the windows near or open ask for. */
export interface UpgradeEffect {
  readonly multiplier: number;
  readonly latencySeconds: number;
  readonly windows: readonly { readonly name: string; readonly phase: "ahead" | "open" }[];
}

/** What the route and metrics show per market. */
export interface MarketRiskView {
  readonly market: number;
  /** σ after overrides, annualised. */
  readonly sigmaAnnual: number;
  /** Scan range latency asks for (fraction of the price, floored) or the pinned one. */
  readonly targetScan: number;
  /** Scan range of the arrays after the step. */
  readonly appliedScan: number;
  /** appliedScan / (z·σ·√T_ref). */
  readonly multiplier: number;
  /** True when an operator pinned the scan range. */
  readonly pinned: boolean;
}

/** One point of the margin history (GET /v1/risk/history). */
export interface RiskHistoryPoint {
  /** ms since epoch */
  readonly at: number;
  /** Seconds: the time to finality the scan ranges used. */
  readonly T: number;
  readonly publish: boolean;
  readonly markets: readonly { readonly market: number; readonly targetScan: number; readonly appliedScan: number; readonly multiplier: number }[];
}
