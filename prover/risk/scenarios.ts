/**
 * The S margin scenarios, after CME SPAN's 16: each is a move of the underlying price
 * by a fraction of the scan range, with the volatility shifted up or down (options
 * only feel the shift), plus two extreme moves of which only a part counts.
 *
 * ```
 * price_s  = S · (1 + move_s · scan)           scan = z · σ · √T (a fraction of S)
 * vol_s    = σ_option · (1 + volDir_s · volShift)
 * pnl_s    = cover_s · (value(price_s, vol_s, τ − T) − value now)
 * ```
 *
 * Order (the first S are used, so a small S keeps the scenarios that matter most):
 * the full moves first (±1 with vol up, then down: the worst case of any single long
 * or short position, linear or not), then no move (a hedged option book's worst case),
 * then ±2/3 and ±1/3, then the extreme ±3 at 35% cover. Index 0 is +1 as in
 * `scanRisk` of prover/state/genesis.ts.
 */

/** One scenario: a price move in scan ranges, a volatility direction, and how much of its P&L counts. */
export interface Scenario {
  /** Price move as a multiple of the scan range (+1: up by the whole range). */
  readonly move: number;
  /** +1 volatility up, −1 down, 0 unchanged. */
  readonly volDir: -1 | 0 | 1;
  /** Fraction of the scenario's P&L that counts (1, or the extreme cover). */
  readonly cover: number;
}

/** Shape of the scenario set; see `DEFAULT_SCENARIO_SHAPE`. */
export interface ScenarioShape {
  /** Move of the extreme scenarios, in scan ranges (SPAN: 3). */
  readonly extremeMove: number;
  /** Part of an extreme scenario's P&L that counts (SPAN: 0.35). */
  readonly extremeCover: number;
}

/** SPAN's extreme scenarios: three scan ranges, 35% of the P&L counted. */
export const DEFAULT_SCENARIO_SHAPE: ScenarioShape = { extremeMove: 3, extremeCover: 0.35 };

/** The most scenarios there are (protocol.md section 1 bounds S by 16). */
export const MAX_SCENARIOS = 16;

/**
 * The first S scenarios of the priority order in the file comment.
 * @param S - scenarios (1..16)
 * @param shape - the extreme scenarios' move and cover
 */
export function scenarios(S: number, shape: ScenarioShape = DEFAULT_SCENARIO_SHAPE): Scenario[] {
  if (!Number.isInteger(S) || S < 1 || S > MAX_SCENARIOS) throw new RangeError(`scenario count ${S} is outside 1..${MAX_SCENARIOS}`);
  if (!(shape.extremeMove > 0) || !(shape.extremeCover >= 0 && shape.extremeCover <= 1)) {
    throw new RangeError(`extreme scenarios need move > 0 and cover in [0, 1], got ${shape.extremeMove}, ${shape.extremeCover}`);
  }
  const all: Scenario[] = [];
  const pair = (move: number, volDir: -1 | 0 | 1): void => {
    all.push({ move, volDir, cover: 1 }, { move: -move, volDir, cover: 1 });
  };
  pair(1, 1);
  pair(1, -1);
  all.push({ move: 0, volDir: 1, cover: 1 }, { move: 0, volDir: -1, cover: 1 });
  pair(2 / 3, 1);
  pair(2 / 3, -1);
  pair(1 / 3, 1);
  pair(1 / 3, -1);
  all.push({ move: shape.extremeMove, volDir: 0, cover: shape.extremeCover }, { move: -shape.extremeMove, volDir: 0, cover: shape.extremeCover });
  return all.slice(0, S);
}

/**
 * The underlying price of a scenario: `S · (1 + move · scan)`, never below 0 (a price
 * cannot fall further than to zero, whatever the scan range).
 */
export function scenarioPrice(spot: number, move: number, scan: number): number {
  return Math.max(0, spot * (1 + move * scan));
}
