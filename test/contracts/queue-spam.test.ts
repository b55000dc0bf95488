/**
 * Queue spam has a price (issue 15, item 6): every priority-queue entry costs the
 * operator an op slot and proving time, so a deposit is at least MIN_DEPOSIT and an
 * account has at most MAX_PENDING_REQUESTS forced-withdrawal requests unconsumed.
 */
import { expect } from "chai";
import { DEFAULT_MAX_PENDING_REQUESTS, DEFAULT_MIN_DEPOSIT } from "../../prover/chain/deploy";
import { devPublicKey, forcedRequest } from "../../prover/dev/fixtures";
import { USDC, deployOnGenesis } from "./helpers";

describe("Settlement queue spam", () => {
  it("deploys with the documented defaults: 1 USDC minimum deposit, 2 pending requests per account", async () => {
    const f = await deployOnGenesis();
    expect(await f.settlement.MIN_DEPOSIT()).to.equal(DEFAULT_MIN_DEPOSIT);
    expect(DEFAULT_MIN_DEPOSIT).to.equal(USDC);
    expect(await f.settlement.MAX_PENDING_REQUESTS()).to.equal(BigInt(DEFAULT_MAX_PENDING_REQUESTS));
  });

  it("refuses a deposit or a top-up one unit below the minimum with DepositTooSmall, and takes one at the minimum", async () => {
    const f = await deployOnGenesis();
    const k = devPublicKey(1);
    await expect(f.as(f.alice).depositNew(k.ax, k.ay, USDC - 1n))
      .to.be.revertedWithCustomError(f.settlement, "DepositTooSmall")
      .withArgs(USDC - 1n, USDC);
    await expect(f.as(f.alice).depositNew(k.ax, k.ay, USDC)).to.emit(f.settlement, "DepositQueued");
    await expect(f.as(f.bob).deposit(1, 1n)).to.be.revertedWithCustomError(f.settlement, "DepositTooSmall").withArgs(1n, USDC);
    await expect(f.as(f.bob).deposit(1, USDC)).to.emit(f.settlement, "DepositQueued");
    expect(await f.settlement.depositCount()).to.equal(2n);
    expect(await f.settlement.pendingDeposits()).to.equal(2n * USDC);
  });

  it("refuses a third unconsumed request of one account with TooManyPendingRequests, and takes it once a batch consumed one", async () => {
    const f = await deployOnGenesis();
    await f.openThree();
    await f.as(f.alice).requestForcedWithdrawal(1, 10n * USDC);
    await f.as(f.alice).requestForcedWithdrawal(1, 20n * USDC);
    expect(await f.settlement.pendingRequests(1)).to.equal(2n);
    await expect(f.as(f.alice).requestForcedWithdrawal(1, 30n * USDC))
      .to.be.revertedWithCustomError(f.settlement, "TooManyPendingRequests")
      .withArgs(1, 2);
    // The bound is per account: bob's requests are his own, and a transferred account keeps its count.
    await f.as(f.bob).requestForcedWithdrawal(2, 10n * USDC);
    await f.as(f.alice).transferAccountOwnership(1, f.dave);
    await expect(f.as(f.dave).requestForcedWithdrawal(1, 30n * USDC)).to.be.revertedWithCustomError(f.settlement, "TooManyPendingRequests");

    await f.submit([{ type: "FORCED_WITHDRAW" }], [forcedRequest(1, 10n * USDC)]);
    expect(await f.settlement.pendingRequests(1)).to.equal(1n);
    await expect(f.as(f.dave).requestForcedWithdrawal(1, 30n * USDC)).to.emit(f.settlement, "ForcedWithdrawalRequested");
    expect(await f.settlement.pendingRequests(1)).to.equal(2n);
    expect(await f.settlement.pendingRequests(2)).to.equal(1n);
  });

  it("counts what an entry costs its maker in gas (docs/security.md, queue spam)", async () => {
    const f = await deployOnGenesis();
    await f.openThree();
    const topUp = await (await f.as(f.bob).deposit(2, USDC)).wait();
    const request = await (await f.as(f.alice).requestForcedWithdrawal(1, USDC)).wait();
    // Both write a new queue head, a new entry and a running deposit total (three fresh slots): at least 3 × 22,100 gas.
    expect(topUp.gasUsed > 66_300n).to.equal(true);
    expect(request.gasUsed > 66_300n).to.equal(true);
    console.log(`      gas: top-up ${topUp.gasUsed}, forced-withdrawal request ${request.gasUsed}`);
  });
});
