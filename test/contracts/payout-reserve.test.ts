/**
 * No payout eats another's money (issue 15, item 1): claims, exits, refunds and the
 * fund's exit are paid from the balance beyond `reserved()` (credited withdrawals and
 * unconsumed deposits). First the attack that was found, then the invariant over random
 * sequences of deposits, batches with withdrawals, forced requests, a trade and price
 * moves, freezing, and payouts in a random order, on the real contracts and real states.
 */
import { expect } from "chai";
import fc from "fast-check";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer } from "ethers";
import { buildExitProof, exitEquity } from "../../prover/chain/exit-proof";
import { RuleError } from "../../prover/state/errors";
import type { Op } from "../../prover/state/batch";
import type { DepositEntry } from "../../prover/state/ops/deposit";
import type { State } from "../../prover/state/state";
import { depositNew, devOrder, devPublicKey, devWithdrawal, forcedRequest, topUp, trade } from "../../prover/dev/fixtures";
import { FORCED_DEADLINE, FREEZE_DEADLINE, USDC, bobUnderWater, deployOnGenesis } from "./helpers";

/** Carol withdraws 50 of her 100; Alice long 10 and Bob short 10 at 60, the mark at 80 (helpers.ts, bobUnderWater). */
async function carolWithdrewBobUnderWater() {
  const f = await deployOnGenesis();
  let s = await f.openThree(100n * USDC);
  s = await f.submit([devWithdrawal(s, 3, 50n * USDC)]);
  return { ...f, last: await bobUnderWater(f, s) };
}

