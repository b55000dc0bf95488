/**
 * The demo's closing lines (issue 14, item 9): the sample portfolio's margin under the
 * arrays in force, and under the arrays the risk loop would plan from the latency the
 * demo's own batches measured, with the T that sized them. The demo proves its batches
 * directly (no service), so the arrays in force stay the genesis placeholder; the plan
 * shows what the service's risk loop would publish instead.
 */
import { samplePortfolio, SAMPLE_PORTFOLIO } from "../../prover/dev/sample-portfolio";
import { defaultRiskConfig, sigmasOf } from "../../prover/risk/controls";
import { LatencyWindow, recordSample } from "../../prover/risk/latency-window";
import { NO_OVERRIDES } from "../../prover/risk/overrides";
import { planRisk, underlyingPrices } from "../../prover/risk/plan";
import { initialMargin } from "../../prover/state/margin";
import type { State } from "../../prover/state/state";
import type { DemoBatch } from "./demo-flow";

const usdc = (x: bigint): string => `${(Number(x) / 1e6).toFixed(2)} USDC`;

/** The lines to print after the demo's batches. */
export function demoMarginLines(state: State, batches: readonly DemoBatch[]): string[] {
  const config = defaultRiskConfig(state.params.markets);
  const window = new LatencyWindow(config.windowSize, config.seedSeconds, config.shortWindowSize);
  for (const b of batches) {
    const t = b.timingsMs;
    // hardhat mines on receipt and its finalized tag is its head: inclusion and finality are in `submit`
    recordSample(window, { proving: (t.witness + t.prove + t.verify) / 1000, submission: t.submit / 1000, inclusion: 0, confirmations: 0 });
  }
  const markets = state.global.markets;
  const plan = planRisk({
    config,
    overrides: NO_OVERRIDES,
    latency: window.timeToFinality(),
    markets,
    underlyingPrice: underlyingPrices(markets),
    sigmaPerSecond: sigmasOf(config),
    now: Number(state.global.oracleTimestamp),
    scenarios: state.params.scenarios,
    current: state.global.risk,
  });
  const account = samplePortfolio(state.params.positionSlots);
  const s = plan.latency.stages;
  return [
    `Margin follows latency. Sample portfolio: ${SAMPLE_PORTFOLIO}.`,
    `  arrays in force (the genesis placeholder, a 10% scan not sized by any T): initial margin ${usdc(initialMargin(account, state.global.risk))}`,
    `  T = ${plan.T.toFixed(1)} s (${plan.percentile} of these ${batches.length} batches: proving ${s.proving.p99.toFixed(1)} s + submit→receipt ${s.submission.p99.toFixed(1)} s; set by the ${plan.horizon.source})`,
    `  arrays the risk loop plans at that T (z ${plan.z}, σ 60%, scan ${(plan.markets[0].targetScan * 100).toFixed(3)}%): initial margin ${usdc(initialMargin(account, plan.target))}`,
    `  the next header's arrays, within the ±${config.maxStepUp * 100}% step bound from those in force: ${usdc(initialMargin(account, plan.next))}`,
  ];
}
