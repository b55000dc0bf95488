import { expect } from "chai";
import Fastify from "fastify";
import { Registry } from "prom-client";
import { MarketKind, type Market } from "../../../prover/state/global";
import { perSecondSigma } from "../../../prover/risk/black-scholes";
import { RiskConfigError, defaultRiskConfig, parseRiskConfig, policyOf, sigmasOf } from "../../../prover/risk/controls";
import { LatencyWindow } from "../../../prover/risk/latency-window";
import { registerRiskMetrics } from "../../../prover/risk/metrics";
import { NO_OVERRIDES, OverrideError, applyOverride, replayOverrides, type Overrides } from "../../../prover/risk/overrides";
import { planRisk, type RiskPlan } from "../../../prover/risk/plan";
import { riskRoutes } from "../../../prover/api/routes/risk";
import { PriceHistory, ewmaSigma } from "../../../prover/risk/volatility";

const NOW = 1_700_000_000;
const perp = (p: bigint): Market => ({ kind: MarketKind.PERPETUAL, lotSize: 1n, expiry: 0n, strike: 0n, markPrice: p, fundingIndex: 0n, settlementPrice: 0n, settled: false });
const MARKETS = [perp(60_000_000n), perp(30_000_000n)];

function plan(overrides: Overrides = NO_OVERRIDES): RiskPlan {
  const config = defaultRiskConfig(2);
  const w = new LatencyWindow(config.windowSize, config.seedSeconds);
  return planRisk({ config, overrides, latency: w.timeToFinality(), markets: MARKETS, underlyingPrice: [0n, 0n], sigmaPerSecond: sigmasOf(config), now: NOW, scenarios: 4, current: { mmBps: 5000n, penaltyBps: 100n, maxFundingRate: 1_000_000n, pnl: [[0n, 0n, 0n, 0n], [0n, 0n, 0n, 0n]] } });
}

