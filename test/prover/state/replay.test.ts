/**
 * replayBatch (prover/state/replay.ts) against applyBatch: for random lifecycle batches
 * the rules accept (deposits, top-ups, trades with fees, withdrawals, forced
 * withdrawals, liquidations, deleverages, settlements after expiry, under random price
 * moves and funding), replaying the batch from its decoded calldata — the header
 * without signatures, the op slots, the queue entries consumed — gives the same state:
 * root, every account and the global state.
 */
import { expect } from "chai";
import fc from "fast-check";
import { applyBatch, type Batch, type Op } from "../../../prover/state/batch";
import { RuleError } from "../../../prover/state/errors";
import { previewMarkets } from "../../../prover/state/header";
import { decodeBatchData } from "../../../prover/state/layout";
import { riskHash } from "../../../prover/state/global";
import { accountEquity, isLiquidatable } from "../../../prover/state/margin";
import { planDeleverage } from "../../../prover/state/ops/deleverage";
import type { DepositEntry } from "../../../prover/state/ops/deposit";
import { replayBatch, replayBatchDetailed } from "../../../prover/state/replay";
import type { State } from "../../../prover/state/state";
import { batchOnChain } from "../../../prover/circuit-input/batch-data";
import { depositNew, devGenesis, devLiquidation, devOrder, devWithdrawal, forcedRequest, signedHeader, topUp, trade } from "./fixtures";
import { expectSameState } from "./helpers";

const USDC = 1_000_000n;
const TRADERS = [1, 2, 3, 4];

