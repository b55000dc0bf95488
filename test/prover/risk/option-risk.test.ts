import { expect } from "chai";
import fc from "fast-check";
import { emptyAccount, type Account } from "../../../prover/state/account";
import { MarketKind, type Market, type Risk } from "../../../prover/state/global";
import { defaultMarketTemplates } from "../../../prover/state/genesis";
import { requirement } from "../../../prover/state/margin";
import { perSecondSigma } from "../../../prover/risk/black-scholes";
import { defaultRiskConfig } from "../../../prover/risk/controls";
import { targetArrays } from "../../../prover/risk/plan";

const NOW = 1_700_000_000;
const USDC = 1_000_000n;
const CONFIG = defaultRiskConfig(4);

interface Book {
  readonly spot: bigint;
  readonly markets: readonly Market[];
  readonly sigmaAnnual: number;
}

const market = (kind: MarketKind, markPrice: bigint, strike = 0n, expiry = 0n): Market => ({
  kind, lotSize: 1n, expiry, strike, markPrice, fundingIndex: 0n, settlementPrice: 0n, settled: false,
});

/** A perpetual at the spot, and a call and a put with random premiums, strikes and expiries. */
const books: fc.Arbitrary<Book> = fc
  .record({
    spot: fc.integer({ min: 1, max: 100_000 }).map((x) => BigInt(x) * USDC),
    strikeRatio: fc.double({ min: 0.3, max: 3, noNaN: true }),
    putStrikeRatio: fc.double({ min: 0.3, max: 3, noNaN: true }),
    callPremiumRatio: fc.double({ min: 0, max: 0.5, noNaN: true }),
    putPremiumRatio: fc.double({ min: 0, max: 0.5, noNaN: true }),
    expiry: fc.integer({ min: -3600, max: 365 * 86_400 }),
    putExpiry: fc.integer({ min: 1, max: 365 * 86_400 }),
    sigmaAnnual: fc.double({ min: 0.01, max: 3, noNaN: true }),
  })
  .map((r) => {
    const of = (x: number): bigint => BigInt(Math.max(1, Math.round(x * Number(r.spot))));
    return {
      spot: r.spot,
      sigmaAnnual: r.sigmaAnnual,
      markets: [
        market(MarketKind.PERPETUAL, r.spot),
        market(MarketKind.CALL, BigInt(Math.round(r.callPremiumRatio * Number(r.spot))), of(r.strikeRatio), BigInt(NOW + r.expiry)),
        market(MarketKind.PUT, BigInt(Math.round(r.putPremiumRatio * Number(r.spot))), of(r.putStrikeRatio), BigInt(NOW + r.putExpiry)),
      ],
    };
  });

/** Seconds to an hour, as real chains show. */
const latencies = fc.double({ min: 0.5, max: 3600, noNaN: true });

/** The arrays the shipped defaults give at T (16 scenarios, as the production parameters). */
function arraysAt(b: Book, T: number, S = 16): Risk {
  return targetArrays(CONFIG, {
    markets: b.markets, underlyingPrice: b.markets.map(() => b.spot), sigmaPerSecond: b.markets.map(() => perSecondSigma(b.sigmaAnnual)),
    T, z: CONFIG.z, now: NOW, scenarios: S, mmBps: 5000n,
  });
}

function account(sizes: readonly bigint[]): Account {
  const empty = emptyAccount(sizes.length);
  return { ...empty, ax: 1n, positions: sizes.map((size, i) => (size === 0n ? empty.positions[i] : { marketId: i + 1, size, fundingSnapshot: 0n })) };
}

const lots = fc.bigInt({ min: 1n, max: 10_000n });

describe("prover/risk option risk", () => {
  it("a short option always needs margin > 0, whatever its premium, strike, expiry, σ and T", () => {
    fc.assert(
      fc.property(books, latencies, lots, fc.constantFrom(1, 2), fc.constantFrom(1, 2, 4, 16), (b, T, n, m, S) => {
        const sizes = [0n, 0n, 0n];
        sizes[m] = -n;
        expect(requirement(account(sizes), arraysAt(b, T, S)) > 0n).to.equal(true);
      }),
      { numRuns: 300 },
    );
  });

  it("a long option needs at most its premium", () => {
    fc.assert(
      fc.property(books, latencies, lots, fc.constantFrom(1, 2), fc.constantFrom(1, 4, 16), (b, T, n, m, S) => {
        const sizes = [0n, 0n, 0n];
        sizes[m] = n;
        expect(requirement(account(sizes), arraysAt(b, T, S)) <= n * b.markets[m].markPrice).to.equal(true);
      }),
      { numRuns: 300 },
    );
  });

  it("a hedged book needs at most the sum of its legs' margins", () => {
    const size = fc.bigInt({ min: -1000n, max: 1000n });
    fc.assert(
      fc.property(books, latencies, fc.tuple(size, size, size), (b, T, sizes) => {
        const risk = arraysAt(b, T);
        const legs = sizes.reduce((sum, x, i) => {
          const one = [0n, 0n, 0n];
          one[i] = x;
          return sum + requirement(account(one), risk);
        }, 0n);
        expect(requirement(account(sizes), risk) <= legs).to.equal(true);
      }),
      { numRuns: 200 },
    );
  });

  it("an option position's requirement never falls as T grows", () => {
    fc.assert(
      fc.property(books, latencies, latencies, fc.bigInt({ min: -1000n, max: 1000n }), fc.constantFrom(1, 2), (b, t1, t2, n, m) => {
        const [lo, hi] = t1 <= t2 ? [t1, t2] : [t2, t1];
        const sizes = [0n, 0n, 0n];
        sizes[m] = n;
        expect(requirement(account(sizes), arraysAt(b, hi)) >= requirement(account(sizes), arraysAt(b, lo))).to.equal(true);
      }),
      { numRuns: 300 },
    );
  });

  it("charges the dev genesis short options, which the mark-relative rows left free, and the long at most its premium", () => {
    const markets = defaultMarketTemplates(BigInt(NOW + 86_400)).map((t) => t.market);
    const spot = markets[0].markPrice;
    const risk = (T: number): Risk =>
      targetArrays(CONFIG, { markets, underlyingPrice: markets.map(() => spot), sigmaPerSecond: markets.map(() => perSecondSigma(0.6)), T, z: CONFIG.z, now: NOW, scenarios: 16, mmBps: 5000n });
    for (const m of [2, 3]) {
      const short = [0n, 0n, 0n, 0n];
      short[m] = -1000n;
      const long = short.map((x) => -x);
      const at60 = requirement(account(short), risk(60));
      expect(at60 > 0n, `short market ${m}`).to.equal(true);
      expect(requirement(account(short), risk(600)) > at60).to.equal(true);
      expect(requirement(account(long), risk(60)) <= 1000n * markets[m].markPrice).to.equal(true);
    }
  });
});
