/**
 * The sequencer: validation at once with the reference rules (a refusal changes
 * nothing), price-time matching at the maker's price, cutting by size and by time,
 * and cut batches that the reference rules accept in order.
 */
import { expect } from "chai";
import { applyBatch } from "../../../prover/state/batch";
import { RuleError } from "../../../prover/state/errors";
import type { Params } from "../../../prover/state/params";
import type { State } from "../../../prover/state/state";
import {
  CI_PARAMS,
  depositNew,
  devGenesis,
  devLiquidation,
  devOrder,
  devWithdrawal,
  forcedRequest,
  insecureDevAccountKey,
  signedHeader,
  type OrderSpec,
} from "../../../prover/dev/fixtures";
import { Sequencer, SequencerError, type SequencerOptions } from "../../../prover/service/sequencer";

const PARAMS: Params = { ...CI_PARAMS, batchSize: 4 };
const USDC = 1_000_000n;
const BTC = 1;
const FUT = 2;

interface World {
  genesis: State;
  seq: Sequencer;
  now: { t: number };
}

async function world(opts: Partial<SequencerOptions> = {}): Promise<World> {
  const genesis = await devGenesis(PARAMS);
  const now = { t: 1_000_000 };
  const seq = new Sequencer({ state: genesis, clock: () => now.t, batchIntervalMs: 5_000, maxRestingOrders: 100, ...opts });
  return { genesis, seq, now };
}

/** A world with accounts 1..3 funded in the pending batch (3 ops of 4): account 1 rich, 2 and 3 not. */
async function funded(opts: Partial<SequencerOptions> = {}): Promise<World> {
  const w = await world(opts);
  w.seq.setHeader(signedHeader(w.genesis, 2000n));
  w.seq.submitDeposit(depositNew(1, 1_000_000n * USDC));
  for (const i of [2, 3]) w.seq.submitDeposit(depositNew(i, 10_000n * USDC));
  return w;
}

function order(w: World, spec: OrderSpec) {
  return devOrder(w.seq.pendingState(), spec);
}

/** Everything a refusal must leave as it was. */
function snapshot(seq: Sequencer) {
  return { root: seq.pendingState().stateRoot(), pending: seq.pendingOps, resting: seq.restingOrders, outbox: seq.outbox.length };
}

function expectRefused(seq: Sequencer, f: () => unknown, code: string): void {
  const before = snapshot(seq);
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, `expected ${code}`).to.be.instanceOf(Error);
  expect((err as RuleError | SequencerError).code).to.equal(code);
  expect(snapshot(seq)).to.deep.equal(before);
}

