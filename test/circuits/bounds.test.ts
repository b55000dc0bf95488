/**
 * One set of bounds (issue 15, item 2; decisions.md "One set of bounds"): the circuit and
 * the rules agree on every range, inclusive or exclusive. First the circuit's range
 * templates at the widths the batch circuit uses them with, at each bound and one past
 * it, next to the rule that checks the same value; then the real batch circuit against
 * the rules where they used to part: a collateral of exactly −2^63 (the signed ranges
 * were closed below in the circuit, open in the rules) and a sell limited at price 0.
 */
import { expect } from "chai";
import fc from "fast-check";
import { RuleError } from "../../prover/state/errors";
import { pow2 } from "../../prover/state/field";
import { applyBatch } from "../../prover/state/batch";
import { EMPTY_SLOT } from "../../prover/state/account";
import { headerRisk } from "../../prover/state/risk-update";
import { fillTradeSide } from "../../prover/state/ops/trade";
import { withdrawState } from "../../prover/state/ops/withdraw";
import { previewMarkets } from "../../prover/state/header";
import { decodeBatchData } from "../../prover/state/layout";
import { replayBatch } from "../../prover/state/replay";
import { batchOnChain } from "../../prover/circuit-input/batch-data";
import type { State } from "../../prover/state/state";
import { testCircuit, type CircuitTester } from "../helpers/circuit";
import { ciBatchCircuit, fundedGenesis, honest, tamper, type BatchCircuit } from "../helpers/batch-circuit";
import { CI_PARAMS, devOrder, signedHeader, trade } from "../prover/state/fixtures";

/** The range templates at the widths of the batch circuit (file: where it checks the value). */
const RANGES = `pragma circom 2.1.9;
include "lib/range.circom";
template Bounds() {
    signal input signed64;  // collateral (op-slot.circom)
    signal input signed63;  // pnl[m][s] (header.circom)
    signal input signed49;  // position size (position-slot-write.circom)
    signal input signed96;  // funding index (market-update.circom)
    signal input unsigned48; // price, limitPrice, withdrawal amount (op-slot.circom, order-checks.circom)
    signal input unsigned32; // q, order size, nonce, expiry, timestamp
    signal input unsigned63; // deposit amount (deposit.circom), the fund's collateral (batch.circom)
    signal input unsigned8;  // fee bps (order-checks.circom, trade.circom)
    component s64 = SignedRange(64); s64.in <== signed64;
    component s63 = SignedRange(63); s63.in <== signed63;
    component s49 = SignedRange(49); s49.in <== signed49;
    component s96 = SignedRange(96); s96.in <== signed96;
    component u48 = UnsignedRange(48); u48.in <== unsigned48;
    component u32 = UnsignedRange(32); u32.in <== unsigned32;
    component u63 = UnsignedRange(63); u63.in <== unsigned63;
    component u8 = UnsignedRange(8); u8.in <== unsigned8;
}
component main = Bounds();
`;

type Signal = "signed64" | "signed63" | "signed49" | "signed96" | "unsigned48" | "unsigned32" | "unsigned63" | "unsigned8";
const ZERO: Record<Signal, bigint> = { signed64: 0n, signed63: 0n, signed49: 0n, signed96: 0n, unsigned48: 0n, unsigned32: 0n, unsigned63: 0n, unsigned8: 0n };

const accepts = (f: () => unknown): boolean => {
  try {
    f();
    return true;
  } catch (e) {
    if (e instanceof RuleError) return false;
    throw e;
  }
};

const account = (collateral: bigint, size = 0n) => ({
  ax: 1n,
  ay: 1n,
  nonce: 0n,
  collateral,
  positions: [size === 0n ? EMPTY_SLOT : { marketId: 1, size, fundingSnapshot: 0n }, EMPTY_SLOT],
});

/**
 * Each value: its circuit signal, the first and last value both sides accept, and the rule
 * that checks it, as `rule(x)` true when the rules accept x.
 */
