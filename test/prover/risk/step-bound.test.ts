import { expect } from "chai";
import fc from "fast-check";
import { MarketKind, type Market, type Risk } from "../../../prover/state/global";
import { defaultMarketTemplates, scanRisk } from "../../../prover/state/genesis";
import { defaultRiskConfig, sigmasOf } from "../../../prover/risk/controls";
import { LatencyWindow, sumStages, type TimeToFinality } from "../../../prover/risk/latency-window";
import { nextRisk, rowScale } from "../../../prover/risk/margin-policy";
import { NO_OVERRIDES, OverrideError, applyOverride, type Overrides } from "../../../prover/risk/overrides";
import { openingRisk, planRisk, underlyingPrices, type PlanInput } from "../../../prover/risk/plan";

const NOW = 1_700_000_000;
const CONFIG = defaultRiskConfig(4);
const MARKETS: readonly Market[] = defaultMarketTemplates(BigInt(NOW + 86_400)).map((t) => t.market);
const S = 16;
const ZERO: Risk = { mmBps: 5000n, penaltyBps: 100n, maxFundingRate: 1_000_000n, pnl: MARKETS.map(() => new Array<bigint>(S).fill(0n)) };

/** T = `seconds` in every quantile (all of it in the confirmations stage). */
function latencyOf(seconds: number): TimeToFinality {
  const q = (x: number) => ({ p50: x, p95: x, p99: x, count: 1 });
  return sumStages({ proving: q(0), submission: q(0), inclusion: q(0), confirmations: q(seconds) });
}

function input(current: Risk, T: number, overrides: Overrides = NO_OVERRIDES, markets: readonly Market[] = MARKETS): PlanInput {
  return { config: CONFIG, overrides, latency: latencyOf(T), markets, underlyingPrice: underlyingPrices(markets), sigmaPerSecond: sigmasOf(CONFIG), now: NOW, scenarios: S, current };
}

const opening = openingRisk(CONFIG, { markets: MARKETS, underlyingPrice: underlyingPrices(MARKETS), sigmaPerSecond: sigmasOf(CONFIG), now: NOW, scenarios: S, mmBps: 5000n });

/** Every row of `next` is within the shipped step bound of `prev` (a zero row: of the floor row). */
function expectWithinStep(prev: Risk, next: Risk, floorScale: readonly bigint[] = prev.pnl.map(() => 0n)): void {
  next.pnl.forEach((row, m) => {
    const before = rowScale(prev.pnl[m]);
    const base = before > 0n ? before : floorScale[m];
    const after = rowScale(row);
    expect(after * 10n <= base * 11n, `market ${m} grew from ${before} to ${after}`).to.equal(true);
    expect(after * 10n >= before * 9n, `market ${m} shrank from ${before} to ${after}`).to.equal(true);
  });
}

const override = (o: Overrides, key: string, value: number | null, when = 1): Overrides => applyOverride(o, { who: "ops", when, key, value, reason: "test" }, MARKETS.length);

describe("prover/risk one step bound", () => {
  it("the policy moves every row by at most 10% per update, up and down, whatever T does", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 86_400, noNaN: true }), { minLength: 1, maxLength: 12 }), (Ts) => {
        let current = opening;
        for (const T of Ts) {
          const next = planRisk(input(current, T)).next;
          expectWithinStep(current, next);
          current = next;
        }
      }),
      { numRuns: 25 },
    );
  });

  it("a zero row grows from the floor row by the bound, not to its target at once", () => {
    const plan = planRisk(input(ZERO, 3600));
    const floor = planRisk(input(ZERO, 0)).target.pnl.map(rowScale);
    plan.next.pnl.forEach((row, m) => {
      expect(rowScale(row) > 0n).to.equal(true);
      expect(rowScale(row) * 10n <= floor[m] * 11n, `market ${m}`).to.equal(true);
      expect(rowScale(row) < rowScale(plan.target.pnl[m])).to.equal(true);
    });
  });

  it("a zero target shrinks the previous row by the bound, keeping its shape", () => {
    const target: Risk = { ...opening, pnl: opening.pnl.map((r, m) => (m === 0 ? r.map(() => 0n) : r)) };
    const next = nextRisk(opening, target, { z: 3, referenceSeconds: 60, maxStepUp: 0.1, maxStepDown: 0.1, floor: 0 });
    expect(rowScale(next.pnl[0])).to.equal((rowScale(opening.pnl[0]) * 9n + 9n) / 10n);
    expect(next.pnl[0].map((x) => x > 0n)).to.deep.equal(opening.pnl[0].map((x) => x > 0n));
  });

  it("overrides move rows within the bound: a scan pinned ×100, z or T pinned to 0", () => {
    const ps = [override(NO_OVERRIDES, "scan.0", 0.5), override(NO_OVERRIDES, "z", 0), override(NO_OVERRIDES, "timeToFinality", 0), override(NO_OVERRIDES, "sigmaAnnual.0", 20)];
    for (const o of ps) expectWithinStep(opening, planRisk(input(opening, 60, o)).next);
  });

  it("refuses a pinned scan of 0 and floors a pinned scan below the floor", () => {
    expect(() => override(NO_OVERRIDES, "scan.0", 0)).to.throw(OverrideError, /scan\.0 = 0: expected fraction of the price in \(0, 1\]/);
    const plan = planRisk(input(opening, 60, override(NO_OVERRIDES, "scan.0", 1e-9)));
    expect(plan.markets[0].targetScan).to.equal(CONFIG.floor);
    expect(plan.markets[0].pinned).to.equal(true);
  });

  it("steps from the genesis arrays too: the 10% placeholder comes down by at most 10% per batch", () => {
    const genesis = scanRisk(MARKETS, S);
    expectWithinStep(genesis, planRisk(input(genesis, 60)).next);
    // a venue opened with openingRisk starts at the policy's arrays for the seed latency
    const seedT = new LatencyWindow(1, CONFIG.seedSeconds).timeToFinality().p99;
    expect(planRisk(input(opening, seedT)).target).to.deep.equal(opening);
  });

  it("a settled market's row drops to zero at once: it carries no risk", () => {
    const settled = MARKETS.map((m, i) => (i === 1 ? { ...m, settled: true } : m));
    expect(planRisk(input(opening, 60, NO_OVERRIDES, settled)).next.pnl[1].every((x) => x === 0n)).to.equal(true);
  });

  it("only the named emergency override lifts the bound, and it is in the audit log and the plan", () => {
    const on = override(NO_OVERRIDES, "emergency", 1);
    const plan = planRisk(input(opening, 3600, on));
    expect(plan.emergency).to.equal(true);
    expect(plan.next.pnl).to.deep.equal(plan.target.pnl);
    expect(on.log[0]).to.include({ key: "emergency", value: 1, who: "ops" });
    expect(() => override(NO_OVERRIDES, "emergency", 2)).to.throw(OverrideError, /emergency = 2/);
    const off = override(on, "emergency", null, 2);
    const after = planRisk(input(opening, 3600, off));
    expect(after.emergency).to.equal(false);
    expectWithinStep(opening, after.next);
  });

  it("keeps the bound for an option row whose mark is far above the model", () => {
    const rich = MARKETS.map((m) => (m.kind === MarketKind.CALL ? { ...m, markPrice: m.markPrice * 10n } : m));
    expectWithinStep(opening, planRisk(input(opening, 60, NO_OVERRIDES, rich)).next);
  });
});
