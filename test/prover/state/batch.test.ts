/** applyBatch: the new state, and a trace that is complete and exact for the witness builder. */
import { expect } from "chai";
import { accountLeaf } from "../../../prover/state/account";
import { applyBatch, type Batch, type Op } from "../../../prover/state/batch";
import { globalHash, markPrices, stateRoot } from "../../../prover/state/global";
import { depositChainStep, type DepositEntry } from "../../../prover/state/ops/deposit";
import type { Params } from "../../../prover/state/params";
import type { State } from "../../../prover/state/state";
import type { AccountUpdateTrace, BatchTrace } from "../../../prover/state/trace";
import { rootFromPath } from "../../../prover/state/tree";
import { CI_PARAMS, depositNew, devGenesis, devOrder, signedHeader, topUp, trade, type OrderSpec } from "./fixtures";
import { expectRule, expectSameState } from "./helpers";

const PARAMS: Params = { ...CI_PARAMS, batchSize: 4 };
const USDC = 1_000_000n;

function run(s: State, ops: Op[], deposits: DepositEntry[], timestamp: bigint, prices?: bigint[]): { state: State; trace: BatchTrace } {
  const b: Batch = { header: signedHeader(s, timestamp, prices), ops, deposits };
  return applyBatch(s, b);
}

const order = (accountIndex: number, marketId: number, isBuy: boolean, size: bigint, limitPrice: bigint, extra: Partial<OrderSpec> = {}): OrderSpec => ({
  accountIndex,
  marketId,
  isBuy,
  size,
  limitPrice,
  ...extra,
});

/** Checks one account update against its own siblings. */
function expectUpdateConsistent(u: AccountUpdateTrace): void {
  expect(u.siblings).to.have.length(PARAMS.accountDepth);
  expect(rootFromPath(u.index, accountLeaf(u.before), u.siblings)).to.equal(u.rootBefore);
  expect(rootFromPath(u.index, accountLeaf(u.after), u.siblings)).to.equal(u.rootAfter);
}

/** Checks the chaining of every update and every running value in a trace. */
function expectTraceConsistent(old: State, next: State, t: BatchTrace): void {
  expect(t.slots).to.have.length(PARAMS.batchSize);
  expect(t.oldStateRoot).to.equal(old.stateRoot());
  expect(t.newStateRoot).to.equal(next.stateRoot());
  expect(t.newStateRoot).to.equal(stateRoot(t.newAccountsRoot, t.newGlobalHash));
  expect(t.newGlobalHash).to.equal(globalHash(t.newGlobal));
  expect(t.oldGlobalHash).to.equal(globalHash(t.oldGlobal));
  let root = t.oldAccountsRoot;
  let head = t.oldGlobal.depositHead;
  let fees = 0n;
  for (const slot of t.slots) {
    expect(slot.a.rootBefore).to.equal(root);
    expect(slot.b.rootBefore).to.equal(slot.a.rootAfter);
    expectUpdateConsistent(slot.a);
    expectUpdateConsistent(slot.b);
    root = slot.b.rootAfter;
    expect(slot.depositHeadBefore).to.equal(head);
    expect(slot.feesBefore).to.equal(fees);
    expect(slot.fundAvailableBefore).to.equal(old.account(0).collateral + fees);
    if (slot.type === "NOOP" || slot.type === "DEPOSIT") {
      expect(slot.aFunded).to.equal(slot.a.before);
      expect(slot.bFunded).to.equal(slot.b.before);
    }
    if (slot.type === "DEPOSIT") {
      expect(slot.deposit?.headAfter).to.equal(depositChainStep(head, slot.deposit!.entry));
      expect(slot.a.index).to.equal(slot.deposit!.entry.accountIndex);
    } else {
      expect(slot.depositHeadAfter).to.equal(head);
    }
    if (slot.type === "TRADE") {
      expect(slot.a.index).to.equal(slot.trade!.maker.accountIndex);
      expect(slot.b.index).to.equal(slot.trade!.taker.accountIndex);
      expect(slot.feesAfter).to.equal(fees + slot.trade!.makerFee + slot.trade!.takerFee);
    } else {
      expect(slot.feesAfter).to.equal(fees);
      expect(slot.b.index).to.equal(0);
      expect(slot.b.after).to.equal(slot.b.before);
      if (slot.type === "NOOP") expect(slot.a.index).to.equal(0);
    }
    head = slot.depositHeadAfter;
    fees = slot.feesAfter;
  }
  expect(t.feeUpdate.index).to.equal(0);
  expect(t.feeUpdate.rootBefore).to.equal(root);
  expectUpdateConsistent(t.feeUpdate);
  expect(t.feeUpdate.after.collateral - t.feeUpdate.before.collateral).to.equal(fees);
  expect(t.totalFees).to.equal(fees);
  expect(t.feeUpdate.rootAfter).to.equal(t.newAccountsRoot);
  expect(t.newGlobal.depositHead).to.equal(head);
}