const opSpec = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("trade" as const), maker: fc.constantFrom(...TRADERS), offset: fc.constantFrom(1, 2, 3), market: fc.constantFrom(1, 2, 3, 4), buy: fc.boolean(), q: fc.bigInt({ min: 1n, max: 1_600n }), priceBps: fc.integer({ min: -200, max: 200 }), fee: fc.bigInt({ min: 0n, max: 10n }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("withdraw" as const), account: fc.constantFrom(...TRADERS), amount: fc.bigInt({ min: 1n, max: 3_000n * USDC }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("forced" as const), account: fc.constantFrom(...TRADERS), amount: fc.bigInt({ min: 1n, max: 8_000n * USDC }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("topUp" as const), account: fc.constantFrom(...TRADERS), amount: fc.bigInt({ min: 1n, max: 3_000n * USDC }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("rescue" as const), liquidator: fc.constantFrom(...TRADERS), q: fc.bigInt({ min: 1n, max: 2_000n }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("settle" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("noop" as const) }) },
);
const batchSpec = fc.record({
  ops: fc.array(opSpec, { minLength: 1, maxLength: 2 }),
  dt: fc.constantFrom(1n, 3_600n, 28_800n, 90_000n),
  moveBps: fc.array(fc.integer({ min: -1_500, max: 1_500 }), { minLength: 4, maxLength: 4 }),
  rate: fc.bigInt({ min: -1_000_000n, max: 1_000_000n }),
});
type BatchSpec = typeof batchSpec extends fc.Arbitrary<infer T> ? T : never;

/** The ops a batch spec asks for, made concrete on `state` under the batch's new markets. */
function plan(state: State, spec: BatchSpec, timestamp: bigint, prices: bigint[], rates: bigint[]): { ops: Op[]; deposits: DepositEntry[] } {
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
    } else if (o.kind === "forced") {
      ops.push({ type: "FORCED_WITHDRAW" });
      deposits.push(forcedRequest(o.account, o.amount));
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
      const live = (i: number) => state.account(i).positions.find((p) => p.size !== 0n && !markets[p.marketId - 1].settled);
      const victim = TRADERS.find((i) => live(i) !== undefined && isLiquidatable(state.account(i), markets, state.global.risk));
      if (victim === undefined) continue;
      const pos = live(victim)!;
      if (accountEquity(state.account(victim), markets) < 0n) {
        const d = planDeleverage(state, victim, pos.marketId, markets);
        if (d) ops.push(d);
      } else if (o.liquidator !== victim) {
        const size = pos.size < 0n ? -pos.size : pos.size;
        ops.push(devLiquidation(state, { liquidatorIndex: o.liquidator, liquidateeIndex: victim, marketId: pos.marketId, nonce: nonce(o.liquidator) }, o.q < size ? o.q : size));
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

/** Applies a batch with the rules and replays it from its decoded calldata; both states must agree. */
function applyAndReplay(state: State, batch: Batch): { state: State; types: string[] } {
  const { state: next, trace } = applyBatch(state, batch);
  const decoded = decodeBatchData(state.params, batchOnChain(state.params, trace).data);
  expect(decoded.oldStateRoot).to.equal(state.stateRoot());
  const replayed = replayBatch(state, { header: decoded.header, ops: decoded.ops, queueEntries: batch.deposits, pnl: decoded.pnl });
  expect(replayed.stateRoot(), "replayed root").to.equal(trace.newStateRoot);
  expect(decoded.newStateRoot).to.equal(trace.newStateRoot);
  expectSameState(replayed, next);
  return { state: next, types: trace.slots.map((s) => s.type) };
}

/** Four funded traders, 1 long 1,400 BTC-PERP against 2, 3 long 10 BTC-FUT against 4. */
async function opened(): Promise<State> {
  const g = await devGenesis(undefined, { insuranceCollateral: 2_000n * USDC });
  let s = applyAndReplay(g, { header: signedHeader(g, 1_000n), ops: [{ type: "DEPOSIT" }, { type: "DEPOSIT" }], deposits: [depositNew(1, 10_000n * USDC), depositNew(2, 10_000n * USDC)] }).state;
  s = applyAndReplay(s, { header: signedHeader(s, 1_001n), ops: [{ type: "DEPOSIT" }, { type: "DEPOSIT" }], deposits: [depositNew(3, 10_000n * USDC), depositNew(4, 10_000n * USDC)] }).state;
  const s0 = s;
  return applyAndReplay(s0, {
    header: signedHeader(s0, 1_002n),
    ops: [
      trade(devOrder(s0, { accountIndex: 2, marketId: 1, isBuy: false, size: 1_400n, limitPrice: 60n * USDC }), devOrder(s0, { accountIndex: 1, marketId: 1, isBuy: true, size: 1_400n, limitPrice: 60n * USDC }), 1_400n),
      trade(devOrder(s0, { accountIndex: 4, marketId: 2, isBuy: false, size: 10n, limitPrice: 60n * USDC }), devOrder(s0, { accountIndex: 3, marketId: 2, isBuy: true, size: 10n, limitPrice: 60n * USDC }), 10n),
    ],
    deposits: [],
  }).state;
}

describe("prover/state replayBatch", function () {
  let start: State;
  before(async function () {
    start = await opened();
  });

  it("gives applyBatch's state for every random lifecycle batch the rules accept", async function () {
    let applied = 0;
    const kinds = new Set<string>();
    fc.assert(
      fc.property(fc.array(batchSpec, { minLength: 2, maxLength: 5 }), (batches) => {
        let state = start;
        let timestamp = state.global.oracleTimestamp;
        for (const b of batches) {
          timestamp += b.dt;
          const prices = state.global.markets.map((m, i) => (m.settled ? m.markPrice : (m.markPrice * BigInt(10_000 + b.moveBps[i])) / 10_000n || 1n));
          const rates = state.global.markets.map((_, i) => (i === 0 ? b.rate : 0n));
          const { ops, deposits } = plan(state, b, timestamp, prices, rates);
          if (ops.length === 0) continue;
          const batch = { header: signedHeader(state, timestamp, prices, undefined, rates), ops, deposits };
          try {
            applyBatch(state, batch);
          } catch (e) {
            if (e instanceof RuleError) continue; // refused by the rules: nothing goes on chain
            throw e;
          }
          const r = applyAndReplay(state, batch); // a replay error here fails the property
          r.types.forEach((t) => kinds.add(t));
          applied++;
          state = r.state;
        }
      }),
      { numRuns: 30, seed: 6 },
    );
    expect(applied).to.be.greaterThan(25);
    for (const k of ["DEPOSIT", "TRADE", "WITHDRAW", "FORCED_WITHDRAW", "LIQUIDATE", "SETTLE", "NOOP"]) expect([...kinds], k).to.include(k);
  });

  it("replays a full liquidation whose deficit the fund absorbs", function () {
    // BTC-PERP at 53: 1 (long 1,400, collateral −74,000) is liquidatable; selling all 1,400 to 2 at the mark
    // leaves 200 − penalty 742 = −542, which the fund (2,000) absorbs
    const prices = [53n * USDC, ...start.global.markets.slice(1).map((m) => m.markPrice)];
    const op = devLiquidation(start, { liquidatorIndex: 2, liquidateeIndex: 1, marketId: 1 }, 1_400n);
    const r = applyAndReplay(start, { header: signedHeader(start, 2_000n, prices), ops: [op], deposits: [] });
    expect(r.types[0]).to.equal("LIQUIDATE");
    expect(r.state.account(1).collateral).to.equal(0n);
    expect(r.state.account(0).collateral).to.equal(2_000n * USDC + 742n * USDC - 542n * USDC);
  });

  it("replays a deleverage at the bankruptcy price", function () {
    // BTC-PERP falls 20%: 1 (long 1,400 at 60 with 10,000) is bankrupt, the fund (2,000 + fees) cannot pay
    const prices = [48n * USDC, ...start.global.markets.slice(1).map((m) => m.markPrice)];
    const markets = previewMarkets(start.global, 2_000n, prices, [0n, 0n, 0n, 0n]);
    const d = planDeleverage(start, 1, 1, markets);
    expect(d).to.not.equal(undefined);
    const r = applyAndReplay(start, { header: signedHeader(start, 2_000n, prices), ops: [d!], deposits: [] });
    expect(r.types[0]).to.equal("DELEVERAGE");
  });

  it("reports the withdrawals it credits on L1 and the queue entries it consumed", function () {
    const batch = {
      header: signedHeader(start, 1_100n),
      ops: [devWithdrawal(start, 3, 500n * USDC), { type: "FORCED_WITHDRAW" as const }],
      deposits: [forcedRequest(4, 700n * USDC)],
    };
    const { trace } = applyBatch(start, batch);
    const decoded = decodeBatchData(start.params, batchOnChain(start.params, trace).data);
    const r = replayBatchDetailed(start, { header: decoded.header, ops: decoded.ops, queueEntries: batch.deposits });
    expect(r.withdrawals).to.deep.equal([
      { slot: 0, accountIndex: 3, amount: 500n * USDC },
      { slot: 1, accountIndex: 4, amount: 700n * USDC },
    ]);
    expect(r.consumed).to.equal(1);
    expect(r.state.stateRoot()).to.equal(trace.newStateRoot);
  });

  it("names the op slot where op data does not fit the state", function () {
    const header = { timestamp: 1_100n, markPrices: start.global.markets.map((m) => m.markPrice), fundingRates: [0n, 0n, 0n, 0n], riskHash: riskHash(start.global.risk) };
    expect(() =>
      replayBatch(start, { header, ops: [{ type: "NOOP" }, { type: "WITHDRAW", accountIndex: 9, amount: 1n }], queueEntries: [] }),
    ).to.throw(RuleError, /UNKNOWN_ACCOUNT: WITHDRAW account 9 is empty \(op slot 1\)/);
    expect(() => replayBatch(start, { header, ops: [{ type: "SETTLE", accountIndex: 1, marketId: 2 }], queueEntries: [] })).to.throw(/MARKET_NOT_SETTLED.*op slot 0/);
    expect(() => replayBatch(start, { header, ops: [{ type: "DEPOSIT" }], queueEntries: [] })).to.throw(/DEPOSIT_QUEUE/);
    expect(() => replayBatch(start, { header, ops: [{ type: "FORCED_WITHDRAW", accountIndex: 1, amount: 5n }], queueEntries: [topUp(1, 5n)] })).to.throw(/DEPOSIT_QUEUE.*op slot 0/);
  });

  it("never mutates the input state", function () {
    const before = start.stateRoot();
    const header = { timestamp: 1_100n, markPrices: start.global.markets.map((m) => m.markPrice), fundingRates: [0n, 0n, 0n, 0n], riskHash: riskHash(start.global.risk) };
    replayBatch(start, { header, ops: [{ type: "DEPOSIT" }], queueEntries: [topUp(1, 5n)] });
    expect(start.stateRoot()).to.equal(before);
  });
});
