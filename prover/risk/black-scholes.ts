/**
 * Black–Scholes prices of European calls and puts, in TypeScript only: the circuit
 * never prices an option, it takes the risk arrays that this module helps compute as
 * inputs signed by the oracle quorum (docs/risk.md section 2).
 *
 * ```
 * d1 = (ln(S/K) + (r + σ²/2)·τ) / (σ·√τ)        d2 = d1 − σ·√τ
 * call = S·N(d1) − K·e^(−rτ)·N(d2)             put = K·e^(−rτ)·N(−d2) − S·N(−d1)
 * ```
 * Units: S and K in collateral units per lot (floating point inside, integers at the
 * boundary), σ per √second, τ in seconds, r per second. τ ≤ 0 or σ = 0 gives the
 * discounted intrinsic value, which is the limit of the formulas.
 */

/** Seconds in a year of 365 days: converts annual volatilities and rates. */
export const SECONDS_PER_YEAR = 365 * 24 * 3600;

/**
 * The standard normal CDF N(x), by Hart's (1968) double-precision rational
 * approximation (algorithm 5666) as given by G. West, "Better approximations to
 * cumulative normal functions", Wilmott Magazine 2005: absolute error below 1e-14 over
 * the real line, which is far below one collateral unit on any price below 2^48. For
 * |x| ≥ 7.07 a continued fraction of the tail replaces the rational function, and
 * beyond |x| = 37 the tail is 0 in double precision.
 */
export function normCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const a = Math.abs(x);
  let tail: number;
  if (a > 37) {
    tail = 0;
  } else {
    const e = Math.exp((-a * a) / 2);
    if (a < 7.07106781186547) {
      let n = 3.52624965998911e-2 * a + 0.700383064443688;
      n = n * a + 6.37396220353165;
      n = n * a + 33.912866078383;
      n = n * a + 112.079291497871;
      n = n * a + 221.213596169931;
      n = n * a + 220.206867912376;
      let d = 8.83883476483184e-2 * a + 1.75566716318264;
      d = d * a + 16.064177579207;
      d = d * a + 86.7807322029461;
      d = d * a + 296.564248779674;
      d = d * a + 637.333633378831;
      d = d * a + 793.826512519948;
      d = d * a + 440.413735824752;
      tail = (e * n) / d;
    } else {
      let b = a + 0.65;
      b = a + 4 / b;
      b = a + 3 / b;
      b = a + 2 / b;
      b = a + 1 / b;
      tail = e / b / 2.506628274631;
    }
  }
  return x > 0 ? 1 - tail : tail;
}

/** Inputs of one Black–Scholes price. */
export interface BsInputs {
  /** Underlying price (> 0), collateral units per lot. */
  readonly spot: number;
  /** Strike (> 0), collateral units per lot. */
  readonly strike: number;
  /** Volatility per √second (≥ 0): annual σ / √SECONDS_PER_YEAR. */
  readonly sigma: number;
  /** Time to expiry in seconds (≤ 0: expired, intrinsic value). */
  readonly tau: number;
  /** Risk-free rate per second (default 0). */
  readonly rate?: number;
}

function check(i: BsInputs): void {
  if (!(Number.isFinite(i.spot) && i.spot > 0)) throw new RangeError(`Black–Scholes: spot ${i.spot} must be finite and > 0`);
  if (!(Number.isFinite(i.strike) && i.strike > 0)) throw new RangeError(`Black–Scholes: strike ${i.strike} must be finite and > 0`);
  if (!(Number.isFinite(i.sigma) && i.sigma >= 0)) throw new RangeError(`Black–Scholes: sigma ${i.sigma} must be finite and ≥ 0`);
  if (!Number.isFinite(i.tau)) throw new RangeError(`Black–Scholes: tau ${i.tau} must be finite`);
  if (i.rate !== undefined && !Number.isFinite(i.rate)) throw new RangeError(`Black–Scholes: rate ${i.rate} must be finite`);
}

/** Call and put from one d1/d2 (they share every expensive term). */
function prices(i: BsInputs): { call: number; put: number } {
  check(i);
  const r = i.rate ?? 0;
  const tau = Math.max(0, i.tau);
  const df = Math.exp(-r * tau);
  const sd = i.sigma * Math.sqrt(tau);
  if (sd === 0) {
    // No uncertainty left: the forward is known, value is the discounted intrinsic value.
    const fwd = i.spot - i.strike * df;
    return { call: Math.max(fwd, 0), put: Math.max(-fwd, 0) };
  }
  const d1 = (Math.log(i.spot / i.strike) + (r + (i.sigma * i.sigma) / 2) * tau) / sd;
  const d2 = d1 - sd;
  return {
    call: i.spot * normCdf(d1) - i.strike * df * normCdf(d2),
    put: i.strike * df * normCdf(-d2) - i.spot * normCdf(-d1),
  };
}

/** Black–Scholes price of a European call. */
export function bsCall(i: BsInputs): number {
  return prices(i).call;
}

/** Black–Scholes price of a European put. */
export function bsPut(i: BsInputs): number {
  return prices(i).put;
}

/** round(x) with halves away from zero, as a bigint: the rounding of every risk entry. */
export function roundHalfAway(x: number): bigint {
  if (!Number.isFinite(x)) throw new RangeError(`cannot round ${x} to an integer`);
  const r = Math.floor(Math.abs(x) + 0.5);
  return BigInt(x < 0 ? -r : r);
}

/**
 * An option's price per lot in integer collateral units (halves away from zero).
 * @param kind - "call" or "put"
 * @param spot - underlying per lot, collateral units (integer)
 * @param strike - strike per lot, collateral units (integer)
 * @param sigma - volatility per √second
 * @param tau - seconds to expiry
 * @param rate - risk-free rate per second (default 0)
 */
export function optionPriceUnits(kind: "call" | "put", spot: bigint, strike: bigint, sigma: number, tau: number, rate = 0): bigint {
  const p = prices({ spot: Number(spot), strike: Number(strike), sigma, tau, rate });
  return roundHalfAway(kind === "call" ? p.call : p.put);
}

/** Annual volatility (e.g. 0.6 for 60%) → per √second. */
export function perSecondSigma(annual: number): number {
  return annual / Math.sqrt(SECONDS_PER_YEAR);
}
