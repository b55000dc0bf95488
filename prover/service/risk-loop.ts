/**
 * The service's risk loop (docs/risk.md): measures the time to finality from its own
 * jobs and the chain submitter, and runs `planRisk` over the ledger's state before each
 * header and after each confirmed batch. It is the `RiskSource` of the risk routes and
 * metrics; in sequencer mode with the dev oracle, the arrays it plans to publish are the
 * ones the next header carries.
 *
 * Latency samples per batch:
 *   proving        witness + proving + verifying (the engine's stage times; not the
 *                  queue: one held proof would count once per batch behind it)
 *   submission     proof ready → first transaction sent      (submitter "sent")
 *   inclusion      sent → mined                              (submitter "mined")
 *   confirmations  mined → confirmed under the chain's rule  (job confirmed)
 * A batch whose chain times are missing (confirmed from an earlier run's transaction)
 * counts its whole `submitting` time as submission.
 *
 * Live inputs of T (prover/risk/horizon.ts): the batches not yet final (a job from its
 * creation until confirmed or cancelled; a failed job still waits) give the stall
 * seconds; reorgs (`observeReorg`) add their depth for `reorgMemorySeconds`; the head
 * block (`observeHead`) places height-based upgrade windows; the node's client version
 * (`observeClientVersion`) is shown, and a change is flagged and logged.
 *
 * Overrides are persisted as their audit log, in the job store (`overridesLog`, shared by
 * every serve on it) or one JSON file written atomically, and replayed at start (a log
 * that does not replay is a start-up error, not a silent reset).
 */
import type { Logger } from "pino";
import type { SubmitterEvent } from "../chain/submitter-types";
import type { Params } from "../state/params";
import type { State } from "../state/state";
import type { Job } from "../store/job-store";
import type { Engine } from "./engine";
import { RiskConfigError, sigmasOf, type RiskConfig } from "../risk/controls";
import { LatencyWindow, chainSample, jobSample, recordSample } from "../risk/latency-window";
import { stallSeconds } from "../risk/horizon";
import { checkUpgrades, upgradeEffect, type UpgradeWindow } from "../risk/upgrades";
import { EMERGENCY_KEY, NO_OVERRIDES, applyOverride, replayOverrides, type OverrideChange, type Overrides } from "../risk/overrides";
import { planRisk, underlyingIndices, underlyingPrices, type RiskPlan } from "../risk/plan";
import type { ClientVersionView, RiskHistoryPoint, RiskSource } from "../risk/source";
import type { OverridesLog } from "../store/records";
import { PriceHistory } from "../risk/volatility";
import { RiskOverridesFileError, loadOverrides, writeAtomically } from "./risk-files";

export { RiskOverridesFileError, loadRiskConfig } from "./risk-files";

/** Options of `RiskLoop`. */
export interface RiskLoopOptions {
  readonly config: RiskConfig;
  readonly params: Params;
  /** Where the overrides' audit log lives (absent: memory only). */
  readonly overridesFile?: string;
  /**
   * The audit log in the job store (prover/store/records.ts), shared by every `serve` on
   * it; replaces `overridesFile`. Read it with `refreshOverrides` before the first plan.
   */
  readonly overridesLog?: OverridesLog;
  readonly log?: Logger;
  /** ms since epoch (default Date.now). */
  readonly clock?: () => number;
}

interface ChainTimes {
  proofReadyMs?: number;
  sentMs?: number;
  includedMs?: number;
}

export class RiskLoop implements RiskSource {
  readonly window: LatencyWindow;
  /** Cut time (ms) of each batch not yet final, by batch number. */
  private readonly waiting = new Map<number, number>();
  private waitingSince: number | undefined;
  private lastFinal: number | undefined;
  private readonly reorgs: { atMs: number; depth: number }[] = [];
  private head: number | undefined;
  private client: ClientVersionView | undefined;
  private upgrades: readonly UpgradeWindow[];
  private readonly prices: PriceHistory;
  private readonly clock: () => number;
  private readonly chain = new Map<number, ChainTimes>();
  private readonly points: RiskHistoryPoint[] = [];
  private last: RiskPlan | undefined;
  private ov: Overrides;

  constructor(private readonly o: RiskLoopOptions) {
    this.clock = o.clock ?? Date.now;
    this.window = new LatencyWindow(o.config.windowSize, o.config.seedSeconds, o.config.shortWindowSize);
    this.upgrades = o.config.upgrades;
    this.prices = new PriceHistory(o.params.markets, o.config.historySize);
    this.ov = o.overridesFile === undefined ? NO_OVERRIDES : loadOverrides(o.overridesFile, o.params.markets);
  }

  plan(): RiskPlan | undefined {
    return this.last;
  }

  /** The risk config the loop runs on. */
  get config(): RiskConfig {
    return this.o.config;
  }

