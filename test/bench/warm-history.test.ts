/**
 * bench/report/warm-history.ts: the latency window's history that bench/latency.ts
 * draws from its warm-up. Same inputs, same history; a log-normal's draws are positive;
 * constant samples give that constant; the draws' median and spread follow the fit.
 */
import { expect } from "chai";
import fc from "fast-check";
import { logNormalHistory } from "../../bench/report/warm-history";

const seconds = fc.double({ min: 0.01, max: 100, noNaN: true });

describe("bench latency: warm-up history", () => {
  it("is the same for the same samples and seed, n positive draws", () => {
    fc.assert(
      fc.property(fc.array(seconds, { minLength: 2, maxLength: 10 }), fc.integer({ min: 1, max: 40 }), fc.integer(), (samples, n, seed) => {
        const h = logNormalHistory(samples, n, seed);
        expect(h).to.have.length(n);
        expect(h.every((x) => x > 0 && Number.isFinite(x))).to.equal(true);
        expect(logNormalHistory(samples, n, seed)).to.deep.equal(h);
      }),
    );
  });

  it("gives back constant samples unchanged", () => {
    fc.assert(fc.property(seconds, fc.integer(), (x, seed) => logNormalHistory([x, x, x], 50, seed).every((y) => Math.abs(y / x - 1) < 1e-9)));
  });

  it("puts the median at the samples' geometric mean and its p99 beyond their largest", () => {
    const samples = [10, 11, 12, 13, 14];
    const h = logNormalHistory(samples, 20_000, 7).sort((a, b) => a - b);
    const geo = Math.exp(samples.reduce((a, b) => a + Math.log(b), 0) / samples.length);
    expect(h[10_000] / geo).to.be.within(0.98, 1.02);
    expect(h[19_800]).to.be.greaterThan(14);
  });

  it("refuses fewer than two samples and negative ones", () => {
    expect(() => logNormalHistory([1], 5, 0)).to.throw(RangeError);
    expect(() => logNormalHistory([1, -1], 5, 0)).to.throw(RangeError);
  });
});