const BOUNDS: { name: string; signal: Signal; lo: bigint; hi: bigint; rule: (x: bigint) => boolean }[] = [
  { name: "collateral", signal: "signed64", lo: -pow2(63) + 1n, hi: pow2(63) - 1n, rule: (x) => accepts(() => withdrawState(account(x + 1n), 1, 1n)) },
  { name: "position size", signal: "signed49", lo: -pow2(48) + 1n, hi: pow2(48) - 1n, rule: (x) => accepts(() => fillTradeSide(CI_MARKETS, account(0n, x - 1n), { accountIndex: 1, marketId: 1, isBuy: true }, 1n, 0n, 0n, "maker")) },
  {
    name: "pnl[m][s]",
    signal: "signed63",
    lo: -pow2(62) + 1n,
    hi: pow2(62) - 1n,
    rule: (x) => accepts(() => headerRisk(CI_PARAMS, CI_GLOBAL, CI_GLOBAL.risk.pnl.map((row, m) => row.map((v, s) => (m === 0 && s === 0 ? x : v))))),
  },
  {
    name: "funding index",
    signal: "signed96",
    lo: -pow2(95) + 1n,
    hi: pow2(95) - 1n,
    rule: (x) =>
      accepts(() =>
        previewMarkets(
          { ...CI_GLOBAL, markets: CI_GLOBAL.markets.map((m, i) => (i === 0 ? { ...m, fundingIndex: x } : m)) },
          CI_GLOBAL.oracleTimestamp + 1n,
          CI_GLOBAL.markets.map((m) => m.markPrice),
          CI_GLOBAL.markets.map(() => 0n),
        ),
      ),
  },
];

let CI_MARKETS: State["global"]["markets"];
let CI_GLOBAL: State["global"];

