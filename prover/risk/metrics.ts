/**
 * Prometheus gauges of the risk module, read at scrape time from the last risk update.
 * The integrator calls `registerRiskMetrics(metrics.registry, source)` once.
 *
 * ```
 * zksettle_risk_time_to_finality_seconds{quantile}      T as p50 / p95 / p99
 * zksettle_risk_stage_seconds{stage,quantile}           the stage quantiles T sums
 * zksettle_risk_time_used_seconds                       the T the scan ranges use
 * zksettle_risk_scan_range{market}                      applied scan range, fraction of the price
 * zksettle_risk_target_scan_range{market}               what latency asks for (before the step)
 * zksettle_risk_margin_multiplier{market}               applied scan / scan at the reference T
 * zksettle_risk_sigma_annual{market}                    σ used (after overrides)
 * zksettle_risk_accounts_at_risk                        accounts the next arrays would make liquidatable
 * zksettle_risk_overrides_active / _audit_entries       overrides in force, audit log length
 * zksettle_risk_stall_seconds                           live stall seconds in T (0: none waits)
 * zksettle_risk_upgrade_multiplier                      scan multiplier of the upgrade windows near or open
 * zksettle_risk_emergency_override                      1 while the named emergency override lifts the step bound
 * ```
 */
import { Gauge, type Registry } from "prom-client";
import type { RiskPlan } from "./plan";
import type { RiskSource } from "./source";

/** The gauges, for tests. */
export interface RiskGauges {
  readonly timeToFinality: Gauge<"quantile">;
  readonly stage: Gauge<"stage" | "quantile">;
  readonly timeUsed: Gauge;
  readonly scan: Gauge<"market">;
  readonly targetScan: Gauge<"market">;
  readonly multiplier: Gauge<"market">;
  readonly sigma: Gauge<"market">;
  readonly atRisk: Gauge;
  readonly overrides: Gauge;
  readonly audit: Gauge;
  readonly stall: Gauge;
  readonly upgrade: Gauge;
  readonly emergency: Gauge;
}

const QUANTILES = ["p50", "p95", "p99"] as const;

/** A gauge read from the last plan at scrape time. */
function planGauge(registers: Registry[], source: Pick<RiskSource, "plan">, name: string, help: string, pick: (p: RiskPlan) => number): Gauge {
  return new Gauge({
    name,
    help,
    registers,
    collect() {
      const p = source.plan();
      if (p !== undefined) this.set(pick(p));
    },
  });
}

/** Registers the gauges on `registry`; they read `source` when scraped. */
export function registerRiskMetrics(registry: Registry, source: Pick<RiskSource, "plan" | "overrides">): RiskGauges {
  const registers = [registry];
  const perMarket = (name: string, help: string, pick: (m: { targetScan: number; appliedScan: number; multiplier: number; sigmaAnnual: number }) => number): Gauge<"market"> =>
    new Gauge({
      name,
      help,
      labelNames: ["market"],
      registers,
      collect() {
        for (const m of source.plan()?.markets ?? []) this.set({ market: String(m.market) }, pick(m));
      },
    });
  return {
    timeToFinality: new Gauge({
      name: "zksettle_risk_time_to_finality_seconds",
      help: "Time to finality T (sum of stage quantiles over the rolling window)",
      labelNames: ["quantile"],
      registers,
      collect() {
        const p = source.plan();
        if (p !== undefined) for (const q of QUANTILES) this.set({ quantile: q }, p.latency[q]);
      },
    }),
    stage: new Gauge({
      name: "zksettle_risk_stage_seconds",
      help: "Latency of each stage to finality, by quantile",
      labelNames: ["stage", "quantile"],
      registers,
      collect() {
        const p = source.plan();
        if (p === undefined) return;
        for (const [stage, v] of Object.entries(p.latency.stages)) for (const q of QUANTILES) this.set({ stage, quantile: q }, v[q]);
      },
    }),
    timeUsed: new Gauge({
      name: "zksettle_risk_time_used_seconds",
      help: "The T the scan ranges are sized by (configured percentile or override)",
      registers,
      collect() {
        const p = source.plan();
        if (p !== undefined) this.set(p.T);
      },
    }),
    scan: perMarket("zksettle_risk_scan_range", "Applied scan range per market, fraction of the price", (m) => m.appliedScan),
    targetScan: perMarket("zksettle_risk_target_scan_range", "Scan range latency asks for per market (floored, before the step bound)", (m) => m.targetScan),
    multiplier: perMarket("zksettle_risk_margin_multiplier", "Applied scan range over the scan range at the reference latency", (m) => m.multiplier),
    sigma: perMarket("zksettle_risk_sigma_annual", "Annualised volatility used per market", (m) => m.sigmaAnnual),
    atRisk: new Gauge({
      name: "zksettle_risk_accounts_at_risk",
      help: "Accounts that meet maintenance now and would not under the next risk arrays",
      registers,
      collect() {
        const p = source.plan();
        if (p !== undefined) this.set(p.atRisk.length);
      },
    }),
    overrides: new Gauge({
      name: "zksettle_risk_overrides_active",
      help: "Operator overrides in force",
      registers,
      collect() {
        this.set(Object.keys(source.overrides().values).length);
      },
    }),
    stall: planGauge(registers, source, "zksettle_risk_stall_seconds", "Seconds of stall the risk loop adds to T as a live sample (0: no batch waits)", (p) => p.horizon.stallSeconds),
    upgrade: planGauge(registers, source, "zksettle_risk_upgrade_multiplier", "Scan multiplier of the network upgrade windows near or open (1: none)", (p) => p.upgrade.multiplier),
    emergency: planGauge(registers, source, "zksettle_risk_emergency_override", "1 while the named emergency override lifts the step bound", (p) => (p.emergency ? 1 : 0)),
    audit: new Gauge({
      name: "zksettle_risk_override_audit_entries",
      help: "Entries in the override audit log",
      registers,
      collect() {
        this.set(source.overrides().log.length);
      },
    }),
  };
}
