/**
 * Margin against latency, without a chain: a synthetic latency trace with injected
 * spikes is fed, one batch per step, into prover/risk's LatencyWindow, and planRisk
 * (target scan → risk arrays → bounded step, nextRisk) runs after every batch over the
 * dev genesis markets, exactly as the service would before cutting a batch. Arrays
 * that `planRisk` says to publish become the arrays in force for the next step.
 *
 * Per step it records the batch's stage latencies, the window's stage p99 and T_p50/
 * p95/p99, the target and applied scan range of market 0, and the initial and
 * maintenance margin of a sample portfolio under the arrays in force and under the
 * unbounded target. It then checks that every row's scale moved within the policy's
 * step bound (exactly, in integers) and reports when margin rose and when it fell back.
 *
 * Injected latency (seconds; each phase is a range of steps, phases overlap):
 *   baseline            block interval 12, proving ≈ 30, submission ≈ 1–2
 *   slow blocks         block interval × 4 (inclusion and confirmations stretch)
 *   delayed confirmations  + 120 s on the confirmations stage
 *   slow proving        proving × 5
 * Inclusion is the wait for the next block (uniform in one interval), confirmations
 * (N − 1) intervals ± 10%. A seeded PRNG makes the trace the same in every run.
 */
import { EMPTY_SLOT, emptyAccount, type Account } from "../../prover/state/account";
import type { Risk } from "../../prover/state/global";
import { initialMargin, maintenanceMargin } from "../../prover/state/margin";
import { devGenesis } from "../../prover/dev/fixtures";
import { loadParams } from "../../prover/state/params";
import { parseRiskConfig, sigmasOf, type RiskConfig } from "../../prover/risk/controls";
import { LATENCY_STAGES, LatencyWindow, type LatencyStage } from "../../prover/risk/latency-window";
import { rowScale } from "../../prover/risk/margin-policy";
import { NO_OVERRIDES } from "../../prover/risk/overrides";
import { openingRisk, planRisk, underlyingPrices } from "../../prover/risk/plan";

/** One injected condition over a range of steps [from, to). */
export interface Injection {
  readonly name: "slow blocks" | "delayed confirmations" | "slow proving" | "late finality" | "prover stall" | "upgrade window";
  readonly from: number;
  readonly to: number;
  /** What it does, in words (for captions). */
  readonly effect: string;
}

/** The experiment's inputs. */
export interface ExperimentOptions {
  /** Parameter set whose dev genesis markets are used (circuits/params/<name>.json). */
  readonly params: string;
  readonly steps: number;
  readonly windowSize: number;
  readonly injections: readonly Injection[];
  /** Overrides of the risk config (every other key takes its default). */
  readonly risk: Readonly<Record<string, unknown>>;
  readonly baseline: { readonly blockIntervalS: number; readonly provingS: number; readonly submissionS: number };
  readonly seed: number;
}

/** One step (one batch) of the experiment. */
export interface ExperimentStep {
  readonly step: number;
  /** Injections active at this step. */
  readonly active: readonly string[];
  /** This batch's stage latencies (s). */
  readonly sample: Record<LatencyStage, number>;
  /** Window p99 per stage (s) after recording this batch. */
  readonly stageP99: Record<LatencyStage, number>;
  readonly stageP50: Record<LatencyStage, number>;
  readonly T: { readonly p50: number; readonly p95: number; readonly p99: number };
  /** Scan range (fraction of price) of market 0: what latency asks for, and what is in force. */
  readonly targetScan: number;
  readonly appliedScan: number;
  readonly published: boolean;
  /** Sample portfolio, USDC: margin under the arrays in force after this step, and under the target. */
  readonly initialMarginUSDC: number;
  readonly maintenanceMarginUSDC: number;
  readonly targetInitialMarginUSDC: number;
  /** Initial margin in collateral units (10^-6 USDC), unrounded: the step check reads these. */
  readonly initialMarginUnits: number;
}

