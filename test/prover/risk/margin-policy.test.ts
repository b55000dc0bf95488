import { expect } from "chai";
import fc from "fast-check";
import { emptyAccount, type Account } from "../../../prover/state/account";
import { MarketKind, type Market, type Risk } from "../../../prover/state/global";
import { equity, maintenanceMargin, requirement } from "../../../prover/state/margin";
import { SECONDS_PER_YEAR, optionPriceUnits, perSecondSigma } from "../../../prover/risk/black-scholes";
import { defaultRiskConfig, sigmasOf } from "../../../prover/risk/controls";
import { LatencyWindow } from "../../../prover/risk/latency-window";
import { atRiskAccounts, latencyMultiplier, nextRisk, rowScale, shouldPublish, targetScan, type MarginPolicy } from "../../../prover/risk/margin-policy";
import { NO_OVERRIDES } from "../../../prover/risk/overrides";
import { planRisk, targetArrays } from "../../../prover/risk/plan";
import { riskArrays } from "../../../prover/risk/risk-arrays";

const NOW = 1_700_000_000;
const SPOT = 3_000_000_000n; // 3,000 USDC per lot
const STRIKE = 3_000_000_000n;
const EXPIRY = BigInt(NOW + 30 * 86_400);
const SIGMA = perSecondSigma(0.6);
const PREMIUM = optionPriceUnits("call", SPOT, STRIKE, SIGMA, 30 * 86_400);
const PUT_PREMIUM = optionPriceUnits("put", SPOT, STRIKE, SIGMA, 30 * 86_400);
const mk = (kind: MarketKind, markPrice: bigint): Market => ({
  kind, lotSize: 1n, expiry: kind === MarketKind.PERPETUAL ? 0n : EXPIRY, strike: kind >= MarketKind.CALL ? STRIKE : 0n,
  markPrice, fundingIndex: 0n, settlementPrice: 0n, settled: false,
});
/** Markets 1..4: perpetual, future, call, put on one underlying. */
const MARKETS = [mk(MarketKind.PERPETUAL, SPOT), mk(MarketKind.FUTURE, SPOT), mk(MarketKind.CALL, PREMIUM), mk(MarketKind.PUT, PUT_PREMIUM)];
const PRICES = MARKETS.map((m) => m.markPrice);

function arraysAt(T: number, S = 16): Risk {
  return riskArrays({ markets: MARKETS, underlyingPrice: MARKETS.map(() => SPOT), sigmaPerSecond: MARKETS.map(() => SIGMA), T, z: 3, now: NOW, scenarios: S, mmBps: 5000n });
}

function account(collateral: bigint, sizes: readonly bigint[]): Account {
  const slots = sizes.map((size, i) => (size === 0n ? emptyAccount(1).positions[0] : { marketId: i + 1, size, fundingSnapshot: 0n }));
  return { ...emptyAccount(sizes.length), ax: 1n, collateral, positions: slots };
}

const POLICY: MarginPolicy = { z: 3, referenceSeconds: 60, maxStepUp: 0.1, maxStepDown: 0.1, floor: 0.001 };