describe("Settlement payouts: nothing is paid out of what is owed to others", () => {
  describe("# the refund that ate a credited withdrawal", () => {
    it("refuses an exit that would be paid out of an unconsumed deposit, and pays the refund and the claim in full", async () => {
      const f = await carolWithdrewBobUnderWater();
      const { settlement, token, alice, carol, dave } = f;
      const k = devPublicKey(4);
      await f.as(dave).depositNew(k.ax, k.ay, 100n * USDC); // never consumed
      await time.increase(FREEZE_DEADLINE + 1);
      await settlement.freeze();

      expect(exitEquity(f.last, 1)).to.equal(300n * USDC);
      expect(await token.balanceOf(settlement)).to.equal(400n * USDC);
      expect(await settlement.reserved()).to.equal(150n * USDC); // carol's 50 and dave's 100
      // The state holds 250 (300 deposited, 50 withdrawn): alice's 300 does not fit.
      await expect(settlement.exit(buildExitProof(f.last, 1)))
        .to.be.revertedWithCustomError(settlement, "InsufficientBalance")
        .withArgs(300n * USDC, 250n * USDC);
      expect(await settlement.exited(1)).to.equal(false);

      await expect(settlement.refundDeposit(await settlement.depositsConsumed())).to.changeTokenBalance(token, dave, 100n * USDC);
      await expect(f.as(carol).claim(carol)).to.changeTokenBalance(token, carol, 50n * USDC);
      expect(await settlement.reserved()).to.equal(0n);
      await expect(settlement.exit(buildExitProof(f.last, 3))).to.changeTokenBalance(token, carol, 50n * USDC);
      // What is left is the state's: alice's exit waits for a top-up covering bob's loss.
      await token.mint(settlement, 100n * USDC);
      await expect(settlement.exit(buildExitProof(f.last, 1))).to.changeTokenBalance(token, alice, 300n * USDC);
      expect(await token.balanceOf(settlement)).to.equal(0n);
    });

    it("refuses a fund exit beyond what is free, paying it only what no one else is owed", async () => {
      const f = await carolWithdrewBobUnderWater();
      const { settlement, token, dave, operator } = f;
      await f.as(dave).deposit(1, 100n * USDC);
      await time.increase(FREEZE_DEADLINE + 1);
      await settlement.freeze();
      await time.increase(FORCED_DEADLINE);
      const before = await token.balanceOf(settlement);
      const free = before - (await settlement.reserved());
      await expect(settlement.exit(buildExitProof(f.last, 0)))
        .to.emit(settlement, "Exited")
        .withArgs(0, await operator.getAddress(), exitEquity(f.last, 0), exitEquity(f.last, 0) < free ? exitEquity(f.last, 0) : free);
      expect(await token.balanceOf(settlement)).to.be.at.least(await settlement.reserved());
    });
  });

  describe("# invariant over random sequences", () => {
    type Action =
      | { kind: "topUp"; account: number; amount: bigint }
      | { kind: "open"; amount: bigint }
      | { kind: "request"; account: number; amount: bigint }
      | { kind: "serve"; entries: number }
      | { kind: "withdraw"; account: number; amount: bigint }
      | { kind: "trade"; q: bigint }
      | { kind: "mark"; price: bigint };

    const account = fc.integer({ min: 1, max: 3 });
    const usdc = (min: number, max: number) => fc.bigInt({ min: BigInt(min) * USDC, max: BigInt(max) * USDC });
    const action: fc.Arbitrary<Action> = fc.oneof(
      fc.record({ kind: fc.constant("topUp" as const), account, amount: usdc(1, 300) }),
      fc.record({ kind: fc.constant("open" as const), amount: usdc(1, 300) }),
      fc.record({ kind: fc.constant("request" as const), account, amount: usdc(1, 400) }),
      fc.record({ kind: fc.constant("serve" as const), entries: fc.integer({ min: 1, max: 2 }) }),
      fc.record({ kind: fc.constant("withdraw" as const), account, amount: usdc(1, 200) }),
      fc.record({ kind: fc.constant("trade" as const), q: fc.bigInt({ min: 1n, max: 6n }) }),
      fc.record({ kind: fc.constant("mark" as const), price: usdc(30, 90) }),
    );
    /** Payouts after freezing: claims by owners, refunds of entries, exits; the fund exits last. */
    const payoutOrder = fc.array(fc.integer({ min: 0, max: 1_000 }), { minLength: 24, maxLength: 24 });

    async function opened() {
      const f = await deployOnGenesis();
      await f.openThree(200n * USDC);
      return f;
    }

    it("keeps every credited withdrawal and unconsumed deposit payable, pays out no more than was paid in, and ends at exactly what is owed", async function () {
      this.timeout(0);
      await fc.assert(
        fc.asyncProperty(fc.array(action, { minLength: 3, maxLength: 9 }), payoutOrder, async (actions, order) => {
          const f = await opened(); // fresh: the fixture's TypeScript state is not reverted with the chain
          const { settlement, token } = f;
          const signers: Signer[] = [f.operator, f.alice, f.bob, f.carol, f.dave];
          const owners = new Map<number, Signer>([[0, f.operator], [1, f.alice], [2, f.bob], [3, f.carol]]);
          let s: State = f.state();
          let paidIn = await token.balanceOf(settlement);
          let paidOut = 0n;
          const queue: DepositEntry[] = []; // unconsumed entries, in queue order
          const balanceCovers = async () => {
            const balance = await token.balanceOf(settlement);
            expect(balance).to.equal(paidIn - paidOut);
            expect(balance).to.be.at.least(await settlement.reserved());
          };

          for (const a of actions) {
            if (a.kind === "topUp") {
              await f.as(f.dave).deposit(a.account, a.amount);
              queue.push(topUp(a.account, a.amount));
              paidIn += a.amount;
            } else if (a.kind === "open") {
              const i = Number(await settlement.nextAccountIndex());
              if (i >= s.capacity) continue;
              const k = devPublicKey(i);
              await f.as(f.dave).depositNew(k.ax, k.ay, a.amount);
              owners.set(i, f.dave);
              queue.push(depositNew(i, a.amount));
              paidIn += a.amount;
            } else if (a.kind === "request") {
              const pending = queue.filter((e) => e.ay === 1n && e.accountIndex === a.account).length;
              const tx = f.as(owners.get(a.account)!).requestForcedWithdrawal(a.account, a.amount);
              if (pending >= 2) {
                await expect(tx).to.be.revertedWithCustomError(settlement, "TooManyPendingRequests").withArgs(a.account, pending);
                continue;
              }
              await tx;
              queue.push(forcedRequest(a.account, a.amount));
            } else {
              let ops: Op[] = [];
              let deposits: DepositEntry[] = [];
              let prices: bigint[] | undefined;
              if (a.kind === "serve") {
                deposits = queue.slice(0, a.entries);
                ops = deposits.map((e) => (e.ay === 1n && e.ax === 0n ? { type: "FORCED_WITHDRAW" as const } : { type: "DEPOSIT" as const }));
              } else if (a.kind === "withdraw") {
                ops = [devWithdrawal(s, a.account, a.amount)];
              } else if (a.kind === "trade") {
                ops = [
                  trade(
                    devOrder(s, { accountIndex: 2, marketId: 1, isBuy: false, size: a.q, limitPrice: 60n * USDC }),
                    devOrder(s, { accountIndex: 1, marketId: 1, isBuy: true, size: a.q, limitPrice: 60n * USDC }),
                    a.q,
                  ),
                ];
              } else {
                prices = [a.price, ...s.global.markets.slice(1).map((m) => m.markPrice)];
              }
              try {
                s = await f.submit(ops, deposits, prices);
              } catch (err) {
                if (err instanceof RuleError) continue; // the rules refuse it (margin, a full slot): no batch
                throw err;
              }
              queue.splice(0, deposits.length);
            }
            await balanceCovers();
          }

          // Tokens held = withdrawals credited + deposits unconsumed + collateral in the state, exactly.
          const collateral = Array.from({ length: s.capacity }, (_, i) => s.account(i).collateral).reduce((x, y) => x + y, 0n);
          expect(await token.balanceOf(settlement)).to.equal((await settlement.reserved()) + collateral);

          // Freeze (a request keeps the queue non-empty if the operator served everything).
          if (queue.length === 0) {
            await f.as(f.carol).requestForcedWithdrawal(3, 1n);
            queue.push(forcedRequest(3, 1n));
          }
          await time.increase(FREEZE_DEADLINE + 1);
          await settlement.freeze();

          const consumed = Number(await settlement.depositsConsumed());
          type Payout = () => Promise<void>;
          const claim = (who: Signer): Payout => async () => {
            const owed = await settlement.claimable(who);
            if (owed === 0n) return;
            await expect(f.as(who).claim(who)).to.changeTokenBalance(token, who, owed);
            paidOut += owed;
          };
          const refund = (q: number, e: DepositEntry): Payout => async () => {
            if (e.ay === 1n && e.ax === 0n) return;
            await expect(settlement.refundDeposit(q)).to.changeTokenBalance(token, f.dave, e.amount);
            paidOut += e.amount;
          };
          const exited = new Set<number>();
          const exit = (i: number): Payout => async () => {
            const equity = exitEquity(s, i);
            const free = (await token.balanceOf(settlement)) - (await settlement.reserved());
            if (equity > free) {
              await expect(settlement.exit(buildExitProof(s, i))).to.be.revertedWithCustomError(settlement, "InsufficientBalance").withArgs(equity, free);
              return;
            }
            await expect(settlement.exit(buildExitProof(s, i))).to.changeTokenBalance(token, owners.get(i)!, equity);
            paidOut += equity;
            exited.add(i);
          };
          const payouts: Payout[] = [
            ...signers.map(claim),
            ...queue.map((e, j) => refund(consumed + j, e)),
            ...[...owners.keys()].filter((i) => i !== 0 && s.account(i).ax !== 0n).map(exit),
          ];
          // A random order: every claim and refund is paid whatever exits came before it.
          const keyed = payouts.map((p, j) => ({ p, k: order[j % order.length] * 64 + j })).sort((x, y) => x.k - y.k);
          for (const { p } of keyed) {
            await p();
            await balanceCovers();
          }
          expect(await settlement.totalClaimable()).to.equal(0n);
          expect(await settlement.pendingDeposits()).to.equal(0n);

          // The fund, first-loss capital, exits last and takes at most what is left.
          await time.increase(FORCED_DEADLINE);
          const left = await token.balanceOf(settlement);
          const fundPaid = exitEquity(s, 0) < left ? exitEquity(s, 0) : left;
          await expect(settlement.exit(buildExitProof(s, 0))).to.changeTokenBalance(token, f.operator, fundPaid);
          paidOut += fundPaid;
          await balanceCovers();
          expect(paidOut <= paidIn).to.equal(true);
          // Traders whose exit did not fit retry; then what stays is owed to those still unpaid, each more than it.
          const unpaid = [...owners.keys()].filter((i) => i !== 0 && s.account(i).ax !== 0n && !exited.has(i));
          for (const i of unpaid) await exit(i)();
          const end = await token.balanceOf(settlement);
          const still = unpaid.filter((i) => !exited.has(i));
          for (const i of still) expect(exitEquity(s, i) > end).to.equal(true);
          if (still.length === 0) expect(end).to.equal(0n); // P&L is zero-sum and no fees were charged: nothing is left
        }),
        { numRuns: 5 },
      );
    });
  });
});