describe("# sequencer", function () {
  it("rests an order that crosses nothing and fills a crossing one at the maker's price", async function () {
    const w = await funded();
    const sell = w.seq.submitOrder(order(w, { accountIndex: 1, marketId: BTC, isBuy: false, size: 5n, limitPrice: 60_000_000n }));
    expect(sell.status).to.equal("resting");
    const buy = w.seq.submitOrder(order(w, { accountIndex: 2, marketId: BTC, isBuy: true, size: 3n, limitPrice: 61_000_000n }));
    expect(buy.status).to.equal("filled");
    expect(buy.trade).to.deep.include({ makerOrderId: sell.orderId, q: 3n, price: 60_000_000n });
    // 3 deposits + 1 trade = N: the batch is cut, and the maker's rest is dropped with its nonce
    expect(w.seq.outbox.length).to.equal(1);
    expect(w.seq.restingOrders).to.equal(0);
    const batch = w.seq.outbox[0];
    expect(batch.ops.map((o) => o.type)).to.deep.equal(["DEPOSIT", "DEPOSIT", "DEPOSIT", "TRADE"]);
    expect(applyBatch(w.genesis, batch).state.stateRoot()).to.equal(w.seq.pendingState().stateRoot());
  });

  it("takes the best price first, then the earliest order", async function () {
    const w = await funded();
    const a = w.seq.submitOrder(order(w, { accountIndex: 1, marketId: BTC, isBuy: false, size: 1n, limitPrice: 60_500_000n }));
    const b = w.seq.submitOrder(order(w, { accountIndex: 3, marketId: BTC, isBuy: false, size: 1n, limitPrice: 60_000_000n }));
    expect([a.status, b.status]).to.deep.equal(["resting", "resting"]);
    const r = w.seq.submitOrder(order(w, { accountIndex: 2, marketId: BTC, isBuy: true, size: 1n, limitPrice: 61_000_000n }));
    expect(r.trade?.makerOrderId).to.equal(b.orderId);
    expect(r.trade?.price).to.equal(60_000_000n);
  });

  it("refuses a wrongly signed order, a wrong nonce, an unknown account or market, and changes nothing", async function () {
    const w = await funded();
    w.seq.submitOrder(order(w, { accountIndex: 1, marketId: BTC, isBuy: false, size: 1n, limitPrice: 60_000_000n }));
    const s = w.seq.pendingState();
    const forged = devOrder(s, { accountIndex: 2, marketId: BTC, isBuy: true, size: 1n, limitPrice: 61_000_000n }, insecureDevAccountKey(3));
    expectRefused(w.seq, () => w.seq.submitOrder(forged), "BAD_SIGNATURE");
    expectRefused(w.seq, () => w.seq.submitOrder(order(w, { accountIndex: 2, marketId: BTC, isBuy: true, size: 1n, limitPrice: 61_000_000n, nonce: 7n })), "NONCE_MISMATCH");
    expectRefused(w.seq, () => w.seq.submitOrder(devOrder(s, { accountIndex: 9, marketId: BTC, isBuy: true, size: 1n, limitPrice: 1n })), "UNKNOWN_ACCOUNT");
    expectRefused(w.seq, () => w.seq.submitOrder(order(w, { accountIndex: 2, marketId: PARAMS.markets + 1, isBuy: true, size: 1n, limitPrice: 1n })), "UNKNOWN_MARKET");
    expectRefused(w.seq, () => w.seq.submitOrder(order(w, { accountIndex: 2, marketId: BTC, isBuy: true, size: 1n, limitPrice: 1n, expiry: 1000n })), "ORDER_EXPIRED");
  });

  it("refuses a taker without margin and leaves the maker resting", async function () {
    const w = await funded();
    w.seq.submitOrder(order(w, { accountIndex: 1, marketId: BTC, isBuy: false, size: 4000n, limitPrice: 60_000_000n }));
    expectRefused(w.seq, () => w.seq.submitOrder(order(w, { accountIndex: 2, marketId: BTC, isBuy: true, size: 4000n, limitPrice: 60_000_000n })), "INSUFFICIENT_MARGIN");
    expect(w.seq.restingOrders).to.equal(1);
  });

  it("skips a maker that can no longer trade and fills against the next one", async function () {
    const w = await funded();
    const stale = w.seq.submitOrder(order(w, { accountIndex: 1, marketId: BTC, isBuy: false, size: 4n, limitPrice: 59_000_000n, expiry: 2001n }));
    const ok = w.seq.submitOrder(order(w, { accountIndex: 3, marketId: BTC, isBuy: false, size: 2n, limitPrice: 60_000_000n }));
    w.seq.setHeader(signedHeader(w.genesis, 2005n)); // the best maker has expired
    const r = w.seq.submitOrder(order(w, { accountIndex: 2, marketId: BTC, isBuy: true, size: 2n, limitPrice: 60_000_000n }));
    expect(r.status).to.equal("filled");
    expect(r.trade?.makerOrderId).to.equal(ok.orderId);
    expect(w.seq.book(BTC).get(stale.orderId)).to.not.equal(undefined);
  });

  it("a new order with the same account and nonce replaces the resting one", async function () {
    const w = await funded();
    const a = w.seq.submitOrder(order(w, { accountIndex: 1, marketId: BTC, isBuy: false, size: 1n, limitPrice: 60_000_000n }));
    const b = w.seq.submitOrder(order(w, { accountIndex: 1, marketId: BTC, isBuy: false, size: 2n, limitPrice: 60_100_000n }));
    expect(b.replaced).to.equal(a.orderId);
    expect(w.seq.restingOrders).to.equal(1);
  });

  it("cuts a non-empty batch after the interval, not before, and needs a new header after", async function () {
    const w = await world();
    w.seq.setHeader(signedHeader(w.genesis, 2000n));
    expect(w.seq.tick()).to.equal(undefined);
    w.seq.submitDeposit(depositNew(1, 100n * USDC));
    w.now.t += 4_999;
    expect(w.seq.tick()).to.equal(undefined);
    w.now.t += 1;
    const batch = w.seq.tick();
    expect(batch?.ops.length).to.equal(1);
    expect(w.seq.takeCut()).to.equal(batch);
    expectRefused(w.seq, () => w.seq.submitDeposit(depositNew(2, 1n)), "NO_ORACLE_HEADER");
    // a stale header (not newer than the cut batch's) is refused
    expectRefused(w.seq, () => w.seq.setHeader(signedHeader(w.genesis, 2000n)), "ORACLE_TIMESTAMP");
    w.seq.setHeader(signedHeader(w.genesis, 2001n));
    w.seq.submitDeposit(depositNew(2, 1n));
    expect(w.seq.pendingOps).to.equal(1);
  });

  it("a header under which the pending ops fail cuts the pending batch first", async function () {
    const w = await funded();
    w.seq.setHeader(signedHeader(w.genesis, 2005n)); // the pending ops still hold: adopted
    expect(w.seq.outbox.length).to.equal(0);
    expect(w.seq.currentHeader()?.timestamp).to.equal(2005n);
    w.seq.submitOrder(order(w, { accountIndex: 1, marketId: BTC, isBuy: false, size: 1n, limitPrice: 60_000_000n, expiry: 2010n }));
    // the resting order expires under the next header but it is not in the batch: the pending deposits hold
    w.seq.setHeader(signedHeader(w.genesis, 3000n));
    expect(w.seq.outbox.length).to.equal(0);

    const v = await world();
    v.seq.setHeader(signedHeader(v.genesis, 2000n));
    v.seq.submitDeposit(depositNew(1, 1_000_000n * USDC));
    v.seq.submitDeposit(depositNew(2, 10_000n * USDC));
    v.seq.submitOrder(order(v, { accountIndex: 1, marketId: BTC, isBuy: false, size: 1n, limitPrice: 60_000_000n, expiry: 2001n }));
    expect(v.seq.submitOrder(order(v, { accountIndex: 2, marketId: BTC, isBuy: true, size: 1n, limitPrice: 60_000_000n })).status).to.equal("filled");
    v.seq.setHeader(signedHeader(v.genesis, 2005n)); // the pending trade's maker order expired under it
    expect(v.seq.outbox.length).to.equal(1);
    expect(v.seq.outbox[0].header.timestamp).to.equal(2000n);
    expect(v.seq.pendingOps).to.equal(0);
    expect(v.seq.currentHeader()?.timestamp).to.equal(2005n);
  });

  it("signs headers with the dev oracle when none was posted", async function () {
    const genesis = await devGenesis(PARAMS);
    const w = await world({ devOracle: (s, now) => signedHeader(s, BigInt(Math.floor(now / 1000)) + s.global.oracleTimestamp) });
    w.seq.submitDeposit(depositNew(1, 100n * USDC));
    expect(w.seq.cutNow()?.ops.length).to.equal(1);
    w.seq.submitDeposit(depositNew(2, 100n * USDC));
    const second = w.seq.cutNow();
    const [first] = w.seq.outbox;
    const s1 = applyBatch(genesis, first).state;
    expect(applyBatch(s1, second!).state.stateRoot()).to.equal(w.seq.pendingState().stateRoot());
  });

  it("refuses a new resting order when the book is full", async function () {
    const w = await funded({ maxRestingOrders: 1 });
    w.seq.submitOrder(order(w, { accountIndex: 1, marketId: BTC, isBuy: false, size: 1n, limitPrice: 60_000_000n }));
    expectRefused(w.seq, () => w.seq.submitOrder(order(w, { accountIndex: 2, marketId: BTC, isBuy: false, size: 1n, limitPrice: 60_000_000n })), "BOOK_FULL");
  });

  describe("withdrawals, liquidations, settlements, forced withdrawals", function () {
    /** Prices of `state`'s markets with market 1 (BTC-PERP) at `btc`. */
    function prices(state: State, btc: bigint): bigint[] {
      return state.global.markets.map((m, j) => (j === 0 ? btc : m.markPrice));
    }

    /**
     * Accounts 1..3 funded and cut with a trade: account 2 long 1500 BTC-PERP lots at 60
     * (90,000 notional on 10,000 collateral), account 1 short; then a header moving the
     * BTC-PERP mark to `btc`.
     */
    async function leveraged(btc: bigint, opts: Partial<SequencerOptions> = {}): Promise<World> {
      const w = await funded(opts);
      w.seq.submitOrder(order(w, { accountIndex: 1, marketId: BTC, isBuy: false, size: 1500n, limitPrice: 60_000_000n }));
      expect(w.seq.submitOrder(order(w, { accountIndex: 2, marketId: BTC, isBuy: true, size: 1500n, limitPrice: 60_000_000n })).status).to.equal("filled");
      expect(w.seq.outbox.length, "3 deposits + the trade fill the batch").to.equal(1);
      const s = w.seq.pendingState();
      w.seq.setHeader(signedHeader(s, 2001n, prices(s, btc)));
      return w;
    }

    it("accepts a signed withdrawal at once and drops the account's resting orders with its nonce", async function () {
      const w = await funded();
      const resting = w.seq.submitOrder(order(w, { accountIndex: 2, marketId: BTC, isBuy: true, size: 1n, limitPrice: 50_000_000n }));
      const before = w.seq.pendingState().account(2).collateral;
      const r = w.seq.submitWithdraw(devWithdrawal(w.seq.pendingState(), 2, 100n * USDC));
      expect(r).to.deep.include({ status: "accepted", op: "WITHDRAW", pendingOps: 0 }); // the 4th op cut the batch
      expect(w.seq.outbox.length).to.equal(1);
      expect(w.seq.outbox[0].ops.map((o) => o.type)).to.deep.equal(["DEPOSIT", "DEPOSIT", "DEPOSIT", "WITHDRAW"]);
      expect(w.seq.pendingState().account(2).collateral).to.equal(before - 100n * USDC);
      expect(w.seq.book(BTC).get(resting.orderId), "its nonce moved on").to.equal(undefined);
      expect(applyBatch(w.genesis, w.seq.outbox[0]).state.stateRoot()).to.equal(w.seq.pendingState().stateRoot());
    });

    it("refuses a withdrawal with a wrong key, a wrong nonce, more than the margin allows, or from an empty account, and changes nothing", async function () {
      const w = await funded();
      const s = w.seq.pendingState();
      expectRefused(w.seq, () => w.seq.submitWithdraw(devWithdrawal(s, 2, 1n, undefined, insecureDevAccountKey(3))), "BAD_SIGNATURE");
      expectRefused(w.seq, () => w.seq.submitWithdraw(devWithdrawal(s, 2, 1n, 5n)), "NONCE_MISMATCH");
      expectRefused(w.seq, () => w.seq.submitWithdraw(devWithdrawal(s, 2, 10_001n * USDC)), "INSUFFICIENT_MARGIN");
      expectRefused(w.seq, () => w.seq.submitWithdraw(devWithdrawal(s, 7, 1n)), "UNKNOWN_ACCOUNT");
      expectRefused(w.seq, () => w.seq.submitWithdraw(devWithdrawal(s, 2, 0n)), "RANGE");
      expect(w.seq.pendingOps).to.equal(3);
    });

    it("accepts the liquidation of an under-margined account and refuses a healthy one, changing nothing", async function () {
      const w = await leveraged(55_000_000n);
      const s = w.seq.pendingState();
      expectRefused(w.seq, () => w.seq.submitLiquidate(devLiquidation(s, { liquidatorIndex: 2, liquidateeIndex: 1, marketId: BTC }, 10n)), "NOT_LIQUIDATABLE");
      expectRefused(
        w.seq,
        () => w.seq.submitLiquidate(devLiquidation(s, { liquidatorIndex: 1, liquidateeIndex: 2, marketId: BTC }, 10n, insecureDevAccountKey(3))),
        "BAD_SIGNATURE",
      );
      expectRefused(w.seq, () => w.seq.submitLiquidate(devLiquidation(s, { liquidatorIndex: 1, liquidateeIndex: 2, marketId: BTC, maxSize: 5n }, 10n)), "FILL_EXCEEDS_ORDER");
      const r = w.seq.submitLiquidate(devLiquidation(s, { liquidatorIndex: 1, liquidateeIndex: 2, marketId: BTC }, 500n));
      expect(r).to.deep.include({ status: "accepted", op: "LIQUIDATE", pendingOps: 1 });
      const after = w.seq.pendingState();
      expect(after.account(2).positions[0].size).to.equal(1000n);
      expect(after.account(1).positions[0].size).to.equal(-1000n);
      expect(after.account(1).nonce).to.equal(s.account(1).nonce + 1n);
      // the liquidator's message is spent: posting it again fails on the nonce
      expectRefused(w.seq, () => w.seq.submitLiquidate(devLiquidation(s, { liquidatorIndex: 1, liquidateeIndex: 2, marketId: BTC }, 500n)), "NONCE_MISMATCH");
    });

    it("plans a DELEVERAGE when a liquidation leaves a deficit the fund cannot pay; with autoDeleverage off it is refused", async function () {
      const w = await leveraged(50_000_000n); // account 2: equity 10,000 − 15,000 < 0, the fund holds 0
      const s = w.seq.pendingState();
      const liq = devLiquidation(s, { liquidatorIndex: 1, liquidateeIndex: 2, marketId: BTC }, 1500n);
      const r = w.seq.submitLiquidate(liq);
      expect(r.status).to.equal("deleveraged");
      expect(r.op).to.equal("DELEVERAGE");
      expect(r.deleverage).to.deep.include({ type: "DELEVERAGE", bankrupt: 2, counterparty: 1, marketId: BTC, q: 1500n });
      const after = w.seq.pendingState();
      expect(after.account(2).positions.every((p) => p.marketId === 0)).to.equal(true);
      const eq = after.account(2).collateral;
      expect(eq >= 0n && eq < 1500n, `0 ≤ equity ${eq} < q`).to.equal(true);
      expect(after.account(1).nonce, "the liquidator's message is not used").to.equal(s.account(1).nonce);
      w.seq.cutNow();
      const batch = w.seq.outbox[1];
      expect(batch.ops.map((o) => o.type)).to.deep.equal(["DELEVERAGE"]);
      expect(applyBatch(applyBatch(w.genesis, w.seq.outbox[0]).state, batch).state.stateRoot()).to.equal(after.stateRoot());

      const v = await leveraged(50_000_000n, { autoDeleverage: false });
      expectRefused(v.seq, () => v.seq.submitLiquidate(devLiquidation(v.seq.pendingState(), { liquidatorIndex: 1, liquidateeIndex: 2, marketId: BTC }, 1500n)), "FUND_NEGATIVE");
    });

    it("accepts a SETTLE of a position in a settled market, once; refuses one in a live market", async function () {
      const w = await funded();
      w.seq.submitOrder(order(w, { accountIndex: 1, marketId: FUT, isBuy: false, size: 5n, limitPrice: 60_000_000n }));
      w.seq.submitOrder(order(w, { accountIndex: 2, marketId: FUT, isBuy: true, size: 5n, limitPrice: 60_000_000n }));
      expect(w.seq.outbox.length).to.equal(1);
      const s = w.seq.pendingState();
      w.seq.setHeader(signedHeader(s, 2001n));
      expectRefused(w.seq, () => w.seq.submitSettle({ type: "SETTLE", accountIndex: 2, marketId: FUT }), "MARKET_NOT_SETTLED");
      const expiry = s.global.markets[FUT - 1].expiry;
      w.seq.setHeader(signedHeader(s, expiry, s.global.markets.map((m, j) => (j === FUT - 1 ? 61_000_000n : m.markPrice))));
      const r = w.seq.submitSettle({ type: "SETTLE", accountIndex: 2, marketId: FUT });
      expect(r).to.deep.include({ status: "accepted", op: "SETTLE", pendingOps: 1 });
      expect(w.seq.pendingState().account(2).positions.find((p) => p.marketId === FUT)).to.equal(undefined);
      expectRefused(w.seq, () => w.seq.submitSettle({ type: "SETTLE", accountIndex: 2, marketId: FUT }), "NO_POSITION");
      expectRefused(w.seq, () => w.seq.submitSettle({ type: "SETTLE", accountIndex: 2, marketId: BTC }), "MARKET_NOT_SETTLED");
      expectRefused(w.seq, () => w.seq.submitSettle({ type: "SETTLE", accountIndex: 0, marketId: FUT }), "FUND_ACCOUNT");
    });

    it("takes a forced-withdrawal request from the queue as FORCED_WITHDRAW and refuses a deposit posted as one", async function () {
      const w = await funded();
      expectRefused(w.seq, () => w.seq.submitForcedWithdraw(depositNew(4, 1n)), "DEPOSIT_QUEUE");
      expectRefused(w.seq, () => w.seq.submitQueueEntry(forcedRequest(9, 1n)), "UNKNOWN_ACCOUNT");
      const before = w.seq.pendingState().account(3).collateral;
      const r = w.seq.submitQueueEntry(forcedRequest(3, 250n * USDC));
      expect(r).to.deep.include({ status: "accepted", op: "FORCED_WITHDRAW", pendingOps: 0 }); // the 4th op cut the batch
      const batch = w.seq.outbox[0];
      expect(batch.ops.map((o) => o.type)).to.deep.equal(["DEPOSIT", "DEPOSIT", "DEPOSIT", "FORCED_WITHDRAW"]);
      expect(batch.deposits[3]).to.deep.equal(forcedRequest(3, 250n * USDC));
      expect(w.seq.pendingState().account(3).collateral).to.equal(before - 250n * USDC);
      expect(w.seq.pendingState().global.depositCount).to.equal(4);
    });

    it("needs an oracle header for every op kind", async function () {
      const w = await world();
      const s = w.genesis;
      expectRefused(w.seq, () => w.seq.submitWithdraw(devWithdrawal(s, 1, 1n)), "NO_ORACLE_HEADER");
      expectRefused(w.seq, () => w.seq.submitSettle({ type: "SETTLE", accountIndex: 1, marketId: FUT }), "NO_ORACLE_HEADER");
      expectRefused(w.seq, () => w.seq.submitLiquidate(devLiquidation(s, { liquidatorIndex: 1, liquidateeIndex: 2, marketId: BTC }, 1n)), "NO_ORACLE_HEADER");
      expectRefused(w.seq, () => w.seq.submitQueueEntry(forcedRequest(1, 1n)), "NO_ORACLE_HEADER");
    });
  });
});