describe("prover/risk margin policy", () => {
  it("margin is monotone in latency: a longer T never lowers any portfolio's requirement", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3600 }),
        fc.integer({ min: 1, max: 3600 }),
        fc.array(fc.bigInt({ min: -50n, max: 50n }), { minLength: 4, maxLength: 4 }),
        (t1, t2, sizes) => {
          const [lo, hi] = t1 <= t2 ? [t1, t2] : [t2, t1];
          const a = account(0n, sizes);
          expect(requirement(a, arraysAt(hi)) >= requirement(a, arraysAt(lo))).to.equal(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("the target scan range is max(floor, z·σ·√T) and the latency multiplier is √(T / T_ref)", () => {
    const [s] = targetScan(POLICY, [SIGMA], 240);
    expect(s).to.be.closeTo(3 * 0.6 * Math.sqrt(240 / SECONDS_PER_YEAR), 1e-15);
    expect(targetScan(POLICY, [SIGMA], 0)[0]).to.equal(0.001);
    expect(latencyMultiplier(240, 60)).to.equal(2);
  });

  it("a hedged portfolio (long future, short call) needs less margin than its legs apart", () => {
    const risk = arraysAt(120);
    const future = requirement(account(0n, [0n, 10n, 0n, 0n]), risk);
    const shortCall = requirement(account(0n, [0n, 0n, -10n, 0n]), risk);
    const hedged = requirement(account(0n, [0n, 10n, -10n, 0n]), risk);
    expect(future > 0n && shortCall > 0n).to.equal(true);
    expect(hedged < future + shortCall).to.equal(true);
    // a covered call: what the short call gains as the price falls offsets part of the future's loss
    expect(hedged < future).to.equal(true);
  });

  it("bounds the step under a latency spike: each update grows a row by ≤ 10%, and the target is reached in steps", () => {
    const config = { ...defaultRiskConfig(4), windowSize: 20, floor: 0 };
    const w = new LatencyWindow(config.windowSize);
    for (let i = 0; i < 20; i++) for (const st of ["proving", "submission", "inclusion", "confirmations"] as const) w.record(st, 5);
    const base = { config, overrides: NO_OVERRIDES, markets: MARKETS, underlyingPrice: MARKETS.map(() => SPOT), sigmaPerSecond: sigmasOf(config), now: NOW, scenarios: 16 };
    let current = targetArrays(config, { markets: MARKETS, underlyingPrice: base.underlyingPrice, sigmaPerSecond: base.sigmaPerSecond, T: 20, z: 3, now: NOW, scenarios: 16, mmBps: 5000n });
    // the chain stalls: confirmations take 10 minutes from now on
    for (let i = 0; i < 20; i++) w.record("confirmations", 600);
    const target = planRisk({ ...base, latency: w.timeToFinality(), current }).target;
    let steps = 0;
    while (steps < 100) {
      const plan = planRisk({ ...base, latency: w.timeToFinality(), current });
      plan.next.pnl.forEach((row, m) => {
        const before = rowScale(current.pnl[m]);
        expect(rowScale(row) <= (before * 11n) / 10n).to.equal(true, `market ${m} step ${steps}`);
        expect(rowScale(row) >= before).to.equal(true);
      });
      expect(plan.markets[0].multiplier).to.be.at.most(latencyMultiplier(w.timeToFinality().p99, 60) + 1e-9);
      if (plan.next.pnl.every((row, m) => rowScale(row) === rowScale(target.pnl[m]))) break;
      current = plan.next;
      steps++;
    }
    // T goes from 20 s to 615 s: √(615 / 20) ≈ 5.5× at ≤ 10% per step takes log(5.5) / log(1.1) ≈ 18 steps
    expect(steps).to.be.within(17, 19);
  });

  it("bounds the step down too", () => {
    const big = arraysAt(3600);
    const small = arraysAt(60);
    const next = nextRisk(big, small, POLICY);
    next.pnl.forEach((row, m) => expect(rowScale(row) >= (rowScale(big.pnl[m]) * 9n + 9n) / 10n).to.equal(true));
  });

  it("no account with equity ≥ (1 + maxStepUp) · maintenance is liquidated by one parameter update alone", () => {
    const current = arraysAt(60);
    const next = nextRisk(current, arraysAt(6000), POLICY);
    for (const sizes of [[10n, 0n, 0n, 0n], [0n, -7n, 0n, 0n], [3n, -3n, 0n, 0n], [5n, 0n, 0n, 0n]]) {
      const zero = account(0n, sizes);
      const need = (maintenanceMargin(zero, current) * 11n) / 10n + 1n;
      const a = account(need - equity(zero, PRICES), sizes);
      expect(equity(a, PRICES) >= maintenanceMargin(a, next)).to.equal(true, JSON.stringify(sizes.map(String)));
    }
  });

  it("reports in advance the accounts that a tightening would make liquidatable, largest shortfall first", () => {
    const current = arraysAt(60);
    const next = nextRisk(current, arraysAt(6000), POLICY);
    const lots = 10n;
    const zero = account(0n, [lots, 0n, 0n, 0n]);
    const m0 = maintenanceMargin(zero, current);
    const e0 = equity(zero, PRICES);
    const accounts = new Map<number, Account>([
      [1, account(m0 - e0, [lots, 0n, 0n, 0n])], // exactly at maintenance: the step tips it over
      [2, account(2n * m0 - e0, [lots, 0n, 0n, 0n])], // safe
      [3, account(m0 - e0 - 1n, [lots, 0n, 0n, 0n])], // already liquidatable: not news
      [4, account(m0 + m0 / 20n - e0, [lots, 0n, 0n, 0n])], // 5% above: tipped over by a 10% step
      [5, account(1_000n, [0n, 0n, 0n, 0n])], // no positions
    ]);
    const found = atRiskAccounts({ accounts, global: { markets: MARKETS } }, current, next);
    expect(found.map((a) => a.index)).to.deep.equal([1, 4]);
    expect(found[0].shortfall).to.equal(found[0].maintenanceNext - found[0].equity);
    expect(found[0].shortfall > found[1].shortfall).to.equal(true);
  });

  it("publishes new arrays only when an entry moves by the threshold or mmBps changes", () => {
    const a = arraysAt(60);
    expect(shouldPublish(a, a, 0.01)).to.equal(false);
    expect(shouldPublish(a, { ...a, mmBps: 4000n }, 0.01)).to.equal(true);
    expect(shouldPublish(a, arraysAt(60.1), 0.01)).to.equal(false);
    expect(shouldPublish(a, arraysAt(66), 0.01)).to.equal(true);
  });

  it("keeps mmBps, the penalty and the funding bound of the arrays in force: a header cannot change them", () => {
    const a = arraysAt(60);
    const next = nextRisk(a, { ...arraysAt(66), mmBps: 10000n, penaltyBps: 9n, maxFundingRate: 1n }, POLICY);
    expect([next.mmBps, next.penaltyBps, next.maxFundingRate]).to.deep.equal([a.mmBps, a.penaltyBps, a.maxFundingRate]);
  });
});
