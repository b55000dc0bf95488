/**
 * The experiment shape (bench/report/experiment.ts) of a live run of bench/latency.ts,
 * which fig-margin-live draws: its parameters, from the shipped risk config, and the
 * summary of its steps.
 */
import { CI_PARAMS } from "../../prover/dev/fixtures";
import { SAMPLE_PORTFOLIO } from "../../prover/dev/sample-portfolio";
import type { RiskConfig } from "../../prover/risk/controls";
import { summarize, type ExperimentResult, type ExperimentStep, type Injection } from "./experiment";

/** The report's experiment shape (fig-margin-live) of a live run. */
export function liveExperimentResult(cfg: RiskConfig, run: { readonly steps: readonly ExperimentStep[]; readonly injections: readonly Injection[]; readonly rowsOk: boolean; readonly blockIntervalS: number }): ExperimentResult {
  const { steps, injections, rowsOk } = run;
  return {
    parameters: {
      params: "ci",
      markets: CI_PARAMS.markets,
      marketNames: ["BTC-PERP", "BTC-FUT", "BTC-CALL", "BTC-PUT"].slice(0, CI_PARAMS.markets),
      scenarios: CI_PARAMS.scenarios,
      steps: steps.length,
      windowSize: cfg.windowSize,
      percentile: cfg.percentile,
      z: cfg.z,
      sigmaAnnual: cfg.markets.map((m) => (m.volatility.mode === "fixed" ? m.volatility.sigmaAnnual : NaN)),
      floor: cfg.floor,
      maxStepUp: cfg.maxStepUp,
      maxStepDown: cfg.maxStepDown,
      referenceSeconds: cfg.referenceSeconds,
      baseline: { blockIntervalS: run.blockIntervalS, provingS: NaN, submissionS: NaN },
      confirmations: cfg.confirmations,
      injections,
      portfolio: SAMPLE_PORTFOLIO,
      start: `genesis riskPnl = openingRisk (the shipped defaults' arrays at the seed latency); warm-up batches, then a window history of ${cfg.windowSize} batches drawn from a log-normal fitted to the warm-up's stage times, then baseline batches until margin reached its target`,
      seed: 20261203,
    },
    steps,
    summary: summarize(steps, { injections }, cfg, rowsOk),
  };
}
