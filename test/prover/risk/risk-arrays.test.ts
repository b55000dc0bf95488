import { expect } from "chai";
import { MarketKind, type Market } from "../../../prover/state/global";
import { SECONDS_PER_YEAR, perSecondSigma } from "../../../prover/risk/black-scholes";
import { PNL_BOUND, riskArrays, scanFraction, type RiskArraysInput } from "../../../prover/risk/risk-arrays";
import { scenarios } from "../../../prover/risk/scenarios";
import { refBs } from "./helpers";

const NOW = 1_700_000_000;
const mkt = (kind: MarketKind, markPrice: bigint, strike = 0n, expiry = 0n): Market => ({
  kind, lotSize: 1n, expiry, strike, markPrice, fundingIndex: 0n, settlementPrice: 0n, settled: false,
});
/** Independent rounding: halves away from zero, through strings, not Math.floor. */
const round = (x: number): bigint => BigInt(Math.sign(x) * Math.round(Math.abs(x)));

describe("prover/risk risk arrays", () => {
  it("orders the scenarios ±1 (vol up), ±1 (vol down), 0, ±2/3, ±1/3, then SPAN's extremes ±3 at 35%", () => {
    const s = scenarios(16);
    expect(s.slice(0, 4).map((x) => [x.move, x.volDir])).to.deep.equal([[1, 1], [-1, 1], [1, -1], [-1, -1]]);
    expect(s[14]).to.deep.equal({ move: 3, volDir: 0, cover: 0.35 });
    expect(s[15]).to.deep.equal({ move: -3, volDir: 0, cover: 0.35 });
    expect(() => scenarios(17)).to.throw(RangeError, /1\.\.16/);
  });

  it("computes a single perpetual as round(price · move · z·σ·√T · cover), independently", () => {
    const price = 60_000_000n; // 60 USDC per lot
    const sigma = perSecondSigma(0.8);
    const T = 120;
    const z = 3;
    const risk = riskArrays({ markets: [mkt(MarketKind.PERPETUAL, price)], underlyingPrice: [price], sigmaPerSecond: [sigma], T, z, now: NOW, scenarios: 16, mmBps: 5000n });
    const scan = (z * 0.8 * Math.sqrt(T)) / Math.sqrt(365 * 24 * 3600);
    const expected = scenarios(16).map((s) => round(60_000_000 * s.move * scan * s.cover));
    expect(risk.pnl[0]).to.deep.equal(expected);
    expect(risk.mmBps).to.equal(5000n);
    // the full up move: about 60 USDC · 3 · 0.8 · √(120 / 31,536,000) ≈ 0.2809 USDC
    expect(Number(risk.pnl[0][0])).to.be.closeTo(280_900, 100);
    expect(risk.pnl[0][1]).to.equal(-risk.pnl[0][0]);
  });

  it("prices a call and a put: pnl = BS(S·(1 + move·scan), K, σ·(1 ± shift), τ) − BS(S, K, σ, τ), against an independent BS", () => {
    const spot = 100_000_000n;
    const strike = 100_000_000n;
    const expiry = BigInt(NOW + SECONDS_PER_YEAR);
    const premium = 7_965_567n; // BS at σ 20%, 1 year
    const T = 3600;
    const z = 3;
    const input: RiskArraysInput = {
      markets: [mkt(MarketKind.CALL, premium, strike, expiry), mkt(MarketKind.PUT, premium, strike, expiry)],
      underlyingPrice: [spot, spot],
      sigmaPerSecond: [perSecondSigma(0.2), perSecondSigma(0.2)],
      T, z, now: NOW, scenarios: 16, mmBps: 5000n, volShift: 0.1,
    };
    const risk = riskArrays(input);
    const scan = z * 0.2 * Math.sqrt(T / SECONDS_PER_YEAR);
    // the mark is the model value (to a unit), so the mark–model gap plays no part here
    const years = 1;
    scenarios(16).forEach((s, i) => {
      const S = 100e6 * (1 + s.move * scan);
      const vol = 0.2 * (1 + 0.1 * s.volDir);
      const call = s.cover * (refBs("call", S, 100e6, vol, years) - refBs("call", 100e6, 100e6, 0.2, years));
      const put = s.cover * (refBs("put", S, 100e6, vol, years) - refBs("put", 100e6, 100e6, 0.2, years));
      // a float rounding difference can flip one half: ±1 unit
      expect(Number(risk.pnl[0][i] - round(call))).to.be.within(-1, 1, `call scenario ${i}`);
      expect(Number(risk.pnl[1][i] - round(put))).to.be.within(-1, 1, `put scenario ${i}`);
    });
    // without a vol shift (the extreme moves) a long call gains when the price rises, a long put when it falls
    expect(risk.pnl[0][14] > 0n && risk.pnl[0][15] < 0n).to.equal(true);
    expect(risk.pnl[1][14] < 0n && risk.pnl[1][15] > 0n).to.equal(true);
    // a fixed 10% vol shift outweighs an hour's price move: both long options gain at "+1, vol up"
    expect(risk.pnl[0][0] > 0n && risk.pnl[1][0] > 0n).to.equal(true);
  });

  it("loses at most the premium on a long option, whatever the scan range", () => {
    const premium = 2_000_000n;
    const risk = riskArrays({
      markets: [mkt(MarketKind.CALL, premium, 100_000_000n, BigInt(NOW + 86_400))],
      underlyingPrice: [100_000_000n], sigmaPerSecond: [perSecondSigma(3)], T: 86_400 * 10, z: 5, now: NOW, scenarios: 16, mmBps: 5000n,
    });
    for (const x of risk.pnl[0]) expect(x >= -premium).to.equal(true);
  });

  it("gives zeros for a settled market and takes a given scan range over z·σ·√T", () => {
    const settled = { ...mkt(MarketKind.FUTURE, 10_000_000n, 0n, BigInt(NOW)), settled: true };
    const risk = riskArrays({ markets: [settled, mkt(MarketKind.FUTURE, 10_000_000n)], underlyingPrice: [0n, 0n], sigmaPerSecond: [0.01, 0.01], T: 60, z: 3, now: NOW, scenarios: 4, mmBps: 5000n, scan: [0.5, 0.1] });
    expect(risk.pnl[0]).to.deep.equal([0n, 0n, 0n, 0n]);
    expect(risk.pnl[1]).to.deep.equal([1_000_000n, -1_000_000n, 1_000_000n, -1_000_000n]);
  });

  it("never moves a linear price below zero: the extreme down move loses at most the price", () => {
    const risk = riskArrays({ markets: [mkt(MarketKind.PERPETUAL, 1_000n)], underlyingPrice: [1_000n], sigmaPerSecond: [1], T: 1, z: 1, now: NOW, scenarios: 16, mmBps: 5000n, scan: [0.9] });
    expect(risk.pnl[0][15]).to.equal(round(-1000 * 0.35));
  });

  it("refuses inconsistent inputs and entries beyond |pnl| < 2^62 with a RangeError naming them", () => {
    const base = { underlyingPrice: [1n], sigmaPerSecond: [0.001], T: 1, z: 1, now: NOW, scenarios: 2, mmBps: 5000n };
    expect(() => riskArrays({ ...base, markets: [] })).to.throw(RangeError, /no markets/);
    expect(() => riskArrays({ ...base, markets: [mkt(0, 1n), mkt(0, 1n)] })).to.throw(RangeError, /underlyingPrice has 1 entries for 2 markets/);
    expect(() => riskArrays({ ...base, markets: [mkt(0, 1n)], mmBps: 10001n })).to.throw(RangeError, /mmBps/);
    expect(() => riskArrays({ ...base, markets: [mkt(MarketKind.CALL, 1n, 0n, 0n)] })).to.throw(RangeError, /strike/);
    expect(() => riskArrays({ ...base, markets: [mkt(0, PNL_BOUND)], scan: [1] })).to.throw(RangeError, /2\^62/);
    expect(() => scanFraction(3, -1, 1)).to.throw(RangeError, /σ/);
  });
});
