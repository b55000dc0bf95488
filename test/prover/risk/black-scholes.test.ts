import { expect } from "chai";
import { SECONDS_PER_YEAR, bsCall, bsPut, normCdf, optionPriceUnits, perSecondSigma, roundHalfAway } from "../../../prover/risk/black-scholes";
import { refBs, refNormCdf } from "./helpers";

const YEAR = SECONDS_PER_YEAR;

describe("prover/risk black-scholes", () => {
  it("N(x) matches tabulated values to 1e-14", () => {
    expect(normCdf(0)).to.equal(0.5);
    expect(normCdf(1)).to.be.closeTo(0.8413447460685429, 1e-14);
    expect(normCdf(1.96)).to.be.closeTo(0.9750021048517795, 1e-14);
    expect(normCdf(-3)).to.be.closeTo(0.0013498980316301, 1e-14);
  });

  it("N(x) agrees with Simpson integration of the density over [-9, 9] to 1e-12", () => {
    for (let x = -9; x <= 9; x += 0.173) expect(normCdf(x)).to.be.closeTo(refNormCdf(x), 1e-12, `x = ${x}`);
  });

  it("N(x) is symmetric, monotone, and saturates beyond |x| = 37", () => {
    for (const x of [0.1, 0.5, 2, 5, 7.07, 7.08, 12]) expect(normCdf(x) + normCdf(-x)).to.be.closeTo(1, 1e-15);
    for (let x = -10; x < 10; x += 0.01) expect(normCdf(x + 0.01)).to.be.at.least(normCdf(x));
    expect(normCdf(40)).to.equal(1);
    expect(normCdf(-40)).to.equal(0);
  });

  it("prices the textbook at-the-money case: S = K = 100, r = 0, σ = 20%, 1 year → call = put ≈ 7.9656", () => {
    const i = { spot: 100, strike: 100, sigma: perSecondSigma(0.2), tau: YEAR };
    expect(bsCall(i)).to.be.closeTo(7.9656, 5e-5);
    expect(bsPut(i)).to.be.closeTo(7.9656, 5e-5);
  });

  it("prices Hull's example 15.6: S = 42, K = 40, r = 10%, σ = 20%, 6 months → call 4.76, put 0.81", () => {
    const i = { spot: 42, strike: 40, sigma: perSecondSigma(0.2), tau: YEAR / 2, rate: 0.1 / YEAR };
    expect(bsCall(i)).to.be.closeTo(4.7594, 1e-4);
    expect(bsPut(i)).to.be.closeTo(0.8086, 1e-4);
  });

  it("keeps put–call parity C − P = S − K·e^(−rτ)", () => {
    for (const [S, K, sig, yrs, r] of [[100, 80, 0.5, 0.25, 0.03], [50, 70, 1.2, 2, 0], [1e6, 1.1e6, 0.05, 0.01, 0.01]]) {
      const i = { spot: S, strike: K, sigma: perSecondSigma(sig), tau: yrs * YEAR, rate: r / YEAR };
      expect(bsCall(i) - bsPut(i)).to.be.closeTo(S - K * Math.exp(-r * yrs), 1e-9 * S);
    }
  });

  it("agrees with an independent Black–Scholes on a grid of strikes, vols and expiries", () => {
    for (const K of [60, 90, 100, 110, 150]) {
      for (const sig of [0.1, 0.6, 1.5]) {
        for (const yrs of [1 / 365, 0.1, 1]) {
          const i = { spot: 100, strike: K, sigma: perSecondSigma(sig), tau: yrs * YEAR };
          expect(bsCall(i)).to.be.closeTo(refBs("call", 100, K, sig, yrs), 1e-9);
          expect(bsPut(i)).to.be.closeTo(refBs("put", 100, K, sig, yrs), 1e-9);
        }
      }
    }
  });

  it("gives the intrinsic value at expiry or with zero volatility", () => {
    expect(bsCall({ spot: 120, strike: 100, sigma: 0.001, tau: 0 })).to.equal(20);
    expect(bsPut({ spot: 120, strike: 100, sigma: 0.001, tau: -5 })).to.equal(0);
    expect(bsPut({ spot: 80, strike: 100, sigma: 0, tau: YEAR })).to.equal(20);
  });

  it("refuses a non-positive spot or strike and a negative σ with a RangeError naming it", () => {
    expect(() => bsCall({ spot: 0, strike: 1, sigma: 0.1, tau: 1 })).to.throw(RangeError, /spot/);
    expect(() => bsPut({ spot: 1, strike: -1, sigma: 0.1, tau: 1 })).to.throw(RangeError, /strike/);
    expect(() => bsPut({ spot: 1, strike: 1, sigma: -0.1, tau: 1 })).to.throw(RangeError, /sigma/);
  });

  it("rounds to integer collateral units with halves away from zero", () => {
    expect([roundHalfAway(2.5), roundHalfAway(-2.5), roundHalfAway(2.4999), roundHalfAway(-0.4)]).to.deep.equal([3n, -3n, 2n, 0n]);
    // 100 USDC spot and strike, 6 decimals: 7.965567… USDC
    expect(optionPriceUnits("call", 100_000_000n, 100_000_000n, perSecondSigma(0.2), YEAR)).to.equal(7_965_567n);
  });
});
