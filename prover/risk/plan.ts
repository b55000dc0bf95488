/**
 * One risk update, end to end and pure: latency and σ (after overrides) → target scan
 * ranges → target arrays → the bounded step → whether to publish → the accounts the
 * step would make liquidatable. The service calls it before cutting each batch; the
 * API route and the metrics show its result.
 */
import { MarketKind, type Risk } from "../state/global";
import { SECONDS_PER_YEAR } from "./black-scholes";
import { policyOf, type RiskConfig } from "./controls";
import { horizon } from "./horizon";
import type { Horizon, MarketRiskView, UpgradeEffect } from "./views";

import { LatencyWindow, type TimeToFinality } from "./latency-window";
import { appliedScan, atRiskAccounts, floorOf, marginMultiplier, nextRisk, rowScale, shouldPublish, targetScan, type AccountsView, type AtRiskAccount } from "./margin-policy";
import { withOverrides, type Overrides } from "./overrides";
import { riskArrays, type RiskArraysInput, type RiskMarket } from "./risk-arrays";
import { NO_UPGRADE } from "./upgrades";

export type { MarketRiskView } from "./views";

/** Inputs of `planRisk`. */
export interface PlanInput {
  readonly config: RiskConfig;
  readonly overrides: Overrides;
  /** T as measured (LatencyWindow.timeToFinality()). */
  readonly latency: TimeToFinality;
  readonly markets: readonly RiskMarket[];
  /** Underlying per market (options), collateral units per lot. */
  readonly underlyingPrice: readonly bigint[];
  /** σ per √second per market (controls.ts `sigmasOf`). */
  readonly sigmaPerSecond: readonly number[];
  /** Unix seconds of the header the arrays are for. */
  readonly now: number;
  /** S. */
  readonly scenarios: number;
  /** The arrays in force (the state's `global.risk`). */
  readonly current: Risk;
  /** The accounts, to report who the step would make liquidatable. */
  readonly state?: AccountsView;
  /** Live stall seconds (horizon.ts `stallSeconds`; default 0). */
  readonly stallSeconds?: number;
  /** Seconds reorgs add to T (default 0). */
  readonly reorgSeconds?: number;
  /** Upgrade windows near or open (upgrades.ts; default none). */
  readonly upgrade?: UpgradeEffect;
}

/** The result of one update. */
export interface RiskPlan {
  readonly latency: TimeToFinality;
  /** T and what set it: the window, a stall, an upgrade window or an override. */
  readonly horizon: Horizon;
  /** Upgrade windows near or open, and what they ask for. */
  readonly upgrade: UpgradeEffect;
  /** The T the scan ranges use: the configured percentile, or the override. */
  readonly T: number;
  readonly percentile: RiskConfig["percentile"];
  readonly z: number;
  readonly markets: readonly MarketRiskView[];
  readonly target: Risk;
  /** The arrays to carry in the next header (when `publish`). */
  readonly next: Risk;
  readonly publish: boolean;
  readonly atRisk: readonly AtRiskAccount[];
  /** The named emergency override is on: `next` is the target, not step-bounded. */
  readonly emergency: boolean;
}

/**
 * The market whose mark price is each market's underlying: a linear market is its own;
 * an option's is the first live perpetual (else future), because one underlying backs
 * every market of a deployment (docs/risk.md). A deployment with options and no linear
 * market has no underlying: that is an error, not a guess.
 */
export function underlyingIndices(markets: readonly { readonly kind: MarketKind; readonly settled?: boolean }[]): number[] {
  const linear = (k: MarketKind): number => markets.findIndex((m) => m.kind === k && m.settled !== true);
  const perp = linear(MarketKind.PERPETUAL);
  const underlying = perp >= 0 ? perp : linear(MarketKind.FUTURE);
  return markets.map((m, i) => {
    if (m.kind === MarketKind.PERPETUAL || m.kind === MarketKind.FUTURE) return i;
    if (underlying < 0) throw new RangeError(`underlyingPrices: option market ${i} has no live perpetual or future to take its underlying price from`);
    return underlying;
  });
}

/** The underlying price of every market, for `riskArrays` (see `underlyingIndices`). */
export function underlyingPrices(markets: readonly { readonly kind: MarketKind; readonly markPrice: bigint; readonly settled?: boolean }[]): bigint[] {
  return underlyingIndices(markets).map((u) => markets[u].markPrice);
}

