/**
 * Fallback mode (contracts/settlement/Fallback.sol, docs/security.md): after
 * FORCED_DEADLINE of an unserved queue entry anyone may switch to it; then any address
 * submits batches that serve the queue first; racing submitters are resolved by the old
 * root; the operator resumes once nothing is overdue; freezing stays the last resort at
 * FREEZE_DEADLINE. Batches are built with the TypeScript rules on real states behind the
 * MockVerifier (helpers.ts).
 */
import { expect } from "chai";
import fc from "fast-check";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer } from "ethers";
import { applyBatch, type Op } from "../../prover/state/batch";
import type { DepositEntry } from "../../prover/state/ops/deposit";
import type { State } from "../../prover/state/state";
import { batchOnChain } from "../../prover/circuit-input/batch-data";
import { MARKET_BITS } from "../../prover/state/layout";
import { devOrder, forcedRequest, signedHeader, topUp, trade } from "../../prover/dev/fixtures";
import { FORCED_DEADLINE, FREEZE_DEADLINE, PROOF, USDC, deployOnGenesis, params } from "./helpers";

const HOUR = 3600;

/** Three open accounts; then the operator stops with bob's top-up and alice's forced-withdrawal request queued. */
async function operatorStopped() {
  const f = await deployOnGenesis();
  const opened = await f.openThree();
  await f.as(f.bob).deposit(2, 100n * USDC);
  await f.as(f.alice).requestForcedWithdrawal(1, 500n * USDC);
  const queuedAt = (await f.settlement.queueEntries(await f.settlement.depositsConsumed())).queuedAt as bigint;
  let state: State = opened;
  /** A batch on the chain's last state, timed for the next block (not submitted). */
  async function build(ops: Op[], deposits: DepositEntry[] = []) {
    const ts = BigInt(await time.latest()) + 1n;
    const r = applyBatch(state, { header: signedHeader(state, ts), ops, deposits });
    return { ...batchOnChain(params, r.trace), state: r.state };
  }
  /** Submits a built batch from `who` and makes its state the chain's. */
  async function submitAs(who: Signer, b: { data: Uint8Array; state: State }) {
    const tx = await f.as(who).submitBatch(b.data, PROOF);
    state = b.state;
    return tx;
  }
  const queueOps: Op[] = [{ type: "DEPOSIT" }, { type: "FORCED_WITHDRAW" }];
  const queueEntries = [topUp(2, 100n * USDC), forcedRequest(1, 500n * USDC)];
  /** loadFixture reverts the chain but returns the same object: start again from the fixture's state. */
  const reset = (): void => {
    state = opened;
  };
  return { ...f, queuedAt, build, submitAs, queueOps, queueEntries, reset, chainState: () => state };
}

/** operatorStopped, past FORCED_DEADLINE, in fallback mode (entered by dave, a third party). */
async function inFallback() {
  const f = await operatorStopped();
  await time.increaseTo(f.queuedAt + BigInt(FORCED_DEADLINE) + 1n);
  await f.as(f.dave).enterFallback();
  return f;
}

/** A fixture's chain and TypeScript view, both as the fixture left them. */
async function fresh<T extends { reset(): void }>(fixture: () => Promise<T>): Promise<T> {
  const f = await loadFixture(fixture);
  f.reset();
  return f;
}

/** Overwrites the type byte of op slot `slot` in batch data: `type` in its top bits, no market. */
async function withOpType(f: Awaited<ReturnType<typeof operatorStopped>>, data: Uint8Array, slot: number, type: number): Promise<Uint8Array> {
  const opsOffset = 68 + Number(await f.settlement.HEADER_BYTES());
  const out = Uint8Array.from(data);
  out[opsOffset + slot * Number(await f.settlement.OP_BYTES())] = type << MARKET_BITS;
  return out;
}

