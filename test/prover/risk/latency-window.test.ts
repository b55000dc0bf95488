import { expect } from "chai";
import fc from "fast-check";
import { defaultRiskConfig } from "../../../prover/risk/controls";
import { LatencyWindow, chainSample, jobSample, quantileOfSorted, quantiles, recordSample } from "../../../prover/risk/latency-window";

describe("prover/risk latency window", () => {
  it("takes exact nearest-rank quantiles x_(⌈q·n⌉) of the window", () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100 in reverse
    expect(quantiles(xs)).to.deep.equal({ p50: 50, p95: 95, p99: 99, count: 100 });
    expect(quantileOfSorted([7], 0.99)).to.equal(7);
    expect(quantileOfSorted([], 0.5)).to.equal(0);
    expect(() => quantileOfSorted([1], 0)).to.throw(RangeError);
  });

  it("keeps only the last `size` samples per stage", () => {
    const w = new LatencyWindow(10);
    for (let i = 1; i <= 25; i++) w.record("proving", i);
    expect([...w.samples("proving")].sort((a, b) => a - b)).to.deep.equal([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    expect(w.stage("proving")).to.deep.equal({ p50: 20, p95: 25, p99: 25, count: 10 });
  });

  it("reports T_q as the sum of the stage q-quantiles, seeds standing in for stages with no sample", () => {
    const w = new LatencyWindow(100, { inclusion: 12, confirmations: 36 });
    for (let i = 1; i <= 100; i++) {
      w.record("proving", i / 10);
      w.record("submission", 1);
    }
    const t = w.timeToFinality();
    expect(t.p50).to.be.closeTo(5 + 1 + 12 + 36, 1e-12);
    expect(t.p99).to.be.closeTo(9.9 + 1 + 12 + 36, 1e-12);
    expect(t.stages.inclusion.count).to.equal(0);
  });

  it("refuses negative or non-finite samples, unknown stages and an unbounded window", () => {
    const w = new LatencyWindow(5);
    expect(() => w.record("proving", -1)).to.throw(RangeError, /proving/);
    expect(() => w.record("proving", Number.NaN)).to.throw(RangeError);
    expect(() => w.record("mining" as "proving", 1)).to.throw(RangeError, /unknown latency stage/);
    expect(() => new LatencyWindow(0)).to.throw(RangeError);
    expect(() => new LatencyWindow(1e9)).to.throw(RangeError, /100000/);
  });

  it("folds the service's job stages and the submitter's timestamps into latency stages", () => {
    expect(jobSample({ queued: 500, witness: 1500, proving: 7000, verifying: 1000, submitting: 30_000 })).to.deep.equal({ proving: 9.5 });
    expect(jobSample({ proving: 2000, submitting: 4000 }, { includeSubmitting: true })).to.deep.equal({ proving: 2, submission: 4 });
    const c = chainSample({ proofReadyMs: 0, sentMs: 500, includedMs: 12_500, finalMs: 36_500 });
    expect(c).to.deep.equal({ submission: 0.5, inclusion: 12, confirmations: 24 });
    expect(() => chainSample({ proofReadyMs: 5, sentMs: 1, includedMs: 2, finalMs: 3 })).to.throw(RangeError, /out of order/);
    const w = new LatencyWindow(3);
    recordSample(w, c);
    expect(w.stage("inclusion").p99).to.equal(12);
  });

  describe("the shipped long window forgets a few slow batches (issue 14: back within 2% after a condition)", () => {
    /** A steady prover: `n` log-normal proof times (median 5 s, log-sd σ) from a seeded generator (mulberry32). */
    function steady(n: number, sigma: number, seed: number): number[] {
      let a = seed >>> 0;
      const uniform = (): number => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 2 ** 32;
      };
      return Array.from({ length: n }, () => 5 * Math.exp(sigma * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform())));
    }

    /**
     * The long window's own p99 (the short window passed) after `slow` batches at 3× the
     * median and 20 ordinary ones, relative to its p99 before them.
     */
    function shiftAfter(size: number, sigma: number, seed: number, slow: number): number {
      const w = new LatencyWindow(size);
      const history = steady(size + 20, sigma, seed);
      for (const t of history.slice(0, size)) w.record("proving", t);
      const before = w.stage("proving").p99;
      for (let k = 0; k < slow; k++) w.record("proving", 15);
      for (const t of history.slice(size)) w.record("proving", t);
      return w.stage("proving").p99 / before - 1;
    }

    it("moves p99 by under 2% for up to five slow batches, at the shipped size, over random histories", function () {
      this.timeout(60_000);
      const size = defaultRiskConfig(1).windowSize;
      expect(size).to.equal(10_000);
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.double({ min: 0.05, max: 0.4, noNaN: true }), fc.integer({ min: 1, max: 5 }), (seed, sigma, slow) => {
          const shift = shiftAfter(size, sigma, seed, slow);
          // up: the slow batches push p99 a few ranks; down: the oldest samples fell out
          expect(Math.abs(shift), `σ ${sigma}, ${slow} slow, seed ${seed}`).to.be.below(0.02);
        }),
        { numRuns: 40 },
      );
    });

    it("a 1,000-batch window (the former default) rests on its 10 largest: five slow batches move it several times further", () => {
      // the reason for the default (docs/decisions.md, "Latency window"): the same histories, a tenth of the size
      const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
      const mean = (size: number): number => seeds.map((seed) => shiftAfter(size, 0.4, seed, 5)).reduce((a, b) => a + b, 0) / seeds.length;
      const former = mean(1000);
      const shipped = mean(10_000);
      expect(former).to.be.above(0.05);
      expect(shipped).to.be.below(0.02);
      expect(former).to.be.above(5 * shipped);
    });
  });
});
