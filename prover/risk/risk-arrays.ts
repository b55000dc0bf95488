/**
 * Risk arrays from latency: `pnl[m][s]`, the profit or loss of ONE LONG LOT of market m
 * in scenario s, in integer collateral units (halves rounded away from zero), which the
 * oracle quorum signs and the circuit takes as data (protocol.md section 6).
 *
 * ```
 * scan_m        = z · σ_m · √T                 (a fraction of the price; or given)
 * linear        pnl = cover_s · markPrice · move_s · scan_m      (perpetual, future)
 * option        pnl = cover_s · (BS(S_s, K, σ_m·(1 + volDir_s·volShift), τ) − BS(S, K, σ_m, τ))
 *               with the mark–model gap, the long bound and the short minimum of
 *               option-risk.ts;  S_s = S · (1 + move_s · scan_m),  τ = expiry − now
 *               volShift = max(minVolShift, z · ν · √T)   ν: volatility of volatility per √s
 * settled       pnl = 0
 * ```
 * The volatility shift grows with √T like the price move: a fixed shift (SPAN's daily
 * vol scan) would dwarf a price move of a few seconds or minutes and make option margin
 * blind to latency.
 */
import { MarketKind, type Risk } from "../state/global";
import { roundHalfAway } from "./black-scholes";
import { DEFAULT_SHORT_OPTION_MINIMUM, optionRow } from "./option-risk";
import { DEFAULT_SCENARIO_SHAPE, scenarioPrice, scenarios, type ScenarioShape } from "./scenarios";

/** |pnl| < 2^62 (protocol.md section 2): the circuit's range check. */
export const PNL_BOUND = 1n << 62n;

/** What riskArrays needs of a market (a `Market` of prover/state/global.ts fits). */
export interface RiskMarket {
  readonly kind: MarketKind;
  /** Collateral units per lot (options). */
  readonly strike: bigint;
  /** Unix seconds (futures, options). */
  readonly expiry: bigint;
  /** Collateral units per lot: the price (linear) or the premium (options). */
  readonly markPrice: bigint;
  /** A settled market carries no risk (optional: absent = not settled). */
  readonly settled?: boolean;
}

/** Inputs of `riskArrays`. */
export interface RiskArraysInput {
  readonly markets: readonly RiskMarket[];
  /** Underlying price per market, collateral units per lot; read for options only. */
  readonly underlyingPrice: readonly bigint[];
  /** Volatility of the underlying per market, per √second. */
  readonly sigmaPerSecond: readonly number[];
  /** Time to finality in seconds (the high percentile, e.g. T_p99). */
  readonly T: number;
  /** Scan range in standard deviations over T. */
  readonly z: number;
  /** Unix seconds of the oracle timestamp the arrays are for. */
  readonly now: number;
  /** Number of scenarios S (1..16). */
  readonly scenarios: number;
  /** Maintenance ratio in basis points (0..10000). */
  readonly mmBps: bigint;
  /** Liquidation penalty (bps) and funding-rate bound, carried into the Risk unchanged (defaults 100 and 10^6). */
  readonly penaltyBps?: bigint;
  readonly maxFundingRate?: bigint;
  /** Volatility of volatility per √second, relative (default: 100% a year). */
  readonly volOfVolPerSecond?: number;
  /** Smallest relative volatility shift (default 0). */
  readonly minVolShift?: number;
  /** A fixed relative volatility shift of the vol scenarios, overriding max(minVolShift, z·ν·√T). */
  readonly volShift?: number;
  /** Extreme scenarios (default SPAN's ±3 ranges at 35%). */
  readonly shape?: ScenarioShape;
  /** Risk-free rate per second (default 0). */
  readonly rate?: number;
  /** Short option minimum, a fraction of a scan-range move of the underlying per lot (option-risk.ts). */
  readonly shortOptionMinimum?: number;
  /**
   * Scan range per market as a fraction of the price, overriding z·σ·√T (the margin
   * policy's stepped and floored value, or an operator override).
   */
  readonly scan?: readonly number[];
}

/** Default volatility of volatility: 100% a year, per √second. */
export const DEFAULT_VOL_OF_VOL = 1 / Math.sqrt(365 * 24 * 3600);

/** `max(minVolShift, z · ν · √T)`: the relative volatility shift of the vol scenarios, below 1. */
export function volShiftOf(z: number, volOfVolPerSecond: number, T: number, minVolShift = 0): number {
  return Math.min(0.99, Math.max(minVolShift, scanFraction(z, volOfVolPerSecond, T)));
}

