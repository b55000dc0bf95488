/**
 * Every parameter of the risk module, validated in one place, and the operator's
 * overrides with their append-only audit log. Pure data: the integrator reads the
 * config (a `risk` object of the JSON config file) and persists the overrides.
 */
import { perSecondSigma } from "./black-scholes";
import { LATENCY_STAGES, MAX_WINDOW_SIZE, type LatencyStage } from "./latency-window";
import type { MarginPolicy } from "./margin-policy";
import { DEFAULT_SHORT_OPTION_MINIMUM } from "./option-risk";
import { checkUpgrades, type UpgradeWindow } from "./upgrades";
import { ewmaSigma, type PriceHistory } from "./volatility";

/** Volatility of one market's underlying: a fixed annual σ or an EWMA estimate. */
export type VolatilityConfig =
  | { readonly mode: "fixed"; readonly sigmaAnnual: number }
  | { readonly mode: "ewma"; readonly lambda: number; readonly minSamples: number; readonly fallbackAnnual: number; readonly minAnnual: number };

/** Per-market settings. */
export interface MarketRiskConfig {
  readonly volatility: VolatilityConfig;
  /** Minimum scan range of this market (fraction of the price); default: the global floor. */
  readonly floor?: number;
}

/** The risk module's configuration; `defaultRiskConfig` gives every default. */
export interface RiskConfig {
  /** Scan range in standard deviations over T (3: about 99.87% one-sided under normality). */
  readonly z: number;
  /** Which percentile of T sizes margin. */
  readonly percentile: "p50" | "p95" | "p99";
  /** T (seconds) at which the margin multiplier is 1. */
  readonly referenceSeconds: number;
  /** Samples per latency stage in the rolling (long) window. */
  readonly windowSize: number;
  /** The short window: p95/p99 of a stage are at least the largest of its last `shortWindowSize` samples (0: off). */
  readonly shortWindowSize: number;
  /** Starting value per stage (seconds) until the first sample. */
  readonly seedSeconds: Readonly<Record<LatencyStage, number>>;
  /** Largest relative growth / shrink of a market's risk row per update. */
  readonly maxStepUp: number;
  readonly maxStepDown: number;
  /** Minimum scan range, fraction of the price. */
  readonly floor: number;
  /**
   * Finality rule of the settlement chain, honoured by the service's submitter: the
   * node's `finalized` or `safe` block tag (N confirmations where the node does not
   * serve the tag), or N confirmations.
   */
  readonly finality: "confirmations" | "finalized" | "safe";
  readonly confirmations: number;
  /** Reorgs seen in the last `reorgMemorySeconds` add their depth × `secondsPerBlock` to T. */
  readonly reorgMemorySeconds: number;
  readonly secondsPerBlock: number;
  /** Scheduled network upgrades (upgrades.ts). */
  readonly upgrades: readonly UpgradeWindow[];
  /** Volatility of volatility, annual and relative: the option scenarios shift σ by z·ν·√T. */
  readonly volOfVolAnnual: number;
  /** Smallest relative volatility shift of the option scenarios. */
  readonly minVolShift: number;
  /** SPAN's extreme scenarios: move in scan ranges, and the part of it that counts. */
  readonly extremeMove: number;
  readonly extremeCover: number;
  /** Short option minimum per lot, a fraction of a scan-range move of the underlying (option-risk.ts). */
  readonly shortOptionMinimum: number;
  /** Annual risk-free rate for option pricing. */
  readonly rateAnnual: number;
  /** Smallest relative change of an entry that makes new arrays ride in a header. */
  readonly publishThreshold: number;
  /** Prices kept per market for the EWMA estimator. */
  readonly historySize: number;
  /** One entry per market, in market-index order. */
  readonly markets: readonly MarketRiskConfig[];
}

/** Thrown with every problem of a risk config at once. */
export class RiskConfigError extends Error {
  readonly code = "RISK_CONFIG_INVALID";
  constructor(readonly problems: readonly string[]) {
    super(`invalid risk config:\n  - ${problems.join("\n  - ")}`);
    this.name = "RiskConfigError";
  }
}

/** A default σ per market kind: 60% a year (a liquid crypto asset). */
const DEFAULT_SIGMA_ANNUAL = 0.6;

