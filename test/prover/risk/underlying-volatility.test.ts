import { expect } from "chai";
import { SECONDS_PER_YEAR, optionPriceUnits, perSecondSigma } from "../../../prover/risk/black-scholes";
import { parseRiskConfig, sigmasOf } from "../../../prover/risk/controls";
import { underlyingIndices } from "../../../prover/risk/plan";
import { PriceHistory } from "../../../prover/risk/volatility";
import { defaultMarketTemplates } from "../../../prover/state/genesis";

/** A seeded PRNG (mulberry32) and Box–Muller normals: the same path in every run. */
function normals(seed: number): () => number {
  let a = seed >>> 0;
  const u = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

describe("prover/risk volatility from the underlying", () => {
  it("estimates an option's σ from its underlying's prices, not from its premium", () => {
    const markets = defaultMarketTemplates(86_400n).map((t) => t.market);
    const ewma = { mode: "ewma", lambda: 0.97, minSamples: 20, fallbackAnnual: 0.6, minAnnual: 0.01 } as const;
    const config = parseRiskConfig({ markets: markets.map(() => ({ volatility: ewma })) }, markets.length);
    const history = new PriceHistory(markets.length, 500);
    const sigma = perSecondSigma(0.6);
    const z = normals(7);
    let spot = 60e6;
    for (let t = 0; t < 400; t++) {
      const tau = 86_400 - t * 12;
      const s = BigInt(Math.round(spot));
      history.push(t * 12, [s, s, optionPriceUnits("call", s, 60_000_000n, sigma, tau), optionPriceUnits("put", s, 60_000_000n, sigma, tau)]);
      spot *= Math.exp(sigma * Math.sqrt(12) * z() - (sigma * sigma * 12) / 2);
    }
    const annual = (x: number): number => x * Math.sqrt(SECONDS_PER_YEAR);
    const own = sigmasOf(config, history).map(annual);
    const fromUnderlying = sigmasOf(config, history, underlyingIndices(markets)).map(annual);
    // the premium's own returns are many times the underlying's
    expect(own[2]).to.be.greaterThan(3);
    for (const s of fromUnderlying) expect(s).to.be.within(0.45, 0.75);
    expect(fromUnderlying[2]).to.equal(fromUnderlying[0]);
  });
});