  overrides(): Overrides {
    return this.ov;
  }

  now(): number {
    return this.clock();
  }

  /** Reads the overrides again from the store's log (no-op without one). */
  async refreshOverrides(): Promise<void> {
    const log = this.o.overridesLog;
    if (log === undefined) return;
    const entries = await log.readOverrides();
    try {
      this.ov = replayOverrides(entries, this.o.params.markets);
    } catch (e) {
      throw new RiskOverridesFileError("in the job store", `entry refused on replay (${(e as Error).message})`);
    }
  }

  /** Applies and persists one override (throws OverrideError when refused; nothing changes then). */
  setOverride(change: OverrideChange): Overrides | Promise<Overrides> {
    if (this.o.overridesLog !== undefined) return this.setInLog(this.o.overridesLog, change);
    const next = applyOverride(this.ov, change, this.o.params.markets);
    if (this.o.overridesFile !== undefined) writeAtomically(this.o.overridesFile, JSON.stringify({ log: next.log }, null, 2));
    this.ov = next;
    this.logOverride(change, next);
    return next;
  }

  private logOverride(change: OverrideChange, next: Overrides): void {
    if (change.key === EMERGENCY_KEY) this.o.log?.error({ override: next.log.at(-1) }, change.value === null ? "risk EMERGENCY override cleared: the step bound is back" : "risk EMERGENCY override: risk rows move to their targets without the step bound");
    else this.o.log?.warn({ override: next.log.at(-1) }, "risk override");
  }

  /** A reorg took back `depth` blocks holding a batch (1 when the depth is not known). */
  observeReorg(depth: number): void {
    this.reorgs.push({ atMs: this.clock(), depth: Math.max(1, Math.floor(depth)) });
    this.o.log?.warn({ depth }, "reorg observed: margin rises for the reorg memory");
  }

  /**
   * Replaces the upgrade windows of the config (a calendar that changed after the
   * start); checked like the config's.
   * @throws RiskConfigError naming every problem (nothing changes then)
   */
  scheduleUpgrades(windows: readonly UpgradeWindow[]): void {
    const problems = checkUpgrades(windows);
    if (problems.length > 0) throw new RiskConfigError(problems);
    this.upgrades = windows;
    this.o.log?.warn({ upgrades: windows.map((w) => w.name) }, "upgrade windows rescheduled");
  }

  /** The newest block the node reports (places height-based upgrade windows). */
  observeHead(block: number): void {
    if (Number.isSafeInteger(block) && block >= 0) this.head = block;
  }

  /** The node's `web3_clientVersion`; a change is kept (and logged) until the next one. */
  observeClientVersion(version: string): void {
    if (this.client?.current === version) return;
    if (this.client !== undefined) {
      this.client = { current: version, previous: this.client.current, changedAt: this.clock() };
      this.o.log?.warn({ previous: this.client.previous, current: version }, "the node's client version changed (an upgrade?)");
    } else {
      this.client = { current: version };
    }
  }

  /** The client version as last seen (undefined: not read yet). */
  clientVersion(): ClientVersionView | undefined {
    return this.client;
  }

  /** Appends to the shared log on top of what it holds now (another process may have appended since our last read). */
  private async setInLog(log: OverridesLog, change: OverrideChange): Promise<Overrides> {
    for (;;) {
      await this.refreshOverrides();
      // another process (another clock) may have appended after this change was asked for: it goes after that entry
      const last = this.ov.log[this.ov.log.length - 1];
      const next = applyOverride(this.ov, last !== undefined && change.when < last.when ? { ...change, when: last.when } : change, this.o.params.markets);
      if (await log.appendOverride(next.log[next.log.length - 1])) {
        this.ov = next;
        this.logOverride(change, next);
        return next;
      }
    }
  }

  /** The last plans, oldest first (at most the config's historySize). */
  history(): readonly RiskHistoryPoint[] {
    return this.points;
  }

  /** The arrays the next header should carry: the plan's, when it says to publish. */
  arraysToPublish(): readonly (readonly bigint[])[] | undefined {
    return this.last?.publish === true ? this.last.next.pnl : undefined;
  }

  /** Feeds the window, and the waiting set of the stall clock, from a job event of the engine. */
  observeJob(job: Job): void {
    this.track(job);
    if (job.state === "submitting" && job.proof !== undefined && !this.chain.get(job.batchNumber)?.proofReadyMs) {
      recordSample(this.window, jobSample(job.stageMs));
      this.chain.set(job.batchNumber, { proofReadyMs: job.updatedAt });
      return;
    }
    if (job.state === "confirmed") {
      const t = this.chain.get(job.batchNumber);
      this.chain.delete(job.batchNumber);
      if (t?.proofReadyMs !== undefined && t.sentMs !== undefined && t.includedMs !== undefined && t.includedMs <= job.updatedAt) {
        recordSample(this.window, chainSample({ proofReadyMs: t.proofReadyMs, sentMs: t.sentMs, includedMs: t.includedMs, finalMs: job.updatedAt }));
      } else {
        recordSample(this.window, { submission: (job.stageMs.submitting ?? 0) / 1000 });
      }
    } else if (job.state === "failed" || job.state === "cancelled") {
      this.chain.delete(job.batchNumber);
    }
  }

