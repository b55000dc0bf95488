/**
 * Volatility per √second of each market's underlying: configured, or estimated from
 * recent prices by an exponentially weighted moving average (RiskMetrics, 1996) of
 * squared log returns, each normalised by the time it took, since oracle prices come
 * at irregular intervals:
 *
 * ```
 * r_i   = ln(p_i / p_{i−1})            Δt_i = t_i − t_{i−1} > 0
 * v_i   = λ · v_{i−1} + (1 − λ) · r_i² / Δt_i        v_0 = first r² / Δt
 * σ     = √v_n                          (per √second)
 * ```
 * λ = 0.94 is RiskMetrics' daily value; at batch cadence a larger λ (0.97–0.995) keeps
 * σ from following every tick. Returns the configured fallback until there are
 * `minSamples` returns, and never less than `minSigma`: a quiet market must not
 * collapse its margin to nothing.
 */

/** One observed price of an underlying. */
export interface PricePoint {
  /** Unix seconds. */
  readonly t: number;
  /** Any positive unit: only ratios are used. */
  readonly price: number;
}

/** Settings of the EWMA estimator. */
export interface EwmaSettings {
  /** Decay λ in (0, 1). */
  readonly lambda: number;
  /** Returns needed before the estimate replaces `fallback`. */
  readonly minSamples: number;
  /** σ per √second used until then. */
  readonly fallback: number;
  /** Lower bound of the estimate, per √second. */
  readonly minSigma: number;
}

/**
 * EWMA volatility per √second of a price series in time order. Points with a
 * non-positive price or no time elapsed since the last used point are skipped.
 */
export function ewmaSigma(points: readonly PricePoint[], s: EwmaSettings): number {
  if (!(s.lambda > 0 && s.lambda < 1)) throw new RangeError(`EWMA λ = ${s.lambda} is outside (0, 1)`);
  let v: number | undefined;
  let n = 0;
  let last: PricePoint | undefined;
  for (const p of points) {
    if (!(p.price > 0) || !Number.isFinite(p.t)) continue;
    if (last !== undefined) {
      const dt = p.t - last.t;
      if (!(dt > 0)) continue;
      const r = Math.log(p.price / last.price);
      const x = (r * r) / dt;
      v = v === undefined ? x : s.lambda * v + (1 - s.lambda) * x;
      n++;
    }
    last = p;
  }
  if (v === undefined || n < s.minSamples) return Math.max(s.fallback, s.minSigma);
  return Math.max(Math.sqrt(v), s.minSigma);
}

/** A bounded price history per market for the estimator (keeps the last `size` points). */
export class PriceHistory {
  private readonly series: PricePoint[][];
  constructor(
    markets: number,
    readonly size: number,
  ) {
    if (!Number.isInteger(size) || size < 2) throw new RangeError(`price history size ${size} must be an integer ≥ 2`);
    this.series = Array.from({ length: markets }, () => []);
  }

  /** Adds the mark prices of one header (per market, same timestamp). */
  push(t: number, prices: readonly (bigint | number)[]): void {
    prices.forEach((p, m) => {
      const s = this.series[m];
      if (s === undefined) return;
      s.push({ t, price: Number(p) });
      if (s.length > this.size) s.splice(0, s.length - this.size);
    });
  }

  /** The points of a market, oldest first. */
  points(m: number): readonly PricePoint[] {
    return this.series[m] ?? [];
  }
}