/** What `targetArrays` needs beyond the config: `RiskArraysInput` less what the config sets. */
export type TargetArraysInput = Pick<RiskArraysInput, "markets" | "underlyingPrice" | "sigmaPerSecond" | "T" | "z" | "now" | "scenarios" | "mmBps" | "scan">;

/** The arrays a config asks for at T, before any step bound (scan: default the config's floored z·σ·√T). */
export function targetArrays(c: RiskConfig, i: TargetArraysInput): Risk {
  return riskArrays({
    ...i,
    scan: i.scan ?? targetScan({ ...policyOf(c), z: i.z }, i.sigmaPerSecond, i.T),
    volOfVolPerSecond: c.volOfVolAnnual / Math.sqrt(SECONDS_PER_YEAR),
    minVolShift: c.minVolShift,
    shape: { extremeMove: c.extremeMove, extremeCover: c.extremeCover },
    rate: c.rateAnnual / SECONDS_PER_YEAR,
    shortOptionMinimum: c.shortOptionMinimum,
  });
}

/**
 * The arrays a new venue opens with (its genesis `riskPnl`): the config's target at the
 * seed latency. Opening with them, rather than a placeholder, is what lets the first
 * updates follow latency within the step bound instead of crawling from a far-off row.
 */
export function openingRisk(c: RiskConfig, i: Omit<TargetArraysInput, "T" | "z" | "scan">): Risk {
  return targetArrays(c, { ...i, T: new LatencyWindow(1, c.seedSeconds).timeToFinality()[c.percentile], z: c.z });
}

/** Computes one risk update; see the file comment. */
export function planRisk(i: PlanInput): RiskPlan {
  const c = i.config;
  const policy = policyOf(c);
  const upgrade = i.upgrade ?? NO_UPGRADE;
  const h = horizon({ latency: i.latency, percentile: c.percentile, stallSeconds: i.stallSeconds, reorgSeconds: i.reorgSeconds, upgradeSeconds: upgrade.latencySeconds, override: i.overrides.values.timeToFinality });
  const o = withOverrides(i.overrides, { z: c.z, T: h.T, sigmaPerSecond: i.sigmaPerSecond }, SECONDS_PER_YEAR);
  const computed = targetScan({ ...policy, z: o.z }, o.sigmaPerSecond, o.T).map((s) => Math.min(1, s * upgrade.multiplier));
  // A pinned scan range is an input like T: the floor binds it too.
  const scan = computed.map((s, m) => (o.scan[m] === undefined ? s : Math.max(o.scan[m], floorOf(policy, m))));
  const arrays = (sc: readonly number[], T: number): Risk =>
    targetArrays(c, { markets: i.markets, underlyingPrice: i.underlyingPrice, sigmaPerSecond: o.sigmaPerSecond, T, z: o.z, now: i.now, scenarios: i.scenarios, mmBps: i.current.mmBps, scan: sc });
  const target = arrays(scan, o.T);
  // the smallest rows the policy ever asks for: floor scan, smallest vol shift (T = 0)
  const floorScale = arrays(scan.map((_, m) => floorOf(policy, m)), 0).pnl.map(rowScale);
  const next = nextRisk(i.current, target, policy, { floorScale, free: i.markets.map((m) => m.settled === true), emergency: o.emergency });
  const applied = appliedScan(next, target, scan);
  const multiplier = marginMultiplier({ ...policy, z: o.z }, o.sigmaPerSecond, applied);
  return {
    latency: i.latency,
    horizon: h,
    upgrade,
    T: o.T,
    percentile: c.percentile,
    z: o.z,
    markets: scan.map((s, m) => ({
      market: m,
      sigmaAnnual: o.sigmaPerSecond[m] * Math.sqrt(SECONDS_PER_YEAR),
      targetScan: s,
      appliedScan: applied[m],
      multiplier: multiplier[m],
      pinned: o.scan[m] !== undefined,
    })),
    target,
    next,
    publish: shouldPublish(i.current, next, c.publishThreshold),
    atRisk: i.state === undefined ? [] : atRiskAccounts(i.state, i.current, next),
    emergency: o.emergency,
  };
}