/** Defaults for M markets (σ fixed at 60% a year each). */
export function defaultRiskConfig(markets: number): RiskConfig {
  return {
    z: 3,
    percentile: "p99",
    referenceSeconds: 60,
    windowSize: 10_000,
    shortWindowSize: 20,
    seedSeconds: { proving: 30, submission: 2, inclusion: 12, confirmations: 24 },
    maxStepUp: 0.1,
    maxStepDown: 0.1,
    floor: 0.0003,
    finality: "finalized",
    confirmations: 3,
    reorgMemorySeconds: 3600,
    secondsPerBlock: 12,
    upgrades: [],
    volOfVolAnnual: 1,
    minVolShift: 0.001,
    extremeMove: 3,
    extremeCover: 0.35,
    shortOptionMinimum: DEFAULT_SHORT_OPTION_MINIMUM,
    rateAnnual: 0,
    publishThreshold: 0.01,
    historySize: 500,
    markets: Array.from({ length: markets }, () => ({ volatility: { mode: "fixed", sigmaAnnual: DEFAULT_SIGMA_ANNUAL } as const })),
  };
}

type NumRule = readonly [key: keyof RiskConfig, min: number, max: number, integer: boolean, why: string];
const NUMBERS: readonly NumRule[] = [
  ["z", 0, 20, false, "standard deviations"],
  ["referenceSeconds", 0.001, 86_400, false, "seconds"],
  ["windowSize", 1, MAX_WINDOW_SIZE, true, "samples"],
  ["shortWindowSize", 0, MAX_WINDOW_SIZE, true, "samples, at most windowSize"],
  ["reorgMemorySeconds", 0, 30 * 86_400, false, "seconds"],
  ["secondsPerBlock", 0.01, 3600, false, "seconds"],
  ["maxStepUp", 0, 10, false, "relative step"],
  ["maxStepDown", 0, 1, false, "relative step"],
  ["floor", 0, 1, false, "fraction of the price"],
  ["confirmations", 1, 10_000, true, "blocks"],
  ["volOfVolAnnual", 0, 20, false, "annual volatility of volatility"],
  ["minVolShift", 0, 0.99, false, "relative shift"],
  ["extremeMove", 0, 100, false, "scan ranges"],
  ["extremeCover", 0, 1, false, "fraction"],
  ["shortOptionMinimum", 0, 10, false, "fraction of a scan-range move"],
  ["rateAnnual", -1, 1, false, "per year"],
  ["publishThreshold", 0, 1, false, "relative change"],
  ["historySize", 2, 1_000_000, true, "prices"],
];

function checkNumber(problems: string[], path: string, v: unknown, min: number, max: number, integer: boolean, why: string): void {
  if (typeof v !== "number" || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
    problems.push(`${path} = ${JSON.stringify(v)}: expected ${integer ? "an integer" : "a number"} in [${min}, ${max}] (${why})`);
  }
}

function checkVolatility(problems: string[], path: string, v: unknown): void {
  if (typeof v !== "object" || v === null) {
    problems.push(`${path} = ${JSON.stringify(v)}: expected { mode: "fixed", sigmaAnnual } or { mode: "ewma", lambda, minSamples, fallbackAnnual, minAnnual }`);
    return;
  }
  const o = v as Record<string, unknown>;
  if (o.mode === "fixed") {
    checkNumber(problems, `${path}.sigmaAnnual`, o.sigmaAnnual, 0, 20, false, "annual volatility, 0.6 = 60%");
  } else if (o.mode === "ewma") {
    checkNumber(problems, `${path}.lambda`, o.lambda, 0.5, 0.9999, false, "EWMA decay");
    checkNumber(problems, `${path}.minSamples`, o.minSamples, 1, 1_000_000, true, "returns before the estimate is used");
    checkNumber(problems, `${path}.fallbackAnnual`, o.fallbackAnnual, 0, 20, false, "annual volatility until then");
    checkNumber(problems, `${path}.minAnnual`, o.minAnnual, 0, 20, false, "lower bound, annual");
  } else {
    problems.push(`${path}.mode = ${JSON.stringify(o.mode)}: expected "fixed" or "ewma"`);
  }
}

/**
 * Validates a risk config (missing keys take their defaults) for M markets.
 * @param raw - the `risk` object of the config file (or undefined: all defaults)
 * @throws RiskConfigError listing every problem with its path
 */
