/**
 * The service's risk loop (docs/risk.md): measures the time to finality from its own
 * jobs and the chain submitter, and runs `planRisk` over the ledger's state before each
 * header and after each confirmed batch. It is the `RiskSource` of the risk routes and
 * metrics; in sequencer mode with the dev oracle, the arrays it plans to publish are the
 * ones the next header carries.
 *
 * Latency samples per batch:
 *   proving        queued + witness + proving + verifying (the engine's stage times)
 *   submission     proof ready → first transaction sent      (submitter "sent")
 *   inclusion      sent → mined                              (submitter "mined")
 *   confirmations  mined → confirmed under the chain's rule  (job confirmed)
 * A batch whose chain times are missing (confirmed from an earlier run's transaction)
 * counts its whole `submitting` time as submission.
 *
 * Overrides are persisted as their audit log, one JSON file written atomically, and
 * replayed at start (a log that does not replay is a start-up error, not a silent reset).
 */
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import type { SubmitterEvent } from "../chain/submitter-types";
import type { Params } from "../state/params";
import type { State } from "../state/state";
import type { Job } from "../store/job-store";
import type { Engine } from "./engine";
import { parseRiskConfig, sigmasOf, type RiskConfig } from "../risk/controls";
import { LatencyWindow, chainSample, jobSample, recordSample } from "../risk/latency-window";
import { NO_OVERRIDES, applyOverride, replayOverrides, type AuditEntry, type OverrideChange, type Overrides } from "../risk/overrides";
import { planRisk, underlyingPrices, type RiskPlan } from "../risk/plan";
import type { RiskHistoryPoint, RiskSource } from "../risk/source";
import type { OverridesLog } from "../store/records";
import { PriceHistory } from "../risk/volatility";

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

/** A persisted override log that cannot be replayed. */
export class RiskOverridesFileError extends Error {
  readonly code = "PRV_ERR_RISK_OVERRIDES_FILE";
  constructor(file: string, why: string) {
    super(`risk overrides file ${file}: ${why}`);
    this.name = "RiskOverridesFileError";
  }
}

export class RiskLoop implements RiskSource {
  readonly window: LatencyWindow;
  private readonly prices: PriceHistory;
  private readonly clock: () => number;
  private readonly chain = new Map<number, ChainTimes>();
  private readonly points: RiskHistoryPoint[] = [];
  private last: RiskPlan | undefined;
  private ov: Overrides;

  constructor(private readonly o: RiskLoopOptions) {
    this.clock = o.clock ?? Date.now;
    this.window = new LatencyWindow(o.config.windowSize, o.config.seedSeconds);
    this.prices = new PriceHistory(o.params.markets, o.config.historySize);
    this.ov = o.overridesFile === undefined ? NO_OVERRIDES : loadOverrides(o.overridesFile, o.params.markets);
  }

  plan(): RiskPlan | undefined {
    return this.last;
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
    this.o.log?.warn({ override: next.log.at(-1) }, "risk override");
    return next;
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
        this.o.log?.warn({ override: next.log.at(-1) }, "risk override");
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

  /** Feeds the window from a job event of the engine. */
  observeJob(job: Job): void {
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
      sigmaPerSecond: sigmasOf(this.o.config, this.prices),
      now: nowSeconds,
      scenarios: this.o.params.scenarios,
      current: state.global.risk,
      state,
    });
    this.last = plan;
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

function loadOverrides(file: string, markets: number): Overrides {
  if (!fs.existsSync(file)) return NO_OVERRIDES;
  let log: AuditEntry[];
  try {
    const raw = JSON.parse(fs.readFileSync(file, "utf8")) as { log?: unknown };
    if (!Array.isArray(raw.log)) throw new Error("no `log` array");
    log = raw.log as AuditEntry[];
  } catch (e) {
    throw new RiskOverridesFileError(file, `not a JSON audit log (${(e as Error).message})`);
  }
  try {
    return replayOverrides(log, markets);
  } catch (e) {
    throw new RiskOverridesFileError(file, `entry refused on replay (${(e as Error).message})`);
  }
}

/** tmp file + fsync + rename: a crash leaves the old log or the new one, never half. */
function writeAtomically(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/**
 * The `--risk-config` file's parameters, or the defaults for "" (checked: a bad file
 * throws with every problem named).
 */
export function loadRiskConfig(file: string, markets: number): RiskConfig {
  let raw: unknown = {};
  if (file !== "") {
    try {
      raw = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
      throw new Error(`cannot read ${file} as JSON (${(e as Error).message})`);
    }
  }
  return parseRiskConfig(raw, markets);
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
