/**
 * One option market's risk row, SPAN-style: a scenario's P&L is the model's value under
 * the scenario minus the model's value now, not minus the mark. Measuring against the
 * mark made every scenario a gain for the short whenever the mark sat above the model
 * (the dev genesis premiums 1.2 / 1.1 USDC against a model value of about 0.75), so a
 * short option needed no margin at all.
 *
 * ```
 * V       = BS(S, K, σ, τ)                         model value now, τ = expiry − now
 * V_s     = BS(S·(1 + move_s·scan), K, σ·(1 + volDir_s·volShift), τ)
 * ref_s   = max(mark, V)   where V_s < V            (scenarios in which a long loses)
 *           min(mark, V)   elsewhere                (scenarios in which a short loses)
 * pnl_s   = max(cover_s · (V_s − ref_s), −mark)     one long lot
 * short minimum: the largest entry is raised to at least
 *           max(1, round(shortOptionMinimum · scan · S))
 * ```
 *
 * Mark–model difference. Equity counts an option at its mark, the scenarios move the
 * model's value; the gap `mark − V` is what either side loses if the mark converges to
 * the model. Each side is charged the gap in the scenarios where it loses: a long
 * pays for a mark above the model, a short for a mark below it. Neither is credited
 * for a gap in its favour.
 *
 * Long bound. A long lot's equity is its mark and an option is never worth less than
 * 0, so no entry is below −mark: a long option's requirement is at most its premium.
 *
 * Short minimum. A far out-of-the-money short can show no scenario loss (or only a
 * rounded-away one); SPAN charges it a short option minimum. Here the minimum scales
 * with the scan range, so it follows latency like every other entry, and is at least
 * one collateral unit, so a short option never needs zero margin.
 *
 * No time decay over T. Every scenario is priced at the same τ as V: T (seconds to an
 * hour) is a sliver of an option's life, and crediting the short with the decay over
 * T would make its requirement fall as T grows near expiry (docs/decisions.md).
 */
import { MarketKind } from "../state/global";
import { bsCall, bsPut } from "./black-scholes";
import { scenarioPrice, type Scenario } from "./scenarios";

/** Default short option minimum: 10% of a scan-range move of the underlying, per lot. */
export const DEFAULT_SHORT_OPTION_MINIMUM = 0.1;

/** Inputs of one option row. */
export interface OptionRowInput {
  readonly kind: typeof MarketKind.CALL | typeof MarketKind.PUT;
  /** Collateral units per lot. */
  readonly spot: number;
  readonly strike: number;
  /** The option's mark (its premium), collateral units per lot. */
  readonly mark: number;
  /** Volatility of the underlying per √second. */
  readonly sigma: number;
  /** Seconds to expiry from now. */
  readonly tau: number;
  /** Scan range, fraction of the underlying price. */
  readonly scan: number;
  /** Relative volatility shift of the vol scenarios. */
  readonly volShift: number;
  /** Risk-free rate per second. */
  readonly rate: number;
  /** Short option minimum as a fraction of a scan-range move of the underlying. */
  readonly shortMinimum: number;
}

/** round(x) halves away from zero, as a number (the caller converts to bigint). */
function roundAway(x: number): number {
  return Math.sign(x) * Math.floor(Math.abs(x) + 0.5);
}

/**
 * The row of one long option lot over the given scenarios, rounded to integers
 * (collateral units). See the file comment for every rule.
 */
export function optionRow(i: OptionRowInput, list: readonly Scenario[]): number[] {
  const price = (spot: number, sigma: number): number => {
    const bs = { spot, strike: i.strike, sigma, tau: i.tau, rate: i.rate };
    return i.kind === MarketKind.CALL ? bsCall(bs) : bsPut(bs);
  };
  const model = price(i.spot, i.sigma);
  const row = list.map((sc) => {
    // A price that falls to 0 is repriced at a vanishing spot: the limit of the formulas.
    const v = price(Math.max(scenarioPrice(i.spot, sc.move, i.scan), i.spot * 1e-12), i.sigma * (1 + sc.volDir * i.volShift));
    const ref = v < model ? Math.max(i.mark, model) : Math.min(i.mark, model);
    return roundAway(Math.max(sc.cover * (v - ref), -i.mark));
  });
  const minimum = Math.max(1, roundAway(i.shortMinimum * i.scan * i.spot));
  let worst = 0;
  row.forEach((x, s) => {
    if (x > row[worst]) worst = s;
  });
  if (row[worst] < minimum) row[worst] = minimum;
  return row;
}