describe("prover/risk controls", () => {
  it("fills every parameter from the defaults and accepts a partial config", () => {
    const c = parseRiskConfig({ z: 2.5, markets: [{ volatility: { mode: "fixed", sigmaAnnual: 0.8 } }, { volatility: { mode: "ewma", lambda: 0.97, minSamples: 10, fallbackAnnual: 0.7, minAnnual: 0.1 }, floor: 0.01 }] }, 2);
    expect(c.z).to.equal(2.5);
    expect(c.windowSize).to.equal(defaultRiskConfig(2).windowSize);
    expect(policyOf(c).floor).to.deep.equal([0.0003, 0.01]);
    expect(sigmasOf(c)[0]).to.be.closeTo(perSecondSigma(0.8), 1e-18);
    expect(sigmasOf(c)[1]).to.be.closeTo(perSecondSigma(0.7), 1e-18); // no prices yet: the fallback
  });

  it("reports every problem of a config at once, each with its path and the expected range", () => {
    try {
      parseRiskConfig({ z: -1, windowSize: 1.5, percentile: "p90", seedSeconds: { mining: 1 }, markets: [{ volatility: { mode: "garch" } }], bogus: 1 }, 2);
      expect.fail("no error");
    } catch (e) {
      expect(e).to.be.instanceOf(RiskConfigError);
      const p = (e as RiskConfigError).problems.join("\n");
      expect(p).to.match(/risk\.z = -1: expected a number in \[0, 20\]/);
      expect(p).to.match(/risk\.windowSize = 1\.5: expected an integer/);
      expect(p).to.match(/risk\.percentile = "p90"/);
      expect(p).to.match(/risk\.seedSeconds\.mining: unknown stage/);
      expect(p).to.match(/risk\.markets: expected an array of 2 entries/);
      expect(p).to.match(/risk\.bogus: unknown key/);
    }
    expect(() => parseRiskConfig({ markets: [{ volatility: { mode: "garch" } }] }, 1)).to.throw(RiskConfigError, /risk\.markets\[0\]\.volatility\.mode = "garch"/);
  });

  it("estimates σ per √s by EWMA of squared log returns over elapsed time", () => {
    const h = new PriceHistory(1, 100);
    // alternating ±1% every 10 s: r² / Δt = 1e-4 / 10 per second
    for (let i = 0; i < 50; i++) h.push(NOW + 10 * i, [i % 2 === 0 ? 100 : 101]);
    const s = ewmaSigma(h.points(0), { lambda: 0.9, minSamples: 5, fallback: 1, minSigma: 0 });
    expect(s).to.be.closeTo(Math.log(1.01) / Math.sqrt(10), 1e-9);
    expect(ewmaSigma(h.points(0).slice(0, 3), { lambda: 0.9, minSamples: 5, fallback: 0.5, minSigma: 0 })).to.equal(0.5);
    expect(ewmaSigma(h.points(0), { lambda: 0.9, minSamples: 5, fallback: 1, minSigma: 0.1 })).to.equal(0.1);
  });

  it("keeps an append-only audit log of overrides: who, when, what, previous value, why", () => {
    let o = applyOverride(NO_OVERRIDES, { who: "alice", when: 1000, key: "z", value: 4, reason: "volatile open" }, 2);
    o = applyOverride(o, { who: "bob", when: 2000, key: "z", value: 3.5, reason: "calmer" }, 2);
    o = applyOverride(o, { who: "bob", when: 3000, key: "z", value: null, reason: "back to config" }, 2);
    expect(o.values).to.deep.equal({});
    expect(o.log.map((e) => [e.seq, e.who, e.previous, e.value])).to.deep.equal([[1, "alice", null, 4], [2, "bob", 4, 3.5], [3, "bob", 3.5, null]]);
    expect(Object.isFrozen(o.log)).to.equal(true);
    expect(replayOverrides(o.log, 2)).to.deep.equal(o);
    expect(() => applyOverride(o, { who: "eve", when: 10, key: "z", value: 1, reason: "x" }, 2)).to.throw(OverrideError, /append-only/);
    expect(() => applyOverride(o, { who: "eve", when: 5000, key: "scan.2", value: 0.1, reason: "x" }, 2)).to.throw(OverrideError, /outside 0\.\.1/);
    expect(() => applyOverride(o, { who: "", when: 5000, key: "z", value: 1, reason: "x" }, 2)).to.throw(OverrideError, /who is empty/);
    expect(() => applyOverride(o, { who: "eve", when: 5000, key: "z", value: 99, reason: "x" }, 2)).to.throw(OverrideError, /\[0, 20\]/);
  });

  it("an overridden scan range pins the target and still moves by the bounded step", () => {
    const first = plan();
    const o = applyOverride(NO_OVERRIDES, { who: "alice", when: 1, key: "scan.0", value: 0.5, reason: "halt-risk" }, 2);
    const config = defaultRiskConfig(2);
    const p = planRisk({ config, overrides: o, latency: first.latency, markets: MARKETS, underlyingPrice: [0n, 0n], sigmaPerSecond: sigmasOf(config), now: NOW, scenarios: 4, current: first.next });
    expect(p.markets[0]).to.include({ targetScan: 0.5, pinned: true });
    expect(p.markets[0].appliedScan).to.be.closeTo(first.markets[0].appliedScan * 1.1, 1e-6);
    expect(p.markets[1].pinned).to.equal(false);
  });

  it("serves T, scan range and multiplier per market, the at-risk list and overrides over HTTP, and as metrics", async () => {
    let overrides = NO_OVERRIDES;
    let current: RiskPlan | undefined;
    const source = {
      plan: () => current,
      overrides: () => overrides,
      setOverride: (c: Parameters<typeof applyOverride>[1]) => (overrides = applyOverride(overrides, c, 2)),
      now: () => 42,
    };
    const app = Fastify();
    await app.register(riskRoutes(source));
    try {
      expect((await app.inject({ method: "GET", url: "/v1/risk" })).statusCode).to.equal(503);
      current = plan();
      const r = await app.inject({ method: "GET", url: "/v1/risk" });
      const body = r.json() as { T: number; markets: { appliedScan: number; multiplier: number }[] };
      expect(r.statusCode).to.equal(200);
      expect(body.T).to.equal(current.T);
      expect(body.markets).to.have.length(2);
      expect(body.markets[0].multiplier).to.be.closeTo(current.markets[0].multiplier, 1e-12);
      expect((await app.inject({ method: "GET", url: "/v1/risk/at-risk" })).json()).to.deep.equal({ accounts: [] });
      const set = await app.inject({ method: "POST", url: "/v1/risk/overrides", headers: { "x-api-key": "k1" }, payload: { key: "timeToFinality", value: 120, reason: "chain incident", operator: "alice" } });
      expect(set.statusCode).to.equal(200);
      expect(set.json().log[0]).to.include({ seq: 1, when: 42, key: "timeToFinality", previous: null, value: 120, reason: "chain incident" });
      expect(set.json().log[0].who).to.match(/^alice \(key [0-9a-f]{12}\)$/);
      const bad = await app.inject({ method: "POST", url: "/v1/risk/overrides", payload: { key: "sigma.9", value: 1, reason: "x" } });
      expect(bad.statusCode).to.equal(400);
      expect(bad.json().code).to.equal("PRV_ERR_BAD_VALUE");

      const registry = new Registry();
      registerRiskMetrics(registry, source);
      const text = await registry.metrics();
      expect(text).to.match(/zksettle_risk_time_to_finality_seconds\{quantile="p99"\} \d/);
      expect(text).to.match(/zksettle_risk_scan_range\{market="1"\} 0\.\d+/);
      expect(text).to.match(/zksettle_risk_margin_multiplier\{market="0"\} \d/);
      expect(text).to.match(/zksettle_risk_overrides_active 1/);
      expect(text).to.match(/zksettle_risk_override_audit_entries 1/);
    } finally {
      await app.close();
    }
  });
});
