/**
 * How latency turns into margin, and how fast margin may move.
 *
 * ```
 * target scan_m   = max(floor_m, z · σ_m · √T_p99)           (fraction of the price)
 * multiplier_m    = applied scan_m / (z · σ_m · √T_ref)      (1 at the reference latency)
 * scale(row)      = max_s |pnl[m][s]|                        (worst per-lot move of a row)
 * next row_m      = target row_m · c_m,  c_m chosen so that
 *                   scale(prev_m)·(1 − maxStepDown) ≤ scale(next_m) ≤ scale(prev_m)·(1 + maxStepUp)
 * ```
 *
 * Why scale whole rows: a row's shape (which scenario is worst) follows the market, its
 * size follows the parameters. Scaling the row keeps the shape and bounds the size, and
 * when every row is scaled by the same c every linear portfolio's requirement is scaled
 * by exactly c: with maxStepUp = u, an account whose equity is at least (1 + u) times its
 * maintenance margin cannot become liquidatable through one parameter update alone.
 * Whatever makes a row grow (latency, σ, an override, the price) is bounded the same way.
 * The floor binds the target, not the step: a raised floor is reached in steps too.
 */
import type { Account } from "../state/account";
import type { Risk } from "../state/global";
import { equity, maintenanceMargin } from "../state/margin";
import { scanFraction } from "./risk-arrays";

/** The parameters of the policy (controls.ts validates them). */
export interface MarginPolicy {
  /** Scan range in standard deviations over T. */
  readonly z: number;
  /** Reference time to finality (seconds) at which the multiplier is 1. */
  readonly referenceSeconds: number;
  /** Largest relative growth of a row's scale per update (0.1: +10%). */
  readonly maxStepUp: number;
  /** Largest relative shrink of a row's scale per update (0.1: −10%). */
  readonly maxStepDown: number;
  /** Minimum scan range per market, fraction of the price (one value: every market). */
  readonly floor: number | readonly number[];
}

/** The floor of market m (0 where a per-market list has no entry). */
export function floorOf(policy: MarginPolicy, m: number): number {
  return (typeof policy.floor === "number" ? policy.floor : policy.floor[m]) ?? 0;
}

/** `max(floor, z · σ · √T)` per market: the scan range latency asks for. */
export function targetScan(policy: MarginPolicy, sigmaPerSecond: readonly number[], T: number): number[] {
  return sigmaPerSecond.map((sigma, m) => Math.max(floorOf(policy, m), scanFraction(policy.z, sigma, T)));
}

/** `√(T / T_ref)`: how much latency alone multiplies the scan range. */
export function latencyMultiplier(T: number, referenceSeconds: number): number {
  if (!(referenceSeconds > 0)) throw new RangeError(`reference time ${referenceSeconds} s must be > 0`);
  if (!(T >= 0)) throw new RangeError(`T = ${T} s must be ≥ 0`);
  return Math.sqrt(T / referenceSeconds);
}

/** Largest |entry| of a row: the scale the step bounds. */
export function rowScale(row: readonly bigint[]): bigint {
  return row.reduce((m, x) => (x < 0n ? (-x > m ? -x : m) : x > m ? x : m), 0n);
}

/** round(a · num / den) with halves away from zero, den > 0. */
function mulDivRound(a: bigint, num: bigint, den: bigint): bigint {
  const n = a * num;
  const q = (2n * (n < 0n ? -n : n) + den) / (2n * den);
  return n < 0n ? -q : q;
}

/** Parts per million as a bigint, for integer-exact step bounds. */
function ppm(x: number): bigint {
  if (!(Number.isFinite(x) && x >= 0)) throw new RangeError(`step ${x} must be finite and ≥ 0`);
  return BigInt(Math.round(x * 1e6));
}

/** How `nextRisk` treats rows beyond the policy's relative bound. */
export interface StepOptions {
  /**
   * Per market, the scale a zero row steps from: the row at the floor scan range. A zero
   * row (first arrays, a new market) grows from it by the bound, never straight to its
   * target. Absent: 0, a zero row stays 0.
   */
  readonly floorScale?: readonly bigint[];
  /** Per market, a row that takes its target at once: a settled market, which carries no risk. */
  readonly free?: readonly boolean[];
  /** The operator's named emergency override (overrides.ts): every row takes its target at once. */
  readonly emergency?: boolean;
}

/**
 * Moves from `prev` towards `target` by at most the policy's step per market row:
 * `scale(next)` lies in `[scale(prev)·(1 − down), scale(prev)·(1 + up)]`, with the floor row's
 * scale standing in for `scale(prev)` on the upper side where the row is zero.
 * There is no other way round the bound: a zero row grows from the floor row's scale, a
 * zero target shrinks the previous row's shape by the bound, and only a settled market
 * or the emergency override takes its target at once.
 * @throws RangeError when the shapes differ
 */