describe("prover/state applyBatch", () => {
  let g: State;
  let s: State; // accounts 1, 2 with 1,000 USDC; account 3 with 10 USDC

  before(async () => {
    g = await devGenesis(PARAMS);
    s = run(g, [{ type: "DEPOSIT" }, { type: "DEPOSIT" }, { type: "DEPOSIT" }], [depositNew(1, 1000n * USDC), depositNew(2, 1000n * USDC), depositNew(3, 10n * USDC)], 1000n).state;
  });

  it("chains deposits into depositHead and opens accounts with their keys", () => {
    const entries = [depositNew(1, 1000n * USDC), depositNew(2, 1000n * USDC), depositNew(3, 10n * USDC)];
    const r = run(g, [{ type: "DEPOSIT" }, { type: "DEPOSIT" }, { type: "DEPOSIT" }], entries, 1000n);
    expectTraceConsistent(g, r.state, r.trace);
    expect(r.trace.slots.map((x) => x.type)).to.deep.equal(["DEPOSIT", "DEPOSIT", "DEPOSIT", "NOOP"]);
    expect(r.state.global.depositHead).to.equal(entries.reduce(depositChainStep, 0n));
    expect(r.trace.depositsConsumed).to.equal(3);
    expect(r.trace.depositsEnd).to.equal(3);
    expect(r.state.account(3).collateral).to.equal(10n * USDC);
    expect(r.state.account(3).nonce).to.equal(0n);
  });

  it("tops up an existing account and counts depositsEnd from genesis", () => {
    const r = run(s, [{ type: "DEPOSIT" }], [topUp(3, 5n * USDC)], 1001n);
    expectTraceConsistent(s, r.state, r.trace);
    expect(r.state.account(3).collateral).to.equal(15n * USDC);
    expect(r.trace.depositsEnd).to.equal(4);
  });

  it("settles a trade at the maker's price with floor fees credited to account 0 at the end", () => {
    const p = 60_000_001n;
    const op = trade(devOrder(s, order(1, 1, false, 5n, p, { maxFeeBps: 7n })), devOrder(s, order(2, 1, true, 3n, 61n * USDC, { maxFeeBps: 9n })), 3n, 7n, 9n);
    const r = run(s, [op], [], 2000n);
    expectTraceConsistent(s, r.state, r.trace);
    const makerFee = (3n * p * 7n) / 10000n;
    const takerFee = (3n * p * 9n) / 10000n;
    expect(r.trace.slots[0].trade).to.include({ price: p, makerFee, takerFee, makerSlot: 0, takerSlot: 0 });
    expect(r.state.account(1).collateral).to.equal(1000n * USDC + 3n * p - makerFee);
    expect(r.state.account(2).collateral).to.equal(1000n * USDC - 3n * p - takerFee);
    expect(r.state.account(0).collateral).to.equal(makerFee + takerFee);
    expect(r.state.account(1).nonce).to.equal(1n);
    expect(r.state.account(2).nonce).to.equal(1n);
  });

  it("sets the header's mark prices and timestamp in the new global state", () => {
    const r = run(s, [], [], 3000n, [61n * USDC, 59n * USDC, 1_300_000n, 1_000_000n]);
    expectTraceConsistent(s, r.state, r.trace);
    expect(markPrices(r.state.global)).to.deep.equal([61n * USDC, 59n * USDC, 1_300_000n, 1_000_000n]);
    expect(r.state.global.oracleTimestamp).to.equal(3000n);
    expect(r.trace.slots.every((x) => x.type === "NOOP")).to.equal(true);
  });

  it("never mutates the input state, even when the batch succeeds", () => {
    const copy = s.clone();
    run(s, [trade(devOrder(s, order(1, 1, false, 5n, 60n * USDC)), devOrder(s, order(2, 1, true, 5n, 60n * USDC)), 5n)], [], 2000n);
    expectSameState(s, copy);
  });

  it("uses the slot holding the market, else the lowest empty slot, and clears a closed slot", () => {
    const t1 = run(s, [
      trade(devOrder(s, order(1, 1, false, 1n, 60n * USDC)), devOrder(s, order(2, 1, true, 1n, 60n * USDC)), 1n),
    ], [], 2000n).state;
    const eth = run(t1, [trade(devOrder(t1, order(1, 2, false, 1n, 60n * USDC)), devOrder(t1, order(2, 2, true, 1n, 60n * USDC)), 1n)], [], 2001n);
    expect(eth.trace.slots[0].trade).to.include({ makerSlot: 1, takerSlot: 1 });
    const t2 = eth.state;
    const close = run(t2, [trade(devOrder(t2, order(1, 1, true, 1n, 60n * USDC)), devOrder(t2, order(2, 1, false, 1n, 60n * USDC)), 1n)], [], 2002n);
    expect(close.trace.slots[0].trade).to.include({ makerSlot: 0, takerSlot: 0 });
    expect(close.state.account(1).positions[0]).to.deep.equal({ marketId: 0, size: 0n, fundingSnapshot: 0n });
    const t3 = close.state;
    const reopen = run(t3, [trade(devOrder(t3, order(1, 1, true, 2n, 60n * USDC)), devOrder(t3, order(2, 1, false, 2n, 60n * USDC)), 2n)], [], 2003n);
    expect(reopen.trace.slots[0].trade).to.include({ makerSlot: 0, takerSlot: 0 });
    expect(reopen.state.account(1).positions.map((x) => x.marketId)).to.deep.equal([1, 2]);
    expectTraceConsistent(t3, reopen.state, reopen.trace);
  });

  describe("reduce-only trades below initial margin", () => {
    let low: State; // account 3 long 2 BTC lots with collateral −105 USDC; mark moves 60 → 54
    before(() => {
      const buy2 = trade(devOrder(s, order(1, 1, false, 2n, 60n * USDC)), devOrder(s, order(3, 1, true, 2n, 60n * USDC)), 2n);
      low = run(s, [{ type: "DEPOSIT" }, buy2], [topUp(3, 5n * USDC)], 2000n).state;
      // equity at 54: −105 + 108 = 3 USDC < requirement 2 × 6 = 12 USDC
    });
    const at54 = (st: State, ops: Op[]) => run(st, ops, [], 2100n, [54n * USDC, 60n * USDC, 1_200_000n, 1_100_000n]);

    it("lets an account below initial margin shrink its position", () => {
      const r = at54(low, [trade(devOrder(low, order(1, 1, true, 1n, 54n * USDC)), devOrder(low, order(3, 1, false, 1n, 54n * USDC)), 1n)]);
      expect(r.state.account(3).positions[0].size).to.equal(1n);
    });

    it("lets an account below initial margin close its position", () => {
      const r = at54(low, [trade(devOrder(low, order(1, 1, true, 2n, 54n * USDC)), devOrder(low, order(3, 1, false, 2n, 54n * USDC)), 2n)]);
      expect(r.state.account(3).positions[0].marketId).to.equal(0);
    });

    it("refuses a trade that flips the position of an account below initial margin", () => {
      expectRule(
        () => at54(low, [trade(devOrder(low, order(1, 1, true, 3n, 54n * USDC)), devOrder(low, order(3, 1, false, 3n, 54n * USDC)), 3n)]),
        "INSUFFICIENT_MARGIN",
        "account 3 equity 3.000000 < initial margin 6.000000 after trade",
        "size 2 → -1 is not reduce-only",
      );
    });

    it("refuses a trade that grows the position of an account below initial margin", () => {
      expectRule(
        () => at54(low, [trade(devOrder(low, order(1, 1, false, 1n, 54n * USDC)), devOrder(low, order(3, 1, true, 1n, 54n * USDC)), 1n)]),
        "INSUFFICIENT_MARGIN",
        "account 3 equity 3.000000 < initial margin 18.000000",
      );
    });
  });
});
