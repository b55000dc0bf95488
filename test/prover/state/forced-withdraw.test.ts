/**
 * FORCED_WITHDRAW in the reference rules (protocol.md section 5): the L1 request is
 * served with everything the account can spare, never more, and a normal withdrawal
 * that comes first leaves nothing to pay twice.
 */
import { expect } from "chai";
import { applyBatch } from "../../../prover/state/batch";
import type { State } from "../../../prover/state/state";
import { depositNew, devGenesis, devOrder, devWithdrawal, forcedRequest, signedHeader, topUp, trade } from "./fixtures";

const USDC = 1_000_000n;

describe("prover/state FORCED_WITHDRAW", function () {
  let open: State; // 1 long 1,000 BTC-PERP at 60 against 2; 10,000 USDC each; 1 needs 6,000

  before(async function () {
    const g = await devGenesis();
    let s = applyBatch(g, { header: signedHeader(g, 1_000n), ops: [{ type: "DEPOSIT" }, { type: "DEPOSIT" }], deposits: [depositNew(1, 10_000n * USDC), depositNew(2, 10_000n * USDC)] }).state;
    s = applyBatch(s, {
      header: signedHeader(s, 1_001n),
      ops: [trade(devOrder(s, { accountIndex: 2, marketId: 1, isBuy: false, size: 1_000n, limitPrice: 60n * USDC }), devOrder(s, { accountIndex: 1, marketId: 1, isBuy: true, size: 1_000n, limitPrice: 60n * USDC }), 1_000n)],
      deposits: [],
    }).state;
    open = s;
  });

  it("pays the whole request when the account can spare it", function () {
    const r = applyBatch(open, { header: signedHeader(open, 1_002n), ops: [{ type: "FORCED_WITHDRAW" }], deposits: [forcedRequest(1, 1_000n * USDC)] });
    expect(r.trace.slots[0].forcedWithdraw?.amount).to.equal(1_000n * USDC);
    expect(r.state.account(1).collateral).to.equal(open.account(1).collateral - 1_000n * USDC);
    expect(r.trace.totalWithdrawn).to.equal(1_000n * USDC);
  });

  it("pays only what keeps initial margin: equity minus requirement", function () {
    const r = applyBatch(open, { header: signedHeader(open, 1_002n), ops: [{ type: "FORCED_WITHDRAW" }], deposits: [forcedRequest(1, 9_000n * USDC)] });
    expect(r.trace.slots[0].forcedWithdraw?.amount).to.equal(4_000n * USDC); // 10,000 − 6,000
  });

  it("pays nothing to an account below initial margin, and still consumes the request", function () {
    const crash = signedHeader(open, 1_002n, [55n * USDC, ...open.global.markets.slice(1).map((m) => m.markPrice)]);
    const r = applyBatch(open, { header: crash, ops: [{ type: "FORCED_WITHDRAW" }], deposits: [forcedRequest(1, 100n * USDC)] });
    expect(r.trace.slots[0].forcedWithdraw?.amount).to.equal(0n);
    expect(r.state.global.depositCount).to.equal(open.global.depositCount + 1);
  });

  it("pays nothing twice when a normal withdrawal of the same funds comes first", function () {
    const r = applyBatch(open, {
      header: signedHeader(open, 1_002n),
      ops: [devWithdrawal(open, 1, 3_000n * USDC), { type: "FORCED_WITHDRAW" }],
      deposits: [forcedRequest(1, 4_000n * USDC)],
    });
    expect(r.trace.slots[1].forcedWithdraw?.amount).to.equal(1_000n * USDC);
    expect(r.trace.totalWithdrawn).to.equal(4_000n * USDC);
  });

  it("refuses a deposit entry where a forced withdrawal is expected, and the reverse", function () {
    expect(() => applyBatch(open, { header: signedHeader(open, 1_002n), ops: [{ type: "FORCED_WITHDRAW" }], deposits: [topUp(1, 5n)] })).to.throw(/DEPOSIT_QUEUE/);
    expect(() => applyBatch(open, { header: signedHeader(open, 1_002n), ops: [{ type: "DEPOSIT" }], deposits: [forcedRequest(1, 5n)] })).to.throw(/BAD_KEY/);
  });
});