export function nextRisk(prev: Risk, target: Risk, policy: MarginPolicy, opts: StepOptions = {}): Risk {
  if (prev.pnl.length !== target.pnl.length) throw new RangeError(`nextRisk: ${prev.pnl.length} rows before, ${target.pnl.length} after`);
  const up = 1_000_000n + ppm(policy.maxStepUp);
  const down = 1_000_000n - ppm(Math.min(1, policy.maxStepDown));
  const pnl = target.pnl.map((row, m) => {
    const old = prev.pnl[m];
    if (row.length !== old.length) throw new RangeError(`nextRisk: row ${m} has ${old.length} scenarios before, ${row.length} after`);
    if (opts.emergency === true || opts.free?.[m] === true) return [...row];
    const before = rowScale(old);
    const after = rowScale(row);
    const floor = opts.floorScale?.[m] ?? 0n;
    // Integer bounds, rounded towards the allowed side: the result never breaks them.
    const hi = ((before > 0n ? before : floor) * up) / 1_000_000n;
    const lo = (before * down + 999_999n) / 1_000_000n;
    const want = after > hi ? hi : after < lo ? lo : after;
    if (want === after) return [...row];
    // A zero target has no shape to scale: keep the previous row's, shrunk by the bound.
    const [shape, scale] = after === 0n ? [old, before] : [row, after];
    return shape.map((x) => clampAbs(mulDivRound(x, want, scale), want));
  });
  // mmBps, the penalty and the funding bound are fixed at genesis (a header carries only
  // the arrays: decisions.md): they carry over from prev whatever the target says.
  return { mmBps: prev.mmBps, penaltyBps: prev.penaltyBps, maxFundingRate: prev.maxFundingRate, pnl };
}

/** Rounding may overshoot the bound by one unit; hold it. */
function clampAbs(x: bigint, bound: bigint): bigint {
  return x > bound ? bound : x < -bound ? -bound : x;
}

/**
 * The scan range actually applied per market, read back from stepped arrays: the
 * target scan times the step's scale factor (exact for linear markets).
 */
export function appliedScan(applied: Risk, target: Risk, targetScanFraction: readonly number[]): number[] {
  return targetScanFraction.map((scan, m) => {
    const t = rowScale(target.pnl[m]);
    return t === 0n ? scan : (scan * Number(rowScale(applied.pnl[m]))) / Number(t);
  });
}

/** `applied scan / (z · σ · √T_ref)` per market (1 where σ or z is 0). */
export function marginMultiplier(policy: MarginPolicy, sigmaPerSecond: readonly number[], applied: readonly number[]): number[] {
  return applied.map((scan, m) => {
    const base = scanFraction(policy.z, sigmaPerSecond[m], policy.referenceSeconds);
    return base > 0 ? scan / base : 1;
  });
}

/** An account that meets maintenance now and would not under the next arrays. */
export interface AtRiskAccount {
  readonly index: number;
  readonly equity: bigint;
  readonly maintenanceNow: bigint;
  readonly maintenanceNext: bigint;
  /** maintenanceNext − equity: collateral that would keep it safe. */
  readonly shortfall: bigint;
}

/** What `atRiskAccounts` reads of a state (a `State` of prover/state/state.ts fits). */
export interface AccountsView {
  readonly accounts: ReadonlyMap<number, Account>;
  readonly global: { readonly markets: readonly { readonly markPrice: bigint }[] };
}

/**
 * Accounts that a change of risk arrays alone would make liquidatable (equity ≥
 * maintenance under `currentRisk`, < maintenance under `next`), at the same prices:
 * reported before the header that carries `next` is proven. Sorted by shortfall,
 * largest first.
 * @param markPrices - prices to value equity at (default: the state's mark prices)
 */
export function atRiskAccounts(state: AccountsView, currentRisk: Risk, next: Risk, markPrices?: readonly bigint[]): AtRiskAccount[] {
  const prices = markPrices ?? state.global.markets.map((m) => m.markPrice);
  const out: AtRiskAccount[] = [];
  for (const [index, a] of state.accounts) {
    if (!a.positions.some((p) => p.marketId !== 0)) continue;
    const e = equity(a, prices);
    const now = maintenanceMargin(a, currentRisk);
    const nxt = maintenanceMargin(a, next);
    if (e >= now && e < nxt) out.push({ index, equity: e, maintenanceNow: now, maintenanceNext: nxt, shortfall: nxt - e });
  }
  return out.sort((a, b) => (a.shortfall === b.shortfall ? a.index - b.index : a.shortfall > b.shortfall ? -1 : 1));
}

/**
 * Whether `next` differs enough from `current` to ride in a header (risk arrays are
 * hashed into the public input only when they change, docs/decisions.md, "Risk arrays"): mmBps
 * changed, or some entry moved by more than `minChange` of its row's scale.
 */
export function shouldPublish(current: Risk, next: Risk, minChange: number): boolean {
  if (current.mmBps !== next.mmBps || current.pnl.length !== next.pnl.length) return true;
  const tol = ppm(minChange);
  return next.pnl.some((row, m) => {
    const cur = current.pnl[m];
    if (cur.length !== row.length) return true;
    const scale = rowScale(cur);
    return row.some((x, s) => {
      const d = x > cur[s] ? x - cur[s] : cur[s] - x;
      return d > 0n && d * 1_000_000n >= scale * tol;
    });
  });
}