describe("Settlement fallback mode", () => {
  describe("# entering", () => {
    it("is refused before the oldest entry is overdue with FallbackTooEarly naming when it opens", async () => {
      const f = await fresh(operatorStopped);
      const q = await f.settlement.depositsConsumed();
      await time.setNextBlockTimestamp(f.queuedAt + BigInt(FORCED_DEADLINE)); // exactly the deadline: not yet overdue
      await expect(f.as(f.dave).enterFallback())
        .to.be.revertedWithCustomError(f.settlement, "FallbackTooEarly")
        .withArgs(q, f.queuedAt + BigInt(FORCED_DEADLINE) + 1n);
      expect(await f.settlement.fallbackMode()).to.equal(false);
    });

    it("is open to anyone once an entry is overdue, once, and logs the entry and the root", async () => {
      const f = await fresh(operatorStopped);
      const q = await f.settlement.depositsConsumed();
      await time.increaseTo(f.queuedAt + BigInt(FORCED_DEADLINE) + 1n);
      await expect(f.as(f.dave).enterFallback())
        .to.emit(f.settlement, "FallbackEntered")
        .withArgs(q, f.queuedAt, f.chainState().stateRoot(), await f.dave.getAddress());
      expect(await f.settlement.fallbackMode()).to.equal(true);
      await expect(f.as(f.carol).enterFallback()).to.be.revertedWithCustomError(f.settlement, "AlreadyInFallback");
    });

    it("is refused with NothingPending when every entry is consumed", async () => {
      const f = await deployOnGenesis();
      await f.openThree();
      await time.increase(FORCED_DEADLINE + 1);
      await expect(f.settlement.enterFallback()).to.be.revertedWithCustomError(f.settlement, "NothingPending");
    });
  });

  describe("# fallback batches", () => {
    it("outside fallback mode only the operator submits (NotOperator)", async () => {
      const f = await fresh(operatorStopped);
      const b = await f.build(f.queueOps, f.queueEntries);
      await expect(f.as(f.dave).submitBatch(b.data, PROOF))
        .to.be.revertedWithCustomError(f.settlement, "NotOperator")
        .withArgs(await f.dave.getAddress());
    });

    it("any address finalizes a batch that serves the queue first; the forced withdrawal is credited as the rules say", async () => {
      const f = await fresh(inFallback);
      const b = await f.build(f.queueOps, f.queueEntries);
      const batchNumber = await f.settlement.batchCount();
      const owed = b.state.account(1).collateral; // what alice keeps after giving up w
      await expect(f.submitAs(f.dave, b))
        .to.emit(f.settlement, "FallbackBatchFinalized")
        .withArgs(batchNumber, await f.dave.getAddress(), 2n);
      expect(await f.settlement.stateRoot()).to.equal(b.state.stateRoot());
      expect(await f.settlement.depositsConsumed()).to.equal(await f.settlement.depositCount());
      // alice holds no position: she can spare everything up to her request, 500 USDC.
      expect(await f.settlement.claimable(await f.alice.getAddress())).to.equal(500n * USDC);
      expect(owed).to.equal(9_500n * USDC);
    });

    it("two submitters race on one root: the first wins, the second reverts StateRootMismatch and nothing is applied twice", async () => {
      const f = await fresh(inFallback);
      const first = await f.build(f.queueOps, f.queueEntries);
      const second = await f.build(f.queueOps, f.queueEntries); // the same batch, proven by someone else
      const oldRoot = f.chainState().stateRoot();
      await f.submitAs(f.dave, first);
      await expect(f.as(f.carol).submitBatch(second.data, PROOF))
        .to.be.revertedWithCustomError(f.settlement, "StateRootMismatch")
        .withArgs(first.state.stateRoot(), oldRoot);
      expect(await f.settlement.batchCount()).to.equal(3n);
      expect(await f.settlement.claimable(await f.alice.getAddress())).to.equal(500n * USDC);
      expect(await f.settlement.totalClaimable()).to.equal(500n * USDC);
    });

    it("refuses an op before the queue entries (FallbackOpBeforeQueue), the operator's batch included", async () => {
      const f = await fresh(inFallback);
      await f.submitAs(f.dave, await f.build(f.queueOps, f.queueEntries));
      await f.as(f.carol).deposit(3, 7n * USDC); // the only entry left: a batch serving it serves the whole queue
      await time.increase(2 * HOUR);
      const b = await f.build([{ type: "NOOP" }, { type: "DEPOSIT" }], [topUp(3, 7n * USDC)]);
      await expect(f.as(f.dave).submitBatch(b.data, PROOF))
        .to.be.revertedWithCustomError(f.settlement, "FallbackOpBeforeQueue")
        .withArgs(0n, 0n);
      await expect(f.submitAs(f.operator, b)).to.be.revertedWithCustomError(f.settlement, "FallbackOpBeforeQueue");
    });

    it("refuses a batch that leaves a free slot while an entry older than FALLBACK_GRACE waits (FallbackQueueNotServed)", async () => {
      const f = await fresh(inFallback);
      const s = f.chainState();
      const t = trade(
        devOrder(s, { accountIndex: 2, marketId: 1, isBuy: false, size: 1n, limitPrice: 60n * USDC }),
        devOrder(s, { accountIndex: 3, marketId: 1, isBuy: true, size: 1n, limitPrice: 60n * USDC }),
        1n,
      );
      const b = await f.build([{ type: "DEPOSIT" }, t], [f.queueEntries[0]]);
      const consumed = await f.settlement.depositsConsumed();
      const next = await f.settlement.queueEntries(consumed + 1n);
      await expect(f.as(f.dave).submitBatch(b.data, PROOF))
        .to.be.revertedWithCustomError(f.settlement, "FallbackQueueNotServed")
        .withArgs(consumed + 1n, next.queuedAt);
    });

    it("lets a batch leave an entry younger than FALLBACK_GRACE for the next one", async () => {
      const f = await fresh(inFallback);
      await f.submitAs(f.dave, await f.build(f.queueOps, f.queueEntries));
      await f.as(f.carol).deposit(3, 7n * USDC);
      await time.increase(HOUR - 60);
      await expect(f.submitAs(f.dave, await f.build([{ type: "NOOP" }]))).to.emit(f.settlement, "FallbackBatchFinalized");
      await time.increase(60);
      const stale = await f.build([{ type: "NOOP" }]);
      await expect(f.as(f.dave).submitBatch(stale.data, PROOF)).to.be.revertedWithCustomError(f.settlement, "FallbackQueueNotServed");
    });

    it("refuses DELEVERAGE in a fallback batch (FallbackOpNotAllowed)", async () => {
      const f = await fresh(inFallback);
      await f.submitAs(f.dave, await f.build(f.queueOps, f.queueEntries));
      const b = await f.build([{ type: "NOOP" }]);
      await expect(f.as(f.dave).submitBatch(await withOpType(f, b.data, 1, 6), PROOF))
        .to.be.revertedWithCustomError(f.settlement, "FallbackOpNotAllowed")
        .withArgs(1n, 6n);
    });

    it("accepts exactly the batches the queue-first rule allows (any slot types, any count served)", async () => {
      const f = await fresh(inFallback);
      const base = await f.build(f.queueOps, f.queueEntries);
      const consumed = Number(await f.settlement.depositsConsumed());
      const N = params.batchSize;
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 2 }), fc.array(fc.integer({ min: 0, max: 7 }), { minLength: N, maxLength: N }), async (served, types) => {
          let data: Uint8Array = Uint8Array.from(base.data);
          new DataView(data.buffer).setUint32(64, consumed + served); // depositsEnd
          for (let slot = 0; slot < N; slot++) data = await withOpType(f, data, slot, types[slot]);
          const firstBad = types.findIndex((t, slot) => (slot < served ? t !== 1 && t !== 7 : t === 6));
          // Both entries are past the grace: a batch that serves fewer than N must serve them all.
          const expected = served < N && served < 2 ? "FallbackQueueNotServed" : firstBad < 0 ? "ok" : types[firstBad] === 6 && firstBad >= served ? "FallbackOpNotAllowed" : "FallbackOpBeforeQueue";
          if (expected === "ok") await f.as(f.dave).submitBatch.staticCall(data, PROOF); // does not revert
          else await expect(f.as(f.dave).submitBatch.staticCall(data, PROOF)).to.be.revertedWithCustomError(f.settlement, expected);
        }),
        { numRuns: 40 },
      );
    });
  });

  describe("# operator return", () => {
    it("the operator resumes once the queue is served; then batches are its alone again", async () => {
      const f = await fresh(inFallback);
      await expect(f.settlement.resumeOperator())
        .to.be.revertedWithCustomError(f.settlement, "QueueStillOverdue")
        .withArgs(await f.settlement.depositsConsumed(), f.queuedAt + BigInt(FORCED_DEADLINE));
      await f.submitAs(f.dave, await f.build(f.queueOps, f.queueEntries));
      await expect(f.as(f.dave).resumeOperator()).to.be.revertedWithCustomError(f.settlement, "NotOperator");
      await expect(f.settlement.resumeOperator())
        .to.emit(f.settlement, "FallbackExited")
        .withArgs(await f.operator.getAddress(), f.chainState().stateRoot());
      expect(await f.settlement.fallbackMode()).to.equal(false);
      await expect(f.settlement.resumeOperator()).to.be.revertedWithCustomError(f.settlement, "NotInFallback");

      const b = await f.build([{ type: "NOOP" }]);
      await expect(f.as(f.dave).submitBatch(b.data, PROOF)).to.be.revertedWithCustomError(f.settlement, "NotOperator");
      await expect(f.submitAs(f.operator, b)).to.emit(f.settlement, "BatchFinalized").and.not.to.emit(f.settlement, "FallbackBatchFinalized");
    });

    it("the operator itself may serve the overdue queue in fallback mode, then resume", async () => {
      const f = await fresh(inFallback);
      await expect(f.submitAs(f.operator, await f.build(f.queueOps, f.queueEntries)))
        .to.emit(f.settlement, "FallbackBatchFinalized")
        .withArgs(2n, await f.operator.getAddress(), 2n);
      await expect(f.settlement.resumeOperator()).to.emit(f.settlement, "FallbackExited");
    });
  });

  describe("# freeze stays the last resort", () => {
    it("freezing opens at FREEZE_DEADLINE = 2 × FORCED_DEADLINE, also in fallback mode, and ends batches and fallback", async () => {
      const f = await fresh(inFallback);
      expect(await f.settlement.FREEZE_DEADLINE()).to.equal(BigInt(FREEZE_DEADLINE));
      const q = await f.settlement.depositsConsumed();
      await expect(f.settlement.freeze())
        .to.be.revertedWithCustomError(f.settlement, "FreezeTooEarly")
        .withArgs(q, f.queuedAt + BigInt(FREEZE_DEADLINE) + 1n);
      await time.increaseTo(f.queuedAt + BigInt(FREEZE_DEADLINE) + 1n);
      await expect(f.as(f.carol).freeze()).to.emit(f.settlement, "ContractFrozen");
      const b = await f.build(f.queueOps, f.queueEntries);
      await expect(f.as(f.dave).submitBatch(b.data, PROOF)).to.be.revertedWithCustomError(f.settlement, "Frozen");
      await expect(f.settlement.resumeOperator()).to.be.revertedWithCustomError(f.settlement, "Frozen");
    });

    it("enterFallback is refused once frozen", async () => {
      const f = await fresh(operatorStopped);
      await time.increaseTo(f.queuedAt + BigInt(FREEZE_DEADLINE) + 1n);
      await f.settlement.freeze();
      await expect(f.settlement.enterFallback()).to.be.revertedWithCustomError(f.settlement, "Frozen");
    });
  });
});
