import { expect } from "chai";
import fc from "fast-check";
import { defaultRiskConfig, parseRiskConfig, RiskConfigError } from "../../../prover/risk/controls";
import { horizon, stallSeconds } from "../../../prover/risk/horizon";
import { LatencyWindow, LATENCY_STAGES } from "../../../prover/risk/latency-window";
import { NO_UPGRADE, upgradeEffect } from "../../../prover/risk/upgrades";

const C = defaultRiskConfig(4);

describe("prover/risk horizon: stalls, reorgs and upgrade windows in T", () => {
  it("a long window's p99 ignores ten one-hour stalls in a thousand batches; the short window reacts within one batch", () => {
    const long = new LatencyWindow(C.windowSize);
    const both = new LatencyWindow(C.windowSize, {}, C.shortWindowSize);
    const record = (s: number): void => {
      for (const w of [long, both]) w.record("confirmations", s);
    };
    for (let i = 0; i < 990; i++) record(12);
    record(3600);
    // one stall: the short window reacts at once, the long window's p99 does not
    expect(long.stage("confirmations").p99).to.equal(12);
    expect(both.stage("confirmations").p99).to.equal(3600);
    for (let i = 0; i < 9; i++) record(3600);
    // ten one-hour stalls in a thousand batches: the long window's p99 still ignores them
    expect(long.stage("confirmations").p99).to.equal(12);
    for (let i = 0; i < C.shortWindowSize; i++) record(12);
    // the short window forgets them after shortWindowSize batches
    expect(both.stage("confirmations").p99).to.equal(12);
    expect(both.stage("confirmations").p50).to.equal(12);
  });

  it("the short window's max is exact over the last n samples, whatever the ring's position", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 25 }), (xs, n) => {
        const w = new LatencyWindow(25, {}, n);
        for (const x of xs) w.record("proving", x);
        const last = xs.slice(-n);
        const inWindow = xs.slice(-25).sort((a, b) => a - b);
        const p99 = inWindow[Math.ceil(0.99 * inWindow.length) - 1];
        expect(w.stage("proving").p99).to.equal(Math.max(p99, ...last));
      }),
    );
  });

  it("a stall is the age of the oldest waiting batch or the time without a final batch, and nothing while none waits", () => {
    expect(stallSeconds({ nowMs: 100_000 })).to.equal(0);
    expect(stallSeconds({ nowMs: 100_000, oldestWaitingSinceMs: 40_000, lastFinalMs: 90_000, waitingSinceMs: 40_000 })).to.equal(60);
    // batches wait since 50 s; the last final one was at 20 s: the 50 s of waiting count, not the idle time before
    expect(stallSeconds({ nowMs: 100_000, oldestWaitingSinceMs: 95_000, lastFinalMs: 20_000, waitingSinceMs: 50_000 })).to.equal(50);
  });

  it("T is the window's quantile plus reorgs, raised to a stall or an upgrade's latency, unless pinned", () => {
    const latency = new LatencyWindow(1, { proving: 10, submission: 1, inclusion: 12, confirmations: 24 }).timeToFinality();
    expect(horizon({ latency, percentile: "p99" })).to.include({ T: 47, source: "window" });
    expect(horizon({ latency, percentile: "p99", reorgSeconds: 24 })).to.include({ T: 71, source: "window" });
    expect(horizon({ latency, percentile: "p99", stallSeconds: 300 })).to.include({ T: 300, source: "stall" });
    expect(horizon({ latency, percentile: "p99", stallSeconds: 30 })).to.include({ T: 47, source: "window" });
    expect(horizon({ latency, percentile: "p99", upgradeSeconds: 900, stallSeconds: 300 })).to.include({ T: 900, source: "upgrade" });
    expect(horizon({ latency, percentile: "p99", stallSeconds: 300, override: 5 })).to.include({ T: 5, source: "override" });
    expect(() => horizon({ latency, percentile: "p99", stallSeconds: -1 })).to.throw(RangeError, /stallSeconds/);
  });

  it("an upgrade window raises margin from its lead time until it closes, by time or by block height", () => {
    const w = [
      { name: "fork-a", fromTime: 10_000, toTime: 12_000, leadSeconds: 3600, marginMultiplier: 1.5, latencySeconds: 600 },
      { name: "fork-b", fromBlock: 1000, toBlock: 1010, leadSeconds: 120, marginMultiplier: 2 },
    ];
    expect(upgradeEffect(w, { nowSeconds: 6_000 })).to.deep.equal(NO_UPGRADE);
    expect(upgradeEffect(w, { nowSeconds: 6_400 })).to.deep.equal({ multiplier: 1.5, latencySeconds: 600, windows: [{ name: "fork-a", phase: "ahead" }] });
    expect(upgradeEffect(w, { nowSeconds: 11_000 }).windows).to.deep.equal([{ name: "fork-a", phase: "open" }]);
    expect(upgradeEffect(w, { nowSeconds: 12_001 })).to.deep.equal(NO_UPGRADE);
    expect(upgradeEffect(w, { nowSeconds: 0, head: 989, secondsPerBlock: 12 })).to.deep.equal(NO_UPGRADE);
    expect(upgradeEffect(w, { nowSeconds: 0, head: 990, secondsPerBlock: 12 })).to.deep.include({ multiplier: 2, latencySeconds: 0 });
    expect(upgradeEffect(w, { nowSeconds: 11_000, head: 1005 })).to.deep.include({ multiplier: 2, latencySeconds: 600 });
  });

  it("checks the upgrade windows and the window sizes of the config, naming each problem", () => {
    const bad = () => parseRiskConfig({ windowSize: 10, shortWindowSize: 11, upgrades: [{ name: "", fromTime: 5, toBlock: 9, marginMultiplier: 0.5 }, { name: "x" }] }, 4);
    expect(bad).to.throw(RiskConfigError);
    try {
      bad();
    } catch (e) {
      const p = (e as RiskConfigError).problems.join("\n");
      for (const needle of ["risk.shortWindowSize = 11", "risk.upgrades[0].name", "risk.upgrades[0].marginMultiplier = 0.5", "risk.upgrades[0]: from and to", "risk.upgrades[1]: give exactly one of fromTime or fromBlock"]) expect(p).to.include(needle);
    }
    expect(parseRiskConfig({ windowSize: 5 }, 4).shortWindowSize).to.equal(5);
    expect(LATENCY_STAGES.length).to.equal(4);
  });
});