/** `scan = z · σ · √T`, a fraction of the price. */
export function scanFraction(z: number, sigmaPerSecond: number, T: number): number {
  if (!(Number.isFinite(z) && z >= 0)) throw new RangeError(`z = ${z} must be finite and ≥ 0`);
  if (!(Number.isFinite(sigmaPerSecond) && sigmaPerSecond >= 0)) throw new RangeError(`σ = ${sigmaPerSecond} per √s must be finite and ≥ 0`);
  if (!(Number.isFinite(T) && T >= 0)) throw new RangeError(`T = ${T} s must be finite and ≥ 0`);
  return z * sigmaPerSecond * Math.sqrt(T);
}

function checkInput(i: RiskArraysInput): void {
  const M = i.markets.length;
  if (M === 0) throw new RangeError("riskArrays: no markets");
  for (const [name, arr] of [
    ["underlyingPrice", i.underlyingPrice],
    ["sigmaPerSecond", i.sigmaPerSecond],
    ...(i.scan === undefined ? [] : [["scan", i.scan] as const]),
  ] as const) {
    if (arr.length !== M) throw new RangeError(`riskArrays: ${name} has ${arr.length} entries for ${M} markets`);
  }
  if (i.mmBps < 0n || i.mmBps > 10000n) throw new RangeError(`riskArrays: mmBps ${i.mmBps} is outside 0..10000`);
  if (!Number.isFinite(i.now)) throw new RangeError(`riskArrays: now ${i.now} is not finite`);
  if (i.volShift !== undefined && !(i.volShift >= 0 && i.volShift < 1)) throw new RangeError(`riskArrays: volShift ${i.volShift} is outside [0, 1)`);
  if (i.shortOptionMinimum !== undefined && !(Number.isFinite(i.shortOptionMinimum) && i.shortOptionMinimum >= 0)) {
    throw new RangeError(`riskArrays: shortOptionMinimum ${i.shortOptionMinimum} must be finite and ≥ 0`);
  }
  i.scan?.forEach((s, m) => {
    if (!(Number.isFinite(s) && s >= 0)) throw new RangeError(`riskArrays: scan of market ${m} = ${s} must be finite and ≥ 0`);
  });
}

function isOption(kind: MarketKind): kind is typeof MarketKind.CALL | typeof MarketKind.PUT {
  return kind === MarketKind.CALL || kind === MarketKind.PUT;
}

/**
 * The risk arrays: `Risk` of prover/state/global.ts, M rows of S signed integers.
 * @throws RangeError on inconsistent inputs or an entry outside |pnl| < 2^62
 */
export function riskArrays(input: RiskArraysInput): Risk {
  checkInput(input);
  const list = scenarios(input.scenarios, input.shape ?? DEFAULT_SCENARIO_SHAPE);
  const volShift = input.volShift ?? volShiftOf(input.z, input.volOfVolPerSecond ?? DEFAULT_VOL_OF_VOL, input.T, input.minVolShift);
  const pnl = input.markets.map((mk, m) => {
    const sigma = input.sigmaPerSecond[m];
    const scan = input.scan?.[m] ?? scanFraction(input.z, sigma, input.T);
    if (mk.settled === true) return list.map(() => 0n);
    let row: number[];
    if (!isOption(mk.kind)) {
      const price = Number(mk.markPrice);
      row = list.map((sc) => sc.cover * (scenarioPrice(price, sc.move, scan) - price));
    } else {
      const spot = Number(input.underlyingPrice[m]);
      if (!(spot > 0)) throw new RangeError(`riskArrays: option market ${m} needs an underlying price > 0, got ${input.underlyingPrice[m]}`);
      if (mk.strike <= 0n) throw new RangeError(`riskArrays: option market ${m} has strike ${mk.strike}`);
      row = optionRow(
        {
          kind: mk.kind,
          spot,
          strike: Number(mk.strike),
          mark: Number(mk.markPrice),
          sigma,
          tau: Number(mk.expiry) - input.now,
          scan,
          volShift,
          rate: input.rate ?? 0,
          shortMinimum: input.shortOptionMinimum ?? DEFAULT_SHORT_OPTION_MINIMUM,
        },
        list,
      );
    }
    return row.map((x, s) => {
      const v = roundHalfAway(x);
      if (v >= PNL_BOUND || v <= -PNL_BOUND) throw new RangeError(`riskArrays: pnl[${m}][${s}] = ${v} is outside |pnl| < 2^62`);
      return v;
    });
  });
  return { mmBps: input.mmBps, penaltyBps: input.penaltyBps ?? 100n, maxFundingRate: input.maxFundingRate ?? 1_000_000n, pnl };
}