  private track(job: Job): void {
    if (job.state === "confirmed" || job.state === "cancelled") {
      if (this.waiting.delete(job.batchNumber) && job.state === "confirmed") this.lastFinal = this.clock();
      if (this.waiting.size === 0) this.waitingSince = undefined;
    } else if (!this.waiting.has(job.batchNumber)) {
      if (this.waiting.size === 0) this.waitingSince = this.clock();
      this.waiting.set(job.batchNumber, job.createdAt);
    }
  }

  /** Seconds the network has been stopped for, from the batches waiting now (0: none waits). */
  stallSeconds(): number {
    const oldest = this.waiting.size === 0 ? undefined : Math.min(...this.waiting.values());
    return stallSeconds({ nowMs: this.clock(), oldestWaitingSinceMs: oldest, lastFinalMs: this.lastFinal, waitingSinceMs: this.waitingSince });
  }

  /** Seconds recent reorgs add to T: their depths summed over the memory (depth and count both count) × seconds per block. */
  reorgSeconds(): number {
    const c = this.o.config;
    const since = this.clock() - c.reorgMemorySeconds * 1000;
    while (this.reorgs.length > 0 && this.reorgs[0].atMs < since) this.reorgs.shift();
    return this.reorgs.reduce((sum, r) => sum + r.depth, 0) * c.secondsPerBlock;
  }

  /** Feeds the window from the chain submitter's events (first send, mined). */
  observeSubmitter(e: SubmitterEvent): void {
    const t = this.chain.get(e.batchNumber);
    if (t === undefined) return;
    const now = this.clock();
    if (e.type === "sent" && t.sentMs === undefined) t.sentMs = Math.max(now, t.proofReadyMs ?? now);
    if (e.type === "mined" && t.sentMs !== undefined) t.includedMs = Math.max(now, t.sentMs);
  }

  /**
   * One risk update over `state` (the ledger's newest) for a header at `nowSeconds`.
   * Records the header's prices for the volatility estimator.
   */
  update(state: State, nowSeconds = Math.floor(this.clock() / 1000)): RiskPlan {
    const markets = state.global.markets;
    this.prices.push(nowSeconds, markets.map((m) => m.markPrice));
    const plan = planRisk({
      config: this.o.config,
      overrides: this.ov,
      latency: this.window.timeToFinality(),
      markets,
      underlyingPrice: underlyingPrices(markets),
      sigmaPerSecond: sigmasOf(this.o.config, this.prices, underlyingIndices(markets)),
      now: nowSeconds,
      scenarios: this.o.params.scenarios,
      current: state.global.risk,
      state,
      stallSeconds: this.stallSeconds(),
      reorgSeconds: this.reorgSeconds(),
      upgrade: upgradeEffect(this.upgrades, { nowSeconds, head: this.head, secondsPerBlock: this.o.config.secondsPerBlock }),
    });
    this.last = plan;
    if (plan.emergency && plan.publish) this.o.log?.error({ T: plan.T }, "risk EMERGENCY override in force: publishing arrays without the step bound");
    this.points.push({
      at: this.clock(),
      T: plan.T,
      publish: plan.publish,
      markets: plan.markets.map((m) => ({ market: m.market, targetScan: m.targetScan, appliedScan: m.appliedScan, multiplier: m.multiplier })),
    });
    if (this.points.length > this.o.config.historySize) this.points.splice(0, this.points.length - this.o.config.historySize);
    if (plan.atRisk.length > 0) this.o.log?.warn({ accounts: plan.atRisk.map((a) => a.index) }, "the next risk arrays would make these accounts liquidatable");
    return plan;
  }
}

/**
 * Feeds the loop from the engine (every job event) and plans again after each confirmed
 * batch and once now, so that the routes and metrics follow the latency also where no
 * header is signed here (batch mode).
 * @returns a planner that logs a failed update and keeps the arrays in force
 */
export function attachRiskLoop(risk: RiskLoop, engine: Pick<Engine, "on">, newest: () => State, log: Logger): (state: State, nowSeconds?: number) => void {
  const plan = (state: State, nowSeconds?: number): void => {
    try {
      risk.update(state, nowSeconds);
    } catch (err) {
      log.error({ err }, "risk update failed; the arrays in force stay");
    }
  };
  engine.on("job", (j) => {
    risk.observeJob(j);
    if (j.state === "confirmed") plan(newest());
  });
  plan(newest());
  return plan;
}
