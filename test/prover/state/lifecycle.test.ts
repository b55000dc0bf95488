/**
 * The derivative lifecycle of protocol.md section 5: funding, settlement of futures and
 * options at expiry, WITHDRAW, LIQUIDATE, SETTLE, DELEVERAGE and the insurance fund.
 * Every refusal names the op, the rule and the numbers, and changes nothing.
 */
import { expect } from "chai";
import { applyBatch, type Batch, type Op } from "../../../prover/state/batch";
import { unappliedFunding } from "../../../prover/state/margin";
import { bankruptcyPrice, pickDeleverageCounterparty, planDeleverage, type DeleverageOp } from "../../../prover/state/ops/deleverage";
import type { DepositEntry } from "../../../prover/state/ops/deposit";
import type { Params } from "../../../prover/state/params";
import type { State } from "../../../prover/state/state";
import type { BatchTrace } from "../../../prover/state/trace";
import { wireOp } from "../../../prover/circuit-input/batch-data";
import {
  CI_PARAMS,
  depositNew,
  devGenesis,
  devLiquidation,
  devOrder,
  devWithdrawal,
  insecureDevAccountKey,
  signedHeader,
  trade,
  type LiquidationSpec,
  type OrderSpec,
} from "./fixtures";
import { expectRule, expectSameState } from "./helpers";

const PARAMS: Params = { ...CI_PARAMS, batchSize: 4 };
const USDC = 1_000_000n;
const PERP = 1;
const FUT = 2;
const CALL = 3;
const PUT = 4;
const EXPIRY = 10_000n;
const BASE = [60n * USDC, 60n * USDC, 1_200_000n, 1_100_000n];

interface H {
  prices?: bigint[];
  rates?: bigint[];
}
function batch(s: State, ts: bigint, ops: Op[], deposits: DepositEntry[] = [], h: H = {}): Batch {
  return { header: signedHeader(s, ts, h.prices ?? BASE, undefined, h.rates), ops, deposits };
}
function run(s: State, ts: bigint, ops: Op[], deposits: DepositEntry[] = [], h: H = {}): { state: State; trace: BatchTrace } {
  return applyBatch(s, batch(s, ts, ops, deposits, h));
}
function refused(s: State, b: Batch, code: Parameters<typeof expectRule>[1], ...fragments: string[]): void {
  const copy = s.clone();
  expectRule(() => applyBatch(s, b), code, ...fragments);
  expectSameState(s, copy);
}
const order = (accountIndex: number, marketId: number, isBuy: boolean, size: bigint, limitPrice: bigint): OrderSpec => ({
  accountIndex,
  marketId,
  isBuy,
  size,
  limitPrice,
});
/** seller sells q lots of `marketId` to buyer at p (maker = seller). */
const fill = (s: State, seller: number, buyer: number, marketId: number, q: bigint, p: bigint): Op =>
  trade(devOrder(s, order(seller, marketId, false, q, p)), devOrder(s, order(buyer, marketId, true, q, p)), q);
const prices = (perp: bigint): bigint[] => [perp, ...BASE.slice(1)];

/**
 * Accounts 1, 2: 1,000 USDC; 3: 20 USDC; 4: 5,000 USDC (timestamp 1000). Then (timestamp
 * 1100) account 1 sells 3 BTC-PERP lots to account 3 and account 4 sells 1 to account 2,
 * all at 60 USDC. Account 3: collateral −160, long 3, requirement 18, maintenance 9.
 */
async function world(insuranceCollateral = 0n): Promise<State> {
  const g = await devGenesis(PARAMS, { expiry: EXPIRY, insuranceCollateral });
  const d = [depositNew(1, 1000n * USDC), depositNew(2, 1000n * USDC), depositNew(3, 20n * USDC), depositNew(4, 5000n * USDC)];
  const s = run(g, 1000n, d.map(() => ({ type: "DEPOSIT" }) as Op), d).state;
  return run(s, 1100n, [fill(s, 1, 3, PERP, 3n, 60n * USDC), fill(s, 4, 2, PERP, 1n, 60n * USDC)]).state;
}

