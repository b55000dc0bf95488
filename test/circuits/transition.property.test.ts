/**
 * Differential test of the state transition: random batches of every op type (deposits,
 * trades, withdrawals, liquidations, settlements after expiry, deleverages) under random
 * price moves and funding, applied by the reference rules; for every batch the rules
 * accept, the circuit must be provable with the honest input and give the same
 * inputHash, which commits to the old and new state roots, the header, the deposit
 * chain head and the op data.
 */
import { expect } from "chai";
import fc from "fast-check";
import { RuleError } from "../../prover/state/errors";
import type { State } from "../../prover/state/state";
import type { Op } from "../../prover/state/batch";
import type { DepositEntry } from "../../prover/state/ops/deposit";
import { previewMarkets } from "../../prover/state/header";
import { isLiquidatable, accountEquity } from "../../prover/state/margin";
import { planDeleverage } from "../../prover/state/ops/deleverage";
import { ciBatchCircuit, honest, type BatchCircuit } from "../helpers/batch-circuit";
import { depositNew, devGenesis, devLiquidation, devOrder, devWithdrawal, signedHeader, topUp, trade } from "../prover/state/fixtures";

const USDC = 1_000_000n;
const TRADERS = [1, 2, 3, 4];

const opSpec = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("trade" as const), maker: fc.constantFrom(...TRADERS), offset: fc.constantFrom(1, 2, 3), market: fc.constantFrom(1, 2, 3, 4), buy: fc.boolean(), q: fc.bigInt({ min: 1n, max: 1_600n }), priceBps: fc.integer({ min: -200, max: 200 }), fee: fc.bigInt({ min: 0n, max: 10n }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("withdraw" as const), account: fc.constantFrom(...TRADERS), amount: fc.bigInt({ min: 1n, max: 3_000n * USDC }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("topUp" as const), account: fc.constantFrom(...TRADERS), amount: fc.bigInt({ min: 1n, max: 3_000n * USDC }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("rescue" as const), liquidator: fc.constantFrom(...TRADERS), q: fc.bigInt({ min: 1n, max: 2_000n }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("settle" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("noop" as const) }) },
);
const batchSpec = fc.record({
  ops: fc.array(opSpec, { minLength: 1, maxLength: 2 }),
  dt: fc.constantFrom(1n, 3_600n, 28_800n, 90_000n),
  moveBps: fc.array(fc.integer({ min: -1_500, max: 1_500 }), { minLength: 4, maxLength: 4 }),
  rate: fc.bigInt({ min: -1_000_000n, max: 1_000_000n }),
});

/** The ops a batch spec asks for, made concrete on `state` under the batch's new markets. */
type BatchSpec = typeof batchSpec extends fc.Arbitrary<infer T> ? T : never;

function plan(state: State, spec: BatchSpec, timestamp: bigint, prices: bigint[], rates: bigint[]) {
  const markets = previewMarkets(state.global, timestamp, prices, rates);
  const nonces = new Map<number, bigint>();
  const nonce = (i: number) => nonces.get(i) ?? state.account(i).nonce;
  const bump = (i: number) => nonces.set(i, nonce(i) + 1n);
  const ops: Op[] = [];
  const deposits: DepositEntry[] = [];
  for (const o of spec.ops) {
    if (o.kind === "noop") ops.push({ type: "NOOP" });
    else if (o.kind === "topUp") {
      ops.push({ type: "DEPOSIT" });
      deposits.push(topUp(o.account, o.amount));
    } else if (o.kind === "withdraw") {
      ops.push(devWithdrawal(state, o.account, o.amount, nonce(o.account)));
      bump(o.account);
    } else if (o.kind === "trade") {
      const taker = TRADERS[(TRADERS.indexOf(o.maker) + o.offset) % TRADERS.length];
      const price = (markets[o.market - 1].markPrice * BigInt(10_000 + o.priceBps)) / 10_000n || 1n;
      const m = devOrder(state, { accountIndex: o.maker, marketId: o.market, isBuy: o.buy, size: o.q, limitPrice: price, maxFeeBps: 10n, nonce: nonce(o.maker) });
      const t = devOrder(state, { accountIndex: taker, marketId: o.market, isBuy: !o.buy, size: o.q, limitPrice: price, maxFeeBps: 10n, nonce: nonce(taker) });
      ops.push(trade(m, t, o.q, o.fee, o.fee));
      bump(o.maker);
      bump(taker);
    } else if (o.kind === "rescue") {
      // liquidate the first liquidatable account, or deleverage the first bankrupt one
      const victim = TRADERS.find((i) => state.account(i).positions.some((p) => p.size !== 0n && !markets[p.marketId - 1].settled) && isLiquidatable(state.account(i), markets, state.global.risk));
      if (victim === undefined) continue;
      const pos = state.account(victim).positions.find((p) => p.size !== 0n && !markets[p.marketId - 1].settled)!;
      if (accountEquity(state.account(victim), markets) < 0n) {
        const d = planDeleverage(state, victim, pos.marketId, markets);
        if (d) ops.push(d);
      } else if (o.liquidator !== victim) {
        const q = o.q < (pos.size < 0n ? -pos.size : pos.size) ? o.q : pos.size < 0n ? -pos.size : pos.size;
        ops.push(devLiquidation(state, { liquidatorIndex: o.liquidator, liquidateeIndex: victim, marketId: pos.marketId, nonce: nonce(o.liquidator) }, q));
        bump(o.liquidator);
      }
    } else {
      const holder = TRADERS.find((i) => state.account(i).positions.some((p) => p.size !== 0n && markets[p.marketId - 1].settled));
      if (holder === undefined) continue;
      const p = state.account(holder).positions.find((x) => x.size !== 0n && markets[x.marketId - 1].settled)!;
      ops.push({ type: "SETTLE", accountIndex: holder, marketId: p.marketId });
    }
  }
  return { ops, deposits };
}

describe("circuits: BatchSettle equals the reference rules on random lifecycle batches", function () {
  let circuit: BatchCircuit;
  before(async function () {
    circuit = await ciBatchCircuit();
  });

  it("gives the rules' inputHash for every batch the rules accept", async function () {
    let proven = 0;
    const kinds = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(batchSpec, { minLength: 2, maxLength: 4 }), async (batches) => {
        const genesis = await devGenesis(undefined, { insuranceCollateral: 2_000n * USDC });
        let state = honest(genesis, { header: signedHeader(genesis, 1_000n), ops: [{ type: "DEPOSIT" }, { type: "DEPOSIT" }], deposits: [depositNew(1, 10_000n * USDC), depositNew(2, 10_000n * USDC)] }).state;
        state = honest(state, { header: signedHeader(state, 1_001n), ops: [{ type: "DEPOSIT" }, { type: "DEPOSIT" }], deposits: [depositNew(3, 10_000n * USDC), depositNew(4, 10_000n * USDC)] }).state;
        // leveraged positions to start from: liquidations and settlements need them
        const s0 = state;
        state = honest(s0, {
          header: signedHeader(s0, 1_002n),
          ops: [
            trade(devOrder(s0, { accountIndex: 2, marketId: 1, isBuy: false, size: 1_400n, limitPrice: 60n * USDC }), devOrder(s0, { accountIndex: 1, marketId: 1, isBuy: true, size: 1_400n, limitPrice: 60n * USDC }), 1_400n),
            trade(devOrder(s0, { accountIndex: 4, marketId: 2, isBuy: false, size: 10n, limitPrice: 60n * USDC }), devOrder(s0, { accountIndex: 3, marketId: 2, isBuy: true, size: 10n, limitPrice: 60n * USDC }), 10n),
          ],
          deposits: [],
        }).state;
        let timestamp = 1_002n;
        for (const b of batches) {
          timestamp += b.dt;
          const prices = state.global.markets.map((m, i) => (m.settled ? m.markPrice : (m.markPrice * BigInt(10_000 + b.moveBps[i])) / 10_000n || 1n));
          const rates = state.global.markets.map((m, i) => (i === 0 ? b.rate : 0n));
          const { ops, deposits } = plan(state, b, timestamp, prices, rates);
          if (ops.length === 0) continue;
          let c;
          try {
            c = honest(state, { header: signedHeader(state, timestamp, prices, undefined, rates), ops, deposits });
          } catch (e) {
            if (e instanceof RuleError) continue; // refused by the rules: nothing to prove
            throw e;
          }
          expect(await circuit.inputHash(c.input)).to.equal(c.inputHash);
          c.trace.slots.forEach((s) => kinds.add(s.type));
          proven++;
          state = c.state;
        }
      }),
      { numRuns: 20, seed: 2026 },
    );
    expect(proven).to.be.greaterThan(15);
    for (const k of ["DEPOSIT", "TRADE", "WITHDRAW", "LIQUIDATE", "SETTLE", "NOOP"]) expect([...kinds], k).to.include(k);
  });
});