export function parseRiskConfig(raw: unknown, markets: number): RiskConfig {
  const base = defaultRiskConfig(markets);
  if (raw === undefined) return base;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new RiskConfigError([`risk: expected an object, got ${JSON.stringify(raw)}`]);
  const o = raw as Record<string, unknown>;
  const problems: string[] = [];
  const known = new Set(Object.keys(base));
  for (const k of Object.keys(o)) if (!known.has(k)) problems.push(`risk.${k}: unknown key (known: ${[...known].join(", ")})`);
  const merged = { ...base, ...o } as Record<string, unknown>;
  for (const [key, min, max, integer, why] of NUMBERS) checkNumber(problems, `risk.${key}`, merged[key], min, max, integer, why);
  if (!["p50", "p95", "p99"].includes(merged.percentile as string)) problems.push(`risk.percentile = ${JSON.stringify(merged.percentile)}: expected "p50", "p95" or "p99"`);
  if (!["confirmations", "finalized", "safe"].includes(merged.finality as string)) problems.push(`risk.finality = ${JSON.stringify(merged.finality)}: expected "finalized", "safe" or "confirmations"`);
  // the default short window shrinks to fit a small long window; a given one must fit
  if (o.shortWindowSize === undefined && typeof merged.windowSize === "number") merged.shortWindowSize = Math.min(base.shortWindowSize, merged.windowSize);
  if (typeof merged.shortWindowSize === "number" && typeof merged.windowSize === "number" && merged.shortWindowSize > merged.windowSize) {
    problems.push(`risk.shortWindowSize = ${merged.shortWindowSize}: expected at most windowSize (${merged.windowSize})`);
  }
  problems.push(...checkUpgrades(merged.upgrades));
  const seed = { ...base.seedSeconds, ...(typeof o.seedSeconds === "object" && o.seedSeconds !== null ? o.seedSeconds : {}) } as Record<string, unknown>;
  for (const k of Object.keys(seed)) {
    if (!(LATENCY_STAGES as readonly string[]).includes(k)) problems.push(`risk.seedSeconds.${k}: unknown stage (known: ${LATENCY_STAGES.join(", ")})`);
    else checkNumber(problems, `risk.seedSeconds.${k}`, seed[k], 0, 86_400, false, "seconds");
  }
  const ms = merged.markets;
  if (!Array.isArray(ms) || ms.length !== markets) {
    problems.push(`risk.markets: expected an array of ${markets} entries (one per market), got ${Array.isArray(ms) ? ms.length : JSON.stringify(ms)}`);
  } else {
    ms.forEach((m: unknown, i) => {
      if (typeof m !== "object" || m === null) return void problems.push(`risk.markets[${i}]: expected an object`);
      const mm = m as Record<string, unknown>;
      checkVolatility(problems, `risk.markets[${i}].volatility`, mm.volatility);
      if (mm.floor !== undefined) checkNumber(problems, `risk.markets[${i}].floor`, mm.floor, 0, 1, false, "fraction of the price");
    });
  }
  if (problems.length > 0) throw new RiskConfigError(problems);
  return { ...(merged as unknown as RiskConfig), seedSeconds: seed as Record<LatencyStage, number> };
}

/** The margin policy a config describes. */
export function policyOf(c: RiskConfig): MarginPolicy {
  return {
    z: c.z,
    referenceSeconds: c.referenceSeconds,
    maxStepUp: c.maxStepUp,
    maxStepDown: c.maxStepDown,
    floor: c.markets.map((m) => m.floor ?? c.floor),
  };
}

/**
 * σ per √second of every market: configured, or EWMA over the price history of the
 * market's underlying. An option's own mark is its premium, whose returns are many
 * times the underlying's (σ ≈ 19.8 instead of 0.6 in a simulation): its σ is estimated
 * from the market that is its underlying (plan.ts `underlyingIndices`).
 * @param underlying - per market, the index of the market whose prices are its underlying's (default: itself)
 */
export function sigmasOf(c: RiskConfig, history?: PriceHistory, underlying?: readonly number[]): number[] {
  return c.markets.map((m, i) => {
    const v = m.volatility;
    if (v.mode === "fixed") return perSecondSigma(v.sigmaAnnual);
    return ewmaSigma(history?.points(underlying?.[i] ?? i) ?? [], {
      lambda: v.lambda,
      minSamples: v.minSamples,
      fallback: perSecondSigma(v.fallbackAnnual),
      minSigma: perSecondSigma(v.minAnnual),
    });
  });
}
