/**
 * The scenario margin of the circuit and of the reference rules (prover/state/margin.ts)
 * are the same function: fast-check draws portfolios, prices and risk arrays across
 * the whole allowed ranges (protocol.md section 2) and compares equity and the
 * initial-margin verdict, including the boundary where equity equals the requirement.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { Account, PositionSlot } from "../../../prover/state/account";
import { encodeSigned, decodeSigned } from "../../../prover/state/field";
import { equity, marginState, meetsInitialMargin, requirement, isReduceOnly } from "../../../prover/state/margin";
import type { Market, Risk } from "../../../prover/state/global";
import { testCircuit, type CircuitTester } from "../../helpers/circuit";

const P = 2;
const M = 4;
const S = 4;

/** The margin pieces of the op slot, wired as the slot wires them. */
const MAIN = `pragma circom 2.1.9;
include "lib/scenario-exposure.circom";
include "lib/initial-margin.circom";
include "lib/liquidatable.circom";
include "lib/meets-requirement.circom";
include "lib/requirement.circom";
template MarginUnderTest(P, M, S) {
    signal input collateral;
    signal input marketId[P];
    signal input size[P];
    signal input markPrice[M];
    signal input pnl[M][S];
    signal input mmBps;
    signal output equity;
    signal output meetsInitialMargin;
    signal output meetsRequirement;
    signal output liquidatable;
    signal output requirement;
    component exposure = ScenarioExposure(P, M, S);
    exposure.collateral <== collateral;
    exposure.marketId <== marketId;
    exposure.size <== size;
    exposure.markPrice <== markPrice;
    exposure.pnl <== pnl;
    equity <== exposure.equity;
    component im = InitialMarginCheck(S);
    im.equity <== exposure.equity;
    im.gain <== exposure.gain;
    meetsInitialMargin <== im.ok;
    component req = Requirement(S);
    req.gain <== exposure.gain;
    requirement <== req.out;
    component meets = MeetsRequirement();
    meets.equity <== exposure.equity;
    meets.requirement <== req.out;
    meetsRequirement <== meets.ok;
    component mm = Liquidatable();
    mm.equity <== exposure.equity;
    mm.requirement <== req.out;
    mm.mmBps <== mmBps;
    liquidatable <== mm.out;
}
component main = MarginUnderTest(${P}, ${M}, ${S});
`;

const market = (markPrice: bigint): Market => ({ kind: 0, lotSize: 1n, expiry: 0n, strike: 0n, markPrice, fundingIndex: 0n, settlementPrice: 0n, settled: false });
const enc = (x: bigint) => encodeSigned(x).toString();

const signed = (bits: number) => fc.bigInt({ min: -(1n << BigInt(bits)) + 1n, max: (1n << BigInt(bits)) - 1n });
const portfolio = fc.record({
  collateral: signed(63),
  markets: fc.shuffledSubarray([1, 2, 3, 4], { minLength: 0, maxLength: P }),
  mmBps: fc.bigInt({ min: 0n, max: 10_000n }),
  sizes: fc.array(signed(48), { minLength: P, maxLength: P }),
  prices: fc.array(fc.bigInt({ min: 1n, max: (1n << 48n) - 1n }), { minLength: M, maxLength: M }),
  pnl: fc.array(fc.array(signed(62), { minLength: S, maxLength: S }), { minLength: M, maxLength: M }),
});

function account(p: { collateral: bigint; markets: number[]; sizes: bigint[] }): Account {
  const positions: PositionSlot[] = Array.from({ length: P }, (_, j) =>
    j < p.markets.length ? { marketId: p.markets[j], size: p.sizes[j], fundingSnapshot: 0n } : { marketId: 0, size: 0n, fundingSnapshot: 0n },
  );
  return { ax: 1n, ay: 1n, nonce: 0n, collateral: p.collateral, positions };
}

function circuitInput(a: Account, prices: bigint[], risk: Risk) {
  return {
    mmBps: risk.mmBps.toString(),
    collateral: enc(a.collateral),
    marketId: a.positions.map((s) => String(s.marketId)),
    size: a.positions.map((s) => enc(s.size)),
    markPrice: prices.map(String),
    pnl: risk.pnl.map((row) => row.map(enc)),
  };
}