/** What the run shows. */
export interface ExperimentSummary {
  readonly baselineT99: number;
  readonly peakT99: number;
  readonly finalT99: number;
  readonly baselineMarginUSDC: number;
  readonly peakMarginUSDC: number;
  readonly peakStep: number;
  readonly finalMarginUSDC: number;
  /** peak / baseline. */
  readonly rise: number;
  /** First step after the last injection ends where margin is back within 2% of the baseline (null: never). */
  readonly recoveredAtStep: number | null;
  /** Largest relative growth / shrink of the sample portfolio's margin between two steps. */
  readonly maxObservedStepUp: number;
  readonly maxObservedStepDown: number;
  /** Every market row's scale moved within [1 − maxStepDown, 1 + maxStepUp] at every step (integer check). */
  readonly rowsWithinStepBound: boolean;
  /** The portfolio's margin moved within the bound at every step (0.01% tolerance: entries are rounded to whole units). */
  readonly portfolioWithinStepBound: boolean;
  readonly maxStepUp: number;
  readonly maxStepDown: number;
}

export interface ExperimentResult {
  readonly parameters: {
    readonly params: string;
    readonly markets: number;
    readonly marketNames: readonly string[];
    readonly scenarios: number;
    readonly steps: number;
    readonly windowSize: number;
    readonly percentile: string;
    readonly z: number;
    readonly sigmaAnnual: readonly number[];
    readonly floor: number;
    readonly maxStepUp: number;
    readonly maxStepDown: number;
    readonly referenceSeconds: number;
    readonly baseline: ExperimentOptions["baseline"];
    readonly confirmations: number;
    readonly injections: readonly Injection[];
    readonly portfolio: string;
    readonly start: string;
    readonly seed: number;
  };
  readonly steps: readonly ExperimentStep[];
  readonly summary: ExperimentSummary;
}

/** Full run: a 100-batch window, spikes over steps 120–260, 460 steps in all. */
export function fullExperiment(params = "prod"): ExperimentOptions {
  return experimentOptions(params, { windowSize: 100, baseline: 120, span: 40, offset: 30, tail: 200 });
}

/** --quick: a 10-batch window, 80 steps. */
export function quickExperiment(params = "prod"): ExperimentOptions {
  return experimentOptions(params, { windowSize: 10, baseline: 15, span: 10, offset: 3, tail: 46 });
}