describe("circuits and rules: one set of bounds", function () {
  let ranges: CircuitTester;
  let circuit: BatchCircuit;
  let funded: State;

  before(async function () {
    ranges = await testCircuit("bounds", RANGES);
    circuit = await ciBatchCircuit();
    funded = await fundedGenesis();
    CI_MARKETS = funded.global.markets;
    CI_GLOBAL = funded.global;
  });

  describe("# the range templates at the batch circuit's widths, and the rules on the same values", function () {
    for (const b of [
      { name: "collateral", signal: "signed64" as Signal, lo: -pow2(63) + 1n, hi: pow2(63) - 1n },
      { name: "pnl[m][s]", signal: "signed63" as Signal, lo: -pow2(62) + 1n, hi: pow2(62) - 1n },
      { name: "position size", signal: "signed49" as Signal, lo: -pow2(48) + 1n, hi: pow2(48) - 1n },
      { name: "funding index", signal: "signed96" as Signal, lo: -pow2(95) + 1n, hi: pow2(95) - 1n },
      { name: "price, limitPrice, withdrawal amount", signal: "unsigned48" as Signal, lo: 0n, hi: pow2(48) - 1n },
      { name: "q, order size, nonce, expiry, timestamp", signal: "unsigned32" as Signal, lo: 0n, hi: pow2(32) - 1n },
      { name: "deposit amount, the fund's collateral", signal: "unsigned63" as Signal, lo: 0n, hi: pow2(63) - 1n },
      { name: "fee bps", signal: "unsigned8" as Signal, lo: 0n, hi: pow2(8) - 1n },
    ]) {
      it(`${b.name}: the circuit takes ${b.lo} and ${b.hi}, refuses ${b.lo - 1n} and ${b.hi + 1n}`, async function () {
        await ranges.expectPass({ ...ZERO, [b.signal]: b.lo });
        await ranges.expectPass({ ...ZERO, [b.signal]: b.hi });
        await ranges.expectFail({ ...ZERO, [b.signal]: b.lo - 1n });
        await ranges.expectFail({ ...ZERO, [b.signal]: b.hi + 1n });
      });
    }

    for (const b of BOUNDS) {
      it(`${b.name}: the rules take ${b.lo} and ${b.hi}, refuse ${b.lo - 1n} and ${b.hi + 1n}, as the circuit`, function () {
        expect([b.rule(b.lo - 1n), b.rule(b.lo), b.rule(b.hi), b.rule(b.hi + 1n)]).to.deep.equal([false, true, true, false]);
      });
    }
  });

  describe("# the batch circuit against the rules where they used to part", function () {
    const PRICE = 10_000n; // market 1, where the trade happens
    const BIG_MARK = pow2(17); // market 2, where the buyer holds a long that carries its negative collateral
    const BIG_SIZE = pow2(46) + pow2(30); // BIG_SIZE · BIG_MARK = 2^63 + 2^47
    const PNL = Array.from({ length: CI_PARAMS.markets }, () => [-1n, 1n, -1n, 1n]); // requirement = |size|

    /** Account 1 buys one lot of market 1 at PRICE from account 2 with a maker fee of `feeBps` (fee = feeBps units). */
    function buyerAt(collateral1: bigint, collateral2: bigint, feeBps: bigint) {
      const s = funded.clone();
      const a1 = s.account(1);
      s.setAccount(1, { ...a1, collateral: collateral1, positions: [{ marketId: 2, size: BIG_SIZE, fundingSnapshot: 0n }, EMPTY_SLOT] });
      s.setAccount(2, { ...s.account(2), collateral: collateral2 });
      const prices = s.global.markets.map((m, i) => (i === 0 ? PRICE : i === 1 ? BIG_MARK : m.markPrice));
      const maker = devOrder(s, { accountIndex: 1, marketId: 1, isBuy: true, size: 1n, limitPrice: PRICE, maxFeeBps: 255n });
      const taker = devOrder(s, { accountIndex: 2, marketId: 1, isBuy: false, size: 1n, limitPrice: PRICE, maxFeeBps: 255n });
      return { state: s, batch: { header: signedHeader(s, 2_000n, prices, undefined, undefined, PNL), ops: [trade(maker, taker, 1n, feeBps, 0n)], deposits: [] } };
    }

    it("takes a buyer's new collateral of −2^63 + 1 on both sides, and refuses −2^63 on both (the rules with RANGE, the circuit in SignedRange)", async function () {
      // fee 1 bps of 10,000 = 1 unit: new collateral = old − PRICE − fee
      const start = -pow2(63) + PRICE + 2n;
      const ok = buyerAt(start, 10_000_000_000n, 1n);
      const c = honest(ok.state, ok.batch);
      expect(c.state.account(1).collateral).to.equal(-pow2(63) + 1n);
      await circuit.expectPass(c.input, c.inputHash);

      const over = buyerAt(start, 10_000_000_000n, 2n);
      expect(() => applyBatch(over.state, over.batch)).to.throw(RuleError, /RANGE: TRADE maker account 1 new collateral -9223372036854775808 outside/);
      // The dishonest prover: the same input with the fee raised by a unit.
      await circuit.expectFail(tamper(c.input, "feeA.0", 2n), /SignedRange < OpSlot/);
    });

    it("takes a seller's new collateral of 2^63 − 1 on both sides, and refuses 2^63 on both", async function () {
      const start = pow2(63) - PRICE; // the seller gains PRICE and pays its taker fee
      const s = funded.clone();
      s.setAccount(2, { ...s.account(2), collateral: start });
      const prices = s.global.markets.map((m, i) => (i === 0 ? PRICE : m.markPrice));
      const maker = devOrder(s, { accountIndex: 1, marketId: 1, isBuy: true, size: 1n, limitPrice: PRICE, maxFeeBps: 255n });
      const taker = devOrder(s, { accountIndex: 2, marketId: 1, isBuy: false, size: 1n, limitPrice: PRICE, maxFeeBps: 255n });
      const batch = (takerFeeBps: bigint) => ({ header: signedHeader(s, 2_000n, prices, undefined, undefined, PNL), ops: [trade(maker, taker, 1n, 0n, takerFeeBps)], deposits: [] });
      const c = honest(s, batch(1n));
      expect(c.state.account(2).collateral).to.equal(pow2(63) - 1n);
      await circuit.expectPass(c.input, c.inputHash);
      expect(() => applyBatch(s, batch(0n))).to.throw(RuleError, /RANGE: TRADE taker account 2 new collateral 9223372036854775808 outside/);
      await circuit.expectFail(tamper(c.input, "feeB.0", 0n), /SignedRange < OpSlot/);
    });

    it("accepts in the circuit exactly what replayBatch accepts, for random trades that end within a few units of either collateral bound", async function () {
      this.timeout(0);
      await fc.assert(
        fc.asyncProperty(fc.boolean(), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 6 }), async (buyerSide, d, fee) => {
          // The honest base ends d units inside the bound: the buyer with fee 0 (a fee of f units
          // moves it f units down, towards −2^63), the seller with fee 6 (a lower fee moves it up, towards 2^63).
          const s = funded.clone();
          const start = buyerSide ? -pow2(63) + PRICE + BigInt(d) : pow2(63) - PRICE + 6n - BigInt(d);
          if (buyerSide) s.setAccount(1, { ...s.account(1), collateral: start, positions: [{ marketId: 2, size: BIG_SIZE, fundingSnapshot: 0n }, EMPTY_SLOT] });
          else s.setAccount(2, { ...s.account(2), collateral: start });
          const prices = s.global.markets.map((m, i) => (i === 0 ? PRICE : i === 1 ? BIG_MARK : m.markPrice));
          const maker = devOrder(s, { accountIndex: 1, marketId: 1, isBuy: true, size: 1n, limitPrice: PRICE, maxFeeBps: 255n });
          const taker = devOrder(s, { accountIndex: 2, marketId: 1, isBuy: false, size: 1n, limitPrice: PRICE, maxFeeBps: 255n });
          const batch = { header: signedHeader(s, 2_000n, prices, undefined, undefined, PNL), ops: [trade(maker, taker, 1n, 0n, buyerSide ? 0n : 6n)], deposits: [] };
          const base = { ...honest(s, batch), batch };
          const wire = decodeBatchData(CI_PARAMS, batchOnChain(CI_PARAMS, base.trace).data);
          const feeField = buyerSide ? "makerFeeBps" : "takerFeeBps";
          const ops = wire.ops.map((o, j) => (j === 0 ? { ...o, [feeField]: fee } : o)) as typeof wire.ops;
          const replayAccepts = accepts(() => replayBatch(s, { header: wire.header, ops, queueEntries: [], pnl: wire.pnl }));
          if (replayAccepts) {
            // the honest witness for this fee: the circuit takes it, with the rules' inputHash
            const c = honest(s, { ...base.batch, ops: [trade(maker, taker, 1n, buyerSide ? BigInt(fee) : 0n, buyerSide ? 0n : BigInt(fee))] });
            await circuit.expectPass(c.input, c.inputHash);
          } else {
            // the dishonest prover's witness, the base's with this fee: refused by the range, nothing else
            await circuit.expectFail(tamper(base.input, buyerSide ? "feeA.0" : "feeB.0", fee), /SignedRange < OpSlot/);
          }
          expect(replayAccepts).to.equal(buyerSide ? fee < d : fee > 6 - d);
        }),
        { numRuns: 12 },
      );
    });

    it("takes a sell limited at price 0 on both sides: the taker accepts any price", async function () {
      const maker = devOrder(funded, { accountIndex: 1, marketId: 1, isBuy: true, size: 2n, limitPrice: 60_000_000n });
      const taker = devOrder(funded, { accountIndex: 2, marketId: 1, isBuy: false, size: 2n, limitPrice: 0n });
      const c = honest(funded, { header: signedHeader(funded, 2_000n), ops: [trade(maker, taker, 2n)], deposits: [] });
      await circuit.expectPass(c.input, c.inputHash);
    });

    it("refuses a maker limited at price 0 on both sides: the trade price would be 0", async function () {
      const maker = devOrder(funded, { accountIndex: 2, marketId: 1, isBuy: false, size: 2n, limitPrice: 60_000_000n });
      const taker = devOrder(funded, { accountIndex: 1, marketId: 1, isBuy: true, size: 2n, limitPrice: 60_000_000n });
      const c = honest(funded, { header: signedHeader(funded, 2_000n), ops: [trade(maker, taker, 2n)], deposits: [] });
      const zero = devOrder(funded, { accountIndex: 2, marketId: 1, isBuy: false, size: 2n, limitPrice: 0n });
      expect(() => applyBatch(funded, { header: signedHeader(funded, 2_000n), ops: [trade(zero, taker, 2n)], deposits: [] })).to.throw(RuleError, /RANGE: TRADE maker order limitPrice 0 outside 0 < limitPrice/);
      const order = [zero.marketId, zero.isBuy ? 1 : 0, zero.size, zero.limitPrice, zero.expiry, zero.nonce, zero.maxFeeBps].map(String);
      const forged = tamper(tamper(tamper(c.input, "makerOrder.0", order), "sigA.0", [zero.R8x, zero.R8y, zero.S].map(String)), "value.0", 0n);
      await circuit.expectFail(forged, /IsZero < TradeOp|TradeOp/);
    });
  });
});