describe("circuits/lib: ScenarioMargin equals the reference margin", function () {
  let margin: CircuitTester;
  let reduce: CircuitTester;
  before(async function () {
    margin = await testCircuit("margin_ci", MAIN);
    reduce = await testCircuit("reduce_only", `pragma circom 2.1.9;\ninclude "lib/reduce-only.circom";\ncomponent main = ReduceOnly();\n`);
  });

  it("gives the same equity, requirement and verdicts (initial, maintenance) on random portfolios", async function () {
    await fc.assert(
      fc.asyncProperty(portfolio, async (p) => {
        const a = account(p);
        const risk: Risk = { mmBps: p.mmBps, penaltyBps: 100n, maxFundingRate: 0n, pnl: p.pnl };
        const out = await margin.outputs(circuitInput(a, p.prices, risk));
        const m = marginState(a, p.prices.map(market), risk);
        expect(decodeSigned(out["main.equity"])).to.equal(equity(a, p.prices));
        expect(out["main.requirement"]).to.equal(m.requirement);
        expect(out["main.meetsInitialMargin"]).to.equal(meetsInitialMargin(a, p.prices, risk) ? 1n : 0n);
        expect(out["main.meetsRequirement"]).to.equal(out["main.meetsInitialMargin"]);
        expect(out["main.liquidatable"]).to.equal(m.liquidatable ? 1n : 0n);
      }),
      { numRuns: 150, seed: 4242 },
    );
  });

  it("agrees at the boundary: equity exactly at, and one unit below, the requirement", async function () {
    await fc.assert(
      fc.asyncProperty(portfolio, fc.boolean(), async (p, below) => {
        const risk: Risk = { mmBps: 5000n, penaltyBps: 100n, maxFundingRate: 0n, pnl: p.pnl };
        const probe = account({ ...p, collateral: 0n });
        // choose collateral so that equity = requirement (- 1)
        const target = requirement(probe, risk) - (below ? 1n : 0n);
        const a = { ...probe, collateral: target - equity(probe, p.prices) };
        fc.pre(a.collateral > -(1n << 63n) && a.collateral < 1n << 63n);
        const out = await margin.outputs(circuitInput(a, p.prices, risk));
        const expected = meetsInitialMargin(a, p.prices, risk);
        expect(expected).to.equal(!below);
        expect(out["main.meetsInitialMargin"]).to.equal(expected ? 1n : 0n);
        expect(out["main.meetsRequirement"]).to.equal(expected ? 1n : 0n);
      }),
      { numRuns: 60, seed: 7 },
    );
  });

  it("agrees at the maintenance boundary: 10000 · equity just at, and just below, mmBps · requirement", async function () {
    await fc.assert(
      fc.asyncProperty(portfolio, fc.boolean(), async (p, below) => {
        const risk: Risk = { mmBps: p.mmBps, penaltyBps: 100n, maxFundingRate: 0n, pnl: p.pnl };
        const probe = account({ ...p, collateral: 0n });
        // the least equity with 10000 · equity >= mmBps · requirement, or one less
        const maintenance = p.mmBps * requirement(probe, risk);
        const threshold = (maintenance + 9_999n) / 10_000n;
        const a = { ...probe, collateral: threshold - (below ? 1n : 0n) - equity(probe, p.prices) };
        fc.pre(a.collateral > -(1n << 63n) && a.collateral < 1n << 63n);
        const out = await margin.outputs(circuitInput(a, p.prices, risk));
        const expected = marginState(a, p.prices.map(market), risk).liquidatable;
        expect(expected).to.equal(below);
        expect(out["main.liquidatable"]).to.equal(expected ? 1n : 0n);
      }),
      { numRuns: 60, seed: 11 },
    );
  });

  it("gives the same reduce-only verdict as the rules", async function () {
    await fc.assert(
      fc.asyncProperty(signed(48), signed(48), async (before, after) => {
        const out = await reduce.outputs({ sizeBefore: enc(before), sizeAfter: enc(after) });
        expect(out["main.out"]).to.equal(isReduceOnly(before, after) ? 1n : 0n);
      }),
      { numRuns: 150, seed: 99 },
    );
  });
});