describe("prover/state lifecycle: funding, expiry, withdrawals, liquidations, settlements, deleverages", () => {
  let w: State;
  before(async () => {
    w = await world();
  });

  describe("# header and funding", () => {
    it("moves the perpetual's funding index by floor(rate · markPrice · dt / 10^12) and leaves the other kinds", () => {
      const r = run(w, 2100n, [], [], { rates: [1_000_000n, 0n, 0n, 0n] });
      // 1e6 · 60e6 · 1000 / 1e12 = 60,000 units per lot
      expect(r.trace.fundingDelta).to.deep.equal([60_000n, 0n, 0n, 0n]);
      expect(r.state.global.markets[0].fundingIndex).to.equal(60_000n);
      expect(r.trace.newMarket[0].fundingIndex).to.equal(60_000n);
      expect(r.trace.oldMarket[0].fundingIndex).to.equal(0n);
      expect(r.trace.dt).to.equal(1000n);
      expect(r.trace.fundingRates).to.deep.equal([1_000_000n, 0n, 0n, 0n]);
      expect(r.trace.expiresNow).to.deep.equal([false, false, false, false]);
    });

    it("floors a negative funding step toward −∞", () => {
      const r = run(w, 2100n, [], [], { prices: prices(60_000_001n), rates: [-1n, 0n, 0n, 0n] });
      // −1 · 60,000,001 · 1000 / 1e12 = −0.00006… → −1
      expect(r.trace.fundingDelta[0]).to.equal(-1n);
    });

    it("rejects a funding rate above maxFundingRate", () => {
      refused(w, batch(w, 2100n, [], [], { rates: [1_000_001n, 0n, 0n, 0n] }), "FUNDING_RATE", "HEADER market 1 funding rate 1000001 outside |rate| ≤ maxFundingRate 1000000");
      refused(w, batch(w, 2100n, [], [], { rates: [-1_000_001n, 0n, 0n, 0n] }), "FUNDING_RATE", "funding rate -1000001");
    });

    it("rejects a funding rate on a market that is not a perpetual", () => {
      refused(w, batch(w, 2100n, [], [], { rates: [0n, 5n, 0n, 0n] }), "FUNDING_RATE", "market 2 funding rate 5 ≠ 0: only a perpetual pays funding");
    });

    it("rejects a funding rate outside −2^23 < rate < 2^23", () => {
      refused(w, batch(w, 2100n, [], [], { rates: [2n ** 23n, 0n, 0n, 0n] }), "RANGE", "market 1 fundingRate 8388608 outside");
    });

    it("rejects an oracle timestamp that goes backwards or stays", () => {
      refused(w, batch(w, 1099n, []), "ORACLE_TIMESTAMP", "timestamp 1099 ≤ oracleTimestamp 1100");
      refused(w, batch(w, 1100n, []), "ORACLE_TIMESTAMP", "timestamp 1100 ≤ oracleTimestamp 1100");
    });

    it("applies funding lazily: an untouched account keeps it unapplied, the next op that touches it applies it first", () => {
      const f = run(w, 2100n, [], [], { rates: [1_000_000n, 0n, 0n, 0n] }).state;
      const a1 = f.account(1); // short 3: receives 3 · 60,000
      expect(a1.collateral).to.equal(w.account(1).collateral);
      expect(unappliedFunding(a1, f.global.markets)).to.equal(-180_000n);
      const r = run(f, 2101n, [devWithdrawal(f, 1, 5n * USDC), { type: "DEPOSIT" }], [{ accountIndex: 3, ax: 0n, ay: 0n, amount: USDC }]);
      const slot = r.trace.slots[0];
      expect(slot.aFunded.collateral).to.equal(a1.collateral + 180_000n);
      expect(slot.aFunded.positions[0].fundingSnapshot).to.equal(60_000n);
      expect(slot.a.after.collateral).to.equal(a1.collateral + 180_000n - 5n * USDC);
      expect(slot.bFunded).to.equal(slot.b.before);
      // a DEPOSIT applies no funding
      const dep = r.trace.slots[1];
      expect(dep.aFunded).to.equal(dep.a.before);
      expect(r.state.account(3).positions[0].fundingSnapshot).to.equal(0n);
      expect(unappliedFunding(r.state.account(3), r.state.global.markets)).to.equal(180_000n);
    });
  });

  describe("# expiry and SETTLE", () => {
    // accounts 5, 6 with 1,000 USDC; 5 buys 2 BTC-FUT at 60 and 2 BTC-CALL at 1.2 from 6; 4 buys 1 BTC-PUT at 1.1 from 2
    let open: State;
    before(() => {
      const d = [depositNew(5, 1000n * USDC), depositNew(6, 1000n * USDC)];
      let g = run(w, 1150n, [{ type: "DEPOSIT" }, { type: "DEPOSIT" }], d).state;
      g = run(g, 1200n, [fill(g, 6, 5, FUT, 2n, 60n * USDC), fill(g, 2, 4, PUT, 1n, 1_100_000n)]).state;
      open = run(g, 1300n, [fill(g, 6, 5, CALL, 2n, 1_200_000n)]).state;
    });
    const SETTLED = { prices: [60n * USDC, 63n * USDC, 3n * USDC, 0n] };
    /** The header at expiry: every dated market's price is the underlying's S = 63 USDC. */
    const atExpiry = (s: State, ts: bigint, ops: Op[]) => run(s, ts, ops, [], { prices: [60n * USDC, 63n * USDC, 63n * USDC, 63n * USDC] });

    it("settles the dated markets in the first header at or after expiry at payoff(kind, S, strike)", () => {
      const r = atExpiry(open, EXPIRY, []);
      expect(r.trace.expiresNow).to.deep.equal([false, true, true, true]);
      const m = r.state.global.markets;
      expect(m.map((x) => [x.settled, x.settlementPrice, x.markPrice])).to.deep.equal([
        [false, 0n, 60n * USDC],
        [true, 63n * USDC, 63n * USDC], // future: S
        [true, 3n * USDC, 3n * USDC], // call: S − K
        [true, 0n, 0n], // put: max(K − S, 0)
      ]);
      expect(r.trace.oldMarket[1].settled).to.equal(false);
      expect(r.trace.newMarket[1].settled).to.equal(true);
    });

    it("closes a future position at the settlement price: collateral += size · S, slot cleared", () => {
      const e = atExpiry(open, EXPIRY, []).state;
      const r = run(e, EXPIRY + 1n, [
        { type: "SETTLE", accountIndex: 5, marketId: FUT },
        { type: "SETTLE", accountIndex: 6, marketId: FUT },
      ], [], SETTLED);
      expect(r.state.account(5).collateral).to.equal(e.account(5).collateral + 126n * USDC);
      expect(r.state.account(6).collateral).to.equal(e.account(6).collateral - 126n * USDC);
      expect(r.state.account(5).positions.some((p) => p.marketId === FUT)).to.equal(false);
      expect(r.trace.slots[0].settle).to.deep.equal({ marketId: FUT, slot: 0, value: 126n * USDC, deficit: 0n });
      expect(r.trace.slots[1].settle).to.deep.equal({ marketId: FUT, slot: 0, value: -126n * USDC, deficit: 0n });
      expect(r.trace.slots[0].b.index).to.equal(0);
      expect(wireOp(r.trace.slots[0])).to.deep.equal({ type: "SETTLE", accountIndex: 5, marketId: FUT });
    });

    it("pays an option's cash value: a call at S − K, a put worth 0", () => {
      const e = atExpiry(open, EXPIRY, []).state;
      const r = run(e, EXPIRY + 1n, [
        { type: "SETTLE", accountIndex: 5, marketId: CALL },
        { type: "SETTLE", accountIndex: 6, marketId: CALL },
        { type: "SETTLE", accountIndex: 4, marketId: PUT },
        { type: "SETTLE", accountIndex: 2, marketId: PUT },
      ], [], SETTLED);
      expect(r.state.account(5).collateral).to.equal(e.account(5).collateral + 6n * USDC);
      expect(r.state.account(6).collateral).to.equal(e.account(6).collateral - 6n * USDC);
      expect(r.state.account(4).collateral).to.equal(e.account(4).collateral);
      expect(r.state.account(4).positions.some((p) => p.marketId === PUT)).to.equal(false);
    });

    it("rejects a settlement before expiry", () => {
      refused(open, batch(open, 2000n, [{ type: "SETTLE", accountIndex: 5, marketId: FUT }]), "MARKET_NOT_SETTLED", "SETTLE market 2 is not settled: timestamp 2000 < expiry 10000", "(op slot 0)");
    });

    it("rejects settling a perpetual", () => {
      refused(open, batch(open, 2000n, [{ type: "SETTLE", accountIndex: 1, marketId: PERP }]), "MARKET_NOT_SETTLED", "market 1 is a perpetual and never settles");
    });

    it("rejects settling the same position twice", () => {
      const again = { type: "SETTLE", accountIndex: 5, marketId: FUT } as Op;
      const e = atExpiry(open, EXPIRY, [again]).state;
      refused(e, batch(e, EXPIRY + 1n, [again], [], SETTLED), "NO_POSITION", "SETTLE account 5 holds no position in market 2");
      expectRule(() => atExpiry(open, EXPIRY, [again, again]), "NO_POSITION", "(op slot 1)");
    });

    it("rejects a header that moves a settled market's price, or gives it a funding rate", () => {
      const e = atExpiry(open, EXPIRY, []).state;
      refused(e, batch(e, EXPIRY + 1n, [], [], { prices: [60n * USDC, 64n * USDC, 3n * USDC, 0n] }), "SETTLED_PRICE", "market 2 is settled at 63.000000; header price 64.000000 must equal it");
      refused(e, batch(e, EXPIRY + 1n, [], [], { ...SETTLED, rates: [0n, 1n, 0n, 0n] }), "FUNDING_RATE", "market 2 funding rate 1 ≠ 0: the market is settled");
    });

    it("rejects a trade in a settled market", () => {
      const e = atExpiry(open, EXPIRY, []).state;
      refused(e, batch(e, EXPIRY + 1n, [fill(e, 6, 5, FUT, 1n, 63n * USDC)], [], SETTLED), "MARKET_SETTLED", "TRADE market 2 settled at 63.000000");
    });

    it("counts the risk arrays of settled markets as 0", () => {
      // account 6: short 2 FUT, short 2 CALL, settled at 63 and 3: equity 1,000 + 120 + 2.4 − 126 − 6 = 990.4, requirement 0
      const e = atExpiry(open, EXPIRY, []).state;
      refused(e, batch(e, EXPIRY + 1n, [devWithdrawal(e, 6, 990_400_001n)], [], SETTLED), "INSUFFICIENT_MARGIN", "account 6 equity -0.000001 < initial margin 0.000000");
      const r = run(e, EXPIRY + 1n, [devWithdrawal(e, 6, 990_400_000n)], [], SETTLED);
      expect(r.trace.totalWithdrawn).to.equal(990_400_000n);
    });
  });

  describe("# WITHDRAW", () => {
    it("withdraws with the account's signature: collateral − amount, nonce + 1, one dummy update", () => {
      const r = run(w, 2000n, [devWithdrawal(w, 4, 100n * USDC)]);
      const slot = r.trace.slots[0];
      expect(slot.type).to.equal("WITHDRAW");
      expect(r.state.account(4).collateral).to.equal(w.account(4).collateral - 100n * USDC);
      expect(r.state.account(4).nonce).to.equal(w.account(4).nonce + 1n);
      expect(slot.withdraw).to.include({ amount: 100n * USDC, nonce: w.account(4).nonce });
      expect(slot.b.index).to.equal(0);
      expect(wireOp(slot)).to.deep.equal({ type: "WITHDRAW", accountIndex: 4, amount: 100n * USDC });
    });

    it("rejects a withdrawal that breaks initial margin", () => {
      // account 4: collateral 5,060, short 1 perp: equity 5,000, requirement 6
      refused(w, batch(w, 2000n, [devWithdrawal(w, 4, 4995n * USDC)]), "INSUFFICIENT_MARGIN", "WITHDRAW account 4 equity 5.000000 < initial margin 6.000000 after withdrawal of 4,995.000000");
    });

    it("allows a withdrawal that leaves equity exactly at initial margin", () => {
      run(w, 2000n, [devWithdrawal(w, 4, 4994n * USDC)]);
    });

    it("rejects a withdrawal without the owner's signature", () => {
      refused(w, batch(w, 2000n, [devWithdrawal(w, 4, 5n * USDC, undefined, insecureDevAccountKey(2))]), "BAD_SIGNATURE", "WITHDRAW signature on withdrawal of 5.000000 does not verify under account 4's key");
    });

    it("rejects a withdrawal whose nonce is not the account's", () => {
      refused(w, batch(w, 2000n, [devWithdrawal(w, 4, 5n * USDC, 7n)]), "NONCE_MISMATCH", "withdrawal nonce 7 ≠ account 4 nonce 1");
    });

    it("rejects an amount outside 0 < amount < 2^48", () => {
      refused(w, batch(w, 2000n, [devWithdrawal(w, 4, 0n)]), "RANGE", "account 4 amount 0 outside 0 < amount < 281474976710656");
    });

    it("rejects any op that names account 0, and a deposit to it", () => {
      refused(w, batch(w, 2000n, [devWithdrawal(w, 0, 1n, 0n, insecureDevAccountKey(0))]), "FUND_ACCOUNT", "WITHDRAW account 0 is the insurance fund");
      refused(w, batch(w, 2000n, [{ type: "DEPOSIT" }], [{ accountIndex: 0, ax: 0n, ay: 0n, amount: USDC }]), "FUND_ACCOUNT", "DEPOSIT to account 0 refused");
      refused(w, batch(w, 2000n, [{ type: "SETTLE", accountIndex: 0, marketId: FUT }]), "FUND_ACCOUNT", "SETTLE account 0 is the insurance fund");
      refused(w, batch(w, 2000n, [fill(w, 0, 1, PERP, 1n, 60n * USDC)]), "FUND_ACCOUNT", "TRADE maker account 0 is the insurance fund");
    });
  });

  describe("# LIQUIDATE", () => {
    const liq = (s: State, spec: Partial<LiquidationSpec>, q: bigint) => devLiquidation(s, { liquidatorIndex: 2, liquidateeIndex: 3, marketId: PERP, ...spec }, q);

    it("moves the position to the liquidator at the mark price with a penalty to the fund", () => {
      // at 55: account 3 equity −160 + 165 = 5 < maintenance 9
      const r = run(w, 2000n, [liq(w, {}, 3n)], [], { prices: prices(55n * USDC) });
      const penalty = (3n * 55n * USDC * 100n) / 10000n; // 1.65 USDC
      expect(r.state.account(3).collateral).to.equal(5n * USDC - penalty);
      expect(r.state.account(3).positions.every((p) => p.marketId === 0)).to.equal(true);
      expect(r.state.account(2).positions[0]).to.deep.equal({ marketId: PERP, size: 4n, fundingSnapshot: 0n });
      expect(r.state.account(2).collateral).to.equal(w.account(2).collateral - 165n * USDC);
      expect(r.state.account(2).nonce).to.equal(w.account(2).nonce + 1n);
      expect(r.state.account(0).collateral).to.equal(penalty);
      const t = r.trace.slots[0].liquidate!;
      expect(t).to.include({ q: 3n, marketId: PERP, markPrice: 55n * USDC, penalty, deficit: 0n, slotA: 0, slotB: 0 });
      expect(r.trace.slots[0].a.index).to.equal(3);
      expect(r.trace.slots[0].b.index).to.equal(2);
      expect(r.trace.slots[0].feesAfter).to.equal(penalty);
      expect(wireOp(r.trace.slots[0])).to.deep.equal({ type: "LIQUIDATE", liquidatee: 3, liquidator: 2, marketId: PERP, q: 3n });
    });

    it("lets the fund absorb a negative collateral once the position is gone", async () => {
      const rich = await world(50n * USDC);
      // at 50: account 3 equity −10; selling 3 at 50 → −10 − penalty 1.5 = −11.5 → deficit 11.5
      const r = run(rich, 2000n, [liq(rich, {}, 3n)], [], { prices: prices(50n * USDC) });
      expect(r.state.account(3).collateral).to.equal(0n);
      expect(r.trace.slots[0].liquidate).to.include({ penalty: 1_500_000n, deficit: 11_500_000n });
      expect(r.state.account(0).collateral).to.equal(50n * USDC + 1_500_000n - 11_500_000n);
      expect(r.trace.totalDeficits).to.equal(11_500_000n);
      expect(r.trace.slots[0].fundAvailableBefore).to.equal(50n * USDC);
    });

    it("refuses a deficit the fund cannot pay", () => {
      refused(w, batch(w, 2000n, [liq(w, {}, 3n)], [], { prices: prices(50n * USDC) }), "FUND_NEGATIVE", "insurance fund collateral 0.000000 + fees and penalties 1.500000 − deficits 11.500000 = -10.000000 < 0");
    });

    it("rejects liquidating a healthy account", () => {
      // at 60: equity 20 ≥ 9
      refused(w, batch(w, 2000n, [liq(w, {}, 1n)]), "NOT_LIQUIDATABLE", "LIQUIDATE account 3 equity 20.000000 ≥ maintenance margin 9.000000 (requirement 18.000000 × mmBps 5000 / 10000)");
    });

    it("liquidates part of a position, and only up to the message's maxSize and the position", () => {
      const r = run(w, 2000n, [liq(w, {}, 1n)], [], { prices: prices(55n * USDC) });
      expect(r.state.account(3).positions[0].size).to.equal(2n);
      refused(w, batch(w, 2000n, [liq(w, { maxSize: 1n }, 2n)], [], { prices: prices(55n * USDC) }), "FILL_EXCEEDS_ORDER", "q 2 > liquidation message maxSize 1 of account 2");
      refused(w, batch(w, 2000n, [liq(w, { maxSize: 4n }, 4n)], [], { prices: prices(55n * USDC) }), "FILL_EXCEEDS_POSITION", "q 4 > |size| 3 of liquidatee account 3 in market 1");
      refused(w, batch(w, 2000n, [liq(w, { marketId: FUT }, 1n)], [], { prices: prices(55n * USDC) }), "NO_POSITION", "liquidatee account 3 holds no position in market 2");
    });

    it("rejects a liquidation message that is forged, replayed, expired or names another account", () => {
      const at55 = (op: Op) => batch(w, 2000n, [op], [], { prices: prices(55n * USDC) });
      const forged = devLiquidation(w, { liquidatorIndex: 2, liquidateeIndex: 3, marketId: PERP }, 1n, insecureDevAccountKey(4));
      refused(w, at55(forged), "BAD_SIGNATURE", "liquidation message signature does not verify under liquidator account 2's key");
      refused(w, at55(liq(w, { nonce: 9n }, 1n)), "NONCE_MISMATCH", "liquidation message nonce 9 ≠ liquidator account 2 nonce 1");
      refused(w, at55(liq(w, { expiry: 1999n }, 1n)), "ORDER_EXPIRED", "liquidation message of account 2 expired: timestamp 2000 > expiry 1999");
      refused(w, at55({ ...liq(w, {}, 1n), liquidatee: 1 }), "BAD_SIGNATURE", "names liquidatee 3, the op liquidates account 1");
      refused(w, at55(liq(w, { liquidatorIndex: 3 }, 1n)), "SELF_TRADE", "liquidator and liquidatee are both account 3");
      refused(w, at55(liq(w, { liquidatorIndex: 0 }, 1n)), "FUND_ACCOUNT", "liquidator account 0 is the insurance fund");
    });

    it("rejects a liquidator that ends below initial margin without reducing", async () => {
      const d = [depositNew(5, USDC)];
      const s = run(w, 1500n, [{ type: "DEPOSIT" }], d).state;
      refused(s, batch(s, 2000n, [liq(s, { liquidatorIndex: 5 }, 3n)], [], { prices: prices(55n * USDC) }), "INSUFFICIENT_MARGIN", "liquidator account 5 equity 1.000000 < initial margin 18.000000 after liquidation");
    });
  });

  describe("# DELEVERAGE", () => {
    const at50 = { prices: prices(50n * USDC) };

    it("takes the most profitable opposite account first", () => {
      // shorts: account 1 (equity 1,000) and account 4 (equity 5,000)
      expect(pickDeleverageCounterparty(w, 3, PERP)).to.equal(4);
      expect(pickDeleverageCounterparty(w, 2, PERP)).to.equal(4);
      expect(pickDeleverageCounterparty(w, 4, PERP)).to.equal(2); // longs: account 2 (equity 1,000) and account 3 (20)
      expect(pickDeleverageCounterparty(w, 1, FUT)).to.equal(undefined);
    });

    it("computes the bankruptcy price p = mark − σ · floor(E / q), leaving 0 ≤ equity < q", () => {
      const markets = w.global.markets.map((m, i) => (i === 0 ? { ...m, markPrice: 50n * USDC } : m));
      // E = −10 USDC, long: p = 50 + ceil(10/3) USDC-units
      expect(bankruptcyPrice(w.account(3), markets, PERP, 3n)).to.equal(53_333_334n);
      expect(bankruptcyPrice(w.account(3), markets, PERP, 1n)).to.equal(60n * USDC);
      // account 4 short 1 at 50: E = 5,060 − 50 = 5,010 → p = 50 + 5,010 (a short with positive equity)
      expect(bankruptcyPrice(w.account(4), markets, PERP, 1n)).to.equal(5060n * USDC);
    });

    it("closes a bankrupt position against the opposite side at the bankruptcy price when the fund is empty", () => {
      const op: DeleverageOp = { type: "DELEVERAGE", bankrupt: 3, counterparty: 1, marketId: PERP, q: 3n, price: 53_333_334n };
      const r = run(w, 2000n, [op], [], at50);
      expect(r.state.account(3).collateral).to.equal(2n); // −160 + 3 · 53.333334
      expect(r.state.account(3).positions[0].marketId).to.equal(0);
      expect(r.state.account(1).positions[0].marketId).to.equal(0);
      expect(r.state.account(1).collateral).to.equal(w.account(1).collateral - 160_000_002n);
      expect(r.state.account(1).nonce).to.equal(w.account(1).nonce);
      expect(r.trace.slots[0].deleverage).to.deep.equal({ marketId: PERP, q: 3n, price: 53_333_334n, slotA: 0, slotB: 0 });
      expect(r.trace.slots[0].fundAvailableBefore).to.equal(0n);
      expect(wireOp(r.trace.slots[0])).to.deep.equal({ type: "DELEVERAGE", bankrupt: 3, counterparty: 1, marketId: PERP, q: 3n, price: 53_333_334n });
    });

    it("plans a deleverage the rules accept, then liquidates the rest", () => {
      const markets = w.global.markets.map((m, i) => (i === 0 ? { ...m, markPrice: 50n * USDC } : m));
      const op = planDeleverage(w, 3, PERP, markets)!;
      expect(op).to.deep.equal({ type: "DELEVERAGE", bankrupt: 3, counterparty: 4, marketId: PERP, q: 1n, price: 60n * USDC });
      const r = run(w, 2000n, [op, devLiquidation(w, { liquidatorIndex: 2, liquidateeIndex: 3, marketId: PERP }, 2n)], [], at50);
      expect(r.state.account(3).collateral).to.equal(0n);
      expect(r.trace.slots[1].liquidate).to.include({ penalty: USDC, deficit: USDC });
      expect(r.state.account(0).collateral).to.equal(0n);
    });

    it("rejects a deleverage of an account that is not bankrupt", () => {
      refused(w, batch(w, 2000n, [{ type: "DELEVERAGE", bankrupt: 3, counterparty: 1, marketId: PERP, q: 3n, price: 55n * USDC }], [], { prices: prices(55n * USDC) }), "NOT_BANKRUPT", "DELEVERAGE account 3 equity 5.000000 ≥ 0");
    });

    it("rejects a deleverage while the fund can pay the deficit", async () => {
      const rich = await world(50n * USDC);
      refused(rich, batch(rich, 2000n, [{ type: "DELEVERAGE", bankrupt: 3, counterparty: 1, marketId: PERP, q: 3n, price: 53_333_334n }], [], at50), "FUND_CAN_PAY", "insurance fund 50.000000 covers account 3's deficit 10.000000");
    });

    it("rejects a counterparty on the same side, and a price other than the bankruptcy price", () => {
      refused(w, batch(w, 2000n, [{ type: "DELEVERAGE", bankrupt: 3, counterparty: 2, marketId: PERP, q: 1n, price: 60n * USDC }], [], at50), "NOT_OPPOSITE", "counterparty account 2 size 1 in market 1 is not opposite to bankrupt account 3 size 3");
      refused(w, batch(w, 2000n, [{ type: "DELEVERAGE", bankrupt: 3, counterparty: 1, marketId: PERP, q: 3n, price: 53_333_333n }], [], at50), "BAD_BANKRUPTCY_PRICE", "leaves account 3 equity -0.000001 outside 0 ≤ equity < q = 3 units; the bankruptcy price for q 3 is 53.333334");
      refused(w, batch(w, 2000n, [{ type: "DELEVERAGE", bankrupt: 3, counterparty: 4, marketId: PERP, q: 2n, price: 55n * USDC }], [], at50), "FILL_EXCEEDS_POSITION", "q 2 > |size| 1 of counterparty account 4 in market 1");
    });
  });
});