function experimentOptions(params: string, s: { windowSize: number; baseline: number; span: number; offset: number; tail: number }): ExperimentOptions {
  const b = s.baseline;
  const injections: Injection[] = [
    { name: "slow blocks", from: b, to: b + 2 * s.span, effect: "block interval ×4 (12 → 48 s)" },
    { name: "delayed confirmations", from: b + s.offset, to: b + s.offset + 2 * s.span, effect: "+120 s to confirmations" },
    { name: "slow proving", from: b + 2 * s.offset, to: b + 2 * s.offset + 2 * s.span, effect: "proving ×5 (≈30 → 150 s)" },
  ];
  const lastEnd = Math.max(...injections.map((i) => i.to));
  return {
    params,
    steps: lastEnd + s.windowSize + s.tail,
    windowSize: s.windowSize,
    injections,
    // Floor 0.1%: at σ = 60% a year and T ≈ 70 s, z·σ·√T ≈ 0.27% is above it, so latency
    // (not the floor) sets the scan range. The default floor 0.5% would hide T < 240 s.
    risk: { floor: 0.001 },
    baseline: { blockIntervalS: 12, provingS: 30, submissionS: 1 },
    seed: 20261126,
  };
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;
const USDC = 1_000_000;

/** One batch's stage latencies at a step under the active injections. */
function traceSample(o: ExperimentOptions, cfg: RiskConfig, active: ReadonlySet<string>, rnd: () => number): Record<LatencyStage, number> {
  const interval = o.baseline.blockIntervalS * (active.has("slow blocks") ? 4 : 1);
  const proving = o.baseline.provingS * (0.9 + 0.2 * rnd()) * (active.has("slow proving") ? 5 : 1);
  const confirmations = Math.max(0, cfg.confirmations - 1) * interval * (0.9 + 0.2 * rnd()) + (active.has("delayed confirmations") ? 120 : 0);
  return {
    proving: round(proving),
    submission: round(o.baseline.submissionS * (1 + rnd())),
    inclusion: round(interval * rnd()),
    confirmations: round(confirmations),
  };
}

/** Runs the experiment (pure apart from loading the params file; a second or two). */
export async function runExperiment(o: ExperimentOptions): Promise<ExperimentResult> {
  const params = loadParams(o.params);
  const state = await devGenesis(params);
  const M = params.markets;
  const markets = state.global.markets;
  const cfg = parseRiskConfig({ ...o.risk, windowSize: o.windowSize }, M);
  const sigma = sigmasOf(cfg);
  const window = new LatencyWindow(cfg.windowSize, cfg.seedSeconds);
  const rnd = prng(o.seed);

  // Sample portfolio: 1 BTC long on the perpetual (1,000 lots of 0.001) and 0.5 BTC short
  // on the dated future (500 lots) in the dev genesis' first two markets: directional,
  // half hedged (the same underlying, so a full hedge would need no margin at all).
  const P = params.positionSlots;
  const account: Account = {
    ...emptyAccount(P),
    collateral: 10_000n * BigInt(USDC),
    positions: emptyAccount(P).positions.map((s, j) => (j === 0 ? { ...EMPTY_SLOT, marketId: 1, size: 1000n } : j === 1 && M > 1 ? { ...EMPTY_SLOT, marketId: 2, size: -500n } : s)),
  };
  const usdc = (x: bigint): number => round(Number(x) / USDC, 2);

  // Start from the arrays the policy sets at the seed latency (openingRisk), not genesis's
  // placeholder 10% scan: a venue opens with them.
  const now0 = 1_800_000_000;
  let current: Risk = { ...state.global.risk, pnl: openingRisk(cfg, { markets, underlyingPrice: underlyingPrices(markets), sigmaPerSecond: sigma, now: now0, scenarios: params.scenarios, mmBps: state.global.risk.mmBps }).pnl };
  let rowsOk = true;
  const steps: ExperimentStep[] = [];
  let clock = 0;
  for (let k = 0; k < o.steps; k++) {
    const active = new Set(o.injections.filter((i) => k >= i.from && k < i.to).map((i) => i.name));
    const sample = traceSample(o, cfg, active, rnd);
    for (const s of LATENCY_STAGES) window.record(s, sample[s]);
    clock += sample.proving + sample.submission;
    const latency = window.timeToFinality();
    const plan = planRisk({
      config: cfg,
      overrides: NO_OVERRIDES,
      latency,
      markets,
      underlyingPrice: underlyingPrices(markets),
      sigmaPerSecond: sigma,
      now: now0 + Math.round(clock),
      scenarios: params.scenarios,
      current,
    });
    if (k > 0 && !rowsWithinStep(current, plan.next, cfg)) rowsOk = false;
    if (plan.publish) current = plan.next;
    steps.push({
      step: k,
      active: [...active],
      sample,
      stageP99: Object.fromEntries(LATENCY_STAGES.map((s) => [s, latency.stages[s].p99])) as Record<LatencyStage, number>,
      stageP50: Object.fromEntries(LATENCY_STAGES.map((s) => [s, latency.stages[s].p50])) as Record<LatencyStage, number>,
      T: { p50: round(latency.p50), p95: round(latency.p95), p99: round(latency.p99) },
      targetScan: round(plan.markets[0].targetScan, 7),
      appliedScan: round(plan.publish ? plan.markets[0].appliedScan : steps.at(-1)?.appliedScan ?? plan.markets[0].appliedScan, 7),
      published: plan.publish,
      initialMarginUSDC: usdc(initialMargin(account, current)),
      maintenanceMarginUSDC: usdc(maintenanceMargin(account, current)),
      targetInitialMarginUSDC: usdc(initialMargin(account, plan.target)),
      initialMarginUnits: Number(initialMargin(account, current)),
    });
  }
  return {
    parameters: {
      params: o.params,
      markets: M,
      marketNames: marketNames(M),
      scenarios: params.scenarios,
      steps: o.steps,
      windowSize: cfg.windowSize,
      percentile: cfg.percentile,
      z: cfg.z,
      sigmaAnnual: sigma.map((s) => round(s * Math.sqrt(365 * 86400), 4)),
      floor: cfg.floor,
      maxStepUp: cfg.maxStepUp,
      maxStepDown: cfg.maxStepDown,
      referenceSeconds: cfg.referenceSeconds,
      baseline: o.baseline,
      confirmations: cfg.confirmations,
      injections: o.injections,
      portfolio: "1 BTC long (1,000 BTC-PERP lots), 0.5 BTC short (500 BTC-FUT lots)",
      start: "arrays the policy sets at the seed latency (first plan from all-zero rows)",
      seed: o.seed,
    },
    steps,
    summary: summarize(steps, o, cfg, rowsOk),
  };
}

function marketNames(M: number): string[] {
  const base = ["BTC-PERP", "ETH-PERP"];
  return Array.from({ length: M }, (_, m) => (m < 2 ? base[m] : `${base[m % 2]}#${Math.floor(m / 2) + 1}`));
}

/** Every row's scale moved within [1 − maxStepDown, 1 + maxStepUp] from `before` to `after` (exact, in integers; a row that was all zeros may take any value). */
export function rowsWithinStep(before: Risk, after: Risk, cfg: Pick<RiskConfig, "maxStepUp" | "maxStepDown">): boolean {
  const up = 1_000_000n + BigInt(Math.round(cfg.maxStepUp * 1e6));
  const down = 1_000_000n - BigInt(Math.round(cfg.maxStepDown * 1e6));
  return after.pnl.every((row, m) => {
    const b = rowScale(before.pnl[m]);
    const a = rowScale(row);
    return b === 0n || (a * 1_000_000n <= b * up && a * 1_000_000n >= b * down);
  });
}

/** What a run shows (also for the live run of bench/latency.ts); needs a baseline step before the first injection. */
export function summarize(steps: readonly ExperimentStep[], o: Pick<ExperimentOptions, "injections">, cfg: RiskConfig, rowsOk: boolean): ExperimentSummary {
  const first = Math.min(...o.injections.map((i) => i.from));
  const last = Math.max(...o.injections.map((i) => i.to));
  const before = steps[first - 1];
  let peak = before;
  for (const s of steps) if (s.initialMarginUSDC > peak.initialMarginUSDC) peak = s;
  const recovered = steps.find((s) => s.step >= last && Math.abs(s.initialMarginUSDC / before.initialMarginUSDC - 1) <= 0.02);
  let maxUp = 0;
  let maxDown = 0;
  for (let k = 1; k < steps.length; k++) {
    const r = steps[k].initialMarginUnits / steps[k - 1].initialMarginUnits - 1;
    if (r > maxUp) maxUp = r;
    if (-r > maxDown) maxDown = -r;
  }
  const final = steps[steps.length - 1];
  return {
    baselineT99: before.T.p99,
    peakT99: Math.max(...steps.map((s) => s.T.p99)),
    finalT99: final.T.p99,
    baselineMarginUSDC: before.initialMarginUSDC,
    peakMarginUSDC: peak.initialMarginUSDC,
    peakStep: peak.step,
    finalMarginUSDC: final.initialMarginUSDC,
    rise: round(peak.initialMarginUSDC / before.initialMarginUSDC),
    recoveredAtStep: recovered?.step ?? null,
    maxObservedStepUp: round(maxUp, 6),
    maxObservedStepDown: round(maxDown, 6),
    rowsWithinStepBound: rowsOk,
    portfolioWithinStepBound: maxUp <= cfg.maxStepUp + 1e-4 && maxDown <= cfg.maxStepDown + 1e-4,
    maxStepUp: cfg.maxStepUp,
    maxStepDown: cfg.maxStepDown,
  };
}
