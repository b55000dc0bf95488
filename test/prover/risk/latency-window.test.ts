import { expect } from "chai";
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
});
