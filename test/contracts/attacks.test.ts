/**
 * Attacks that rollups suffered or guarded against, each refused with a named custom
 * error. Batches and exits are built with the TypeScript rules on real states
 * (helpers.ts); the verifier is a MockVerifier that, like a real one, accepts one proof
 * for one public input (`expectProof`, `expectInput`).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { buildExitProof, exitEquity } from "../../prover/chain/exit-proof";
import type { DeployedContract } from "../../prover/chain/deploy";
import { applyBatch } from "../../prover/state/batch";
import { batchOnChain } from "../../prover/circuit-input/batch-data";
import { layoutFor } from "../../prover/state/layout";
import { devOrder, devWithdrawal, forcedRequest, signedHeader, trade } from "../../prover/dev/fixtures";
import type { State } from "../../prover/state/state";
import { FREEZE_DEADLINE, PROOF, USDC, bobUnderWater, deployOnGenesis, params } from "./helpers";

/** The BN254 base field modulus q (proof coordinates live here). */
const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

/** A TRADE batch on `s` (not submitted): its calldata and public input. */
async function tradeBatch(s: State, q: bigint) {
  const ts = BigInt(await time.latest()) + 1n;
  const r = applyBatch(s, {
    header: signedHeader(s, ts),
    ops: [
      trade(
        devOrder(s, { accountIndex: 2, marketId: 1, isBuy: false, size: q, limitPrice: 60n * USDC }),
        devOrder(s, { accountIndex: 1, marketId: 1, isBuy: true, size: q, limitPrice: 60n * USDC }),
        q,
      ),
    ],
    deposits: [],
  });
  return { ...batchOnChain(params, r.trace), state: r.state };
}

/** Three open accounts, one withdrawal credited, then frozen: ready to exit. */
async function frozenWithExits(tokenName: "TestToken" | "ReentrantToken" = "TestToken") {
  const f = await deployOnGenesis(tokenName);
  let s = await f.openThree();
  s = await f.submit([devWithdrawal(s, 3, 1_000n * USDC)]);
  await f.as(f.alice).requestForcedWithdrawal(1, 1n);
  await time.increase(FREEZE_DEADLINE + 1);
  await f.as(f.alice).freeze();
  return { ...f, last: s };
}

describe("Settlement attacks", () => {
  describe("# batches", () => {
    it("a malleated proof (A negated) is refused with InvalidProof; the (−A, −B) twin cannot replay the batch", async () => {
      const f = await deployOnGenesis();
      const s = await f.openThree();
      const b = await tradeBatch(s, 3n);
      await f.verifier.expectInput(b.inputHash);
      await f.verifier.expectProof(PROOF);
      const negA = [PROOF[0], Q - PROOF[1], ...PROOF.slice(2)];
      await expect(f.settlement.submitBatch(b.data, negA)).to.be.revertedWithCustomError(f.settlement, "InvalidProof");
      await expect(f.settlement.submitBatch(b.data, PROOF)).to.emit(f.settlement, "BatchFinalized");
      // (−A, −B, C) verifies like (A, B, C) for a real Groth16 verifier: the root check stops its replay.
      const twin = [PROOF[0], Q - PROOF[1], PROOF[2], PROOF[3], Q - PROOF[4], Q - PROOF[5], PROOF[6], PROOF[7]];
      await expect(f.settlement.submitBatch(b.data, twin))
        .to.be.revertedWithCustomError(f.settlement, "StateRootMismatch")
        .withArgs(b.state.stateRoot(), s.stateRoot());
    });

    it("a proof for another batch is refused with InvalidProof", async () => {
      const f = await deployOnGenesis();
      const s = await f.openThree();
      const honest = await tradeBatch(s, 3n);
      const other = await tradeBatch(s, 4n);
      await f.verifier.expectInput(honest.inputHash); // the proof proves `honest`
      await expect(f.settlement.submitBatch(other.data, PROOF)).to.be.revertedWithCustomError(f.settlement, "InvalidProof");
      expect(await f.settlement.stateRoot()).to.equal(s.stateRoot());
    });

    it("a replayed batch is refused with StateRootMismatch", async () => {
      const f = await deployOnGenesis();
      const s = await f.openThree();
      const b = await tradeBatch(s, 3n);
      await f.settlement.submitBatch(b.data, PROOF);
      await expect(f.settlement.submitBatch(b.data, PROOF))
        .to.be.revertedWithCustomError(f.settlement, "StateRootMismatch")
        .withArgs(b.state.stateRoot(), s.stateRoot());
    });

    it("a batch built on a stale root is refused with StateRootMismatch", async () => {
      const f = await deployOnGenesis();
      const s = await f.openThree();
      const stale = f.states[f.states.length - 2];
      const b = await tradeBatch(s, 3n);
      await f.settlement.submitBatch(b.data, PROOF);
      const ts = BigInt(await time.latest()) + 1n;
      const r = applyBatch(stale, { header: signedHeader(stale, ts), ops: [], deposits: [] });
      await expect(f.settlement.submitBatch(batchOnChain(params, r.trace).data, PROOF))
        .to.be.revertedWithCustomError(f.settlement, "StateRootMismatch")
        .withArgs(b.state.stateRoot(), stale.stateRoot());
    });

    it("calldata that does not hash to the proof's public input is refused with InvalidProof", async () => {
      const f = await deployOnGenesis();
      const s = await f.openThree();
      const b = await tradeBatch(s, 3n);
      await f.verifier.expectInput(b.inputHash);
      const L = layoutFor(params);
      const forged = Uint8Array.from(b.data);
      forged[L.data.ops.offset + L.slot.value.offset + L.slot.value.width - 1] ^= 1; // the trade price, one unit off
      expect(await f.settlement.computeInputHash(forged)).to.not.equal(b.inputHash);
      await expect(f.settlement.submitBatch(forged, PROOF)).to.be.revertedWithCustomError(f.settlement, "InvalidProof");
    });

    it("a batch after freezing is refused with Frozen, and so are deposits and requests", async () => {
      const f = await frozenWithExits();
      const b = await tradeBatch(f.last, 3n);
      await expect(f.settlement.submitBatch(b.data, PROOF)).to.be.revertedWithCustomError(f.settlement, "Frozen");
      await expect(f.as(f.bob).deposit(2, 1n)).to.be.revertedWithCustomError(f.settlement, "Frozen");
      await expect(f.as(f.bob).requestForcedWithdrawal(2, 1n)).to.be.revertedWithCustomError(f.settlement, "Frozen");
      await expect(f.settlement.freeze()).to.be.revertedWithCustomError(f.settlement, "Frozen");
    });

    it("freezing before the deadline is refused with FreezeTooEarly; an empty queue with NothingPending", async () => {
      const f = await deployOnGenesis();
      await f.openThree();
      await expect(f.settlement.freeze()).to.be.revertedWithCustomError(f.settlement, "NothingPending");
      await f.as(f.alice).requestForcedWithdrawal(1, 1n);
      const q = await f.settlement.depositsConsumed();
      const { queuedAt } = await f.settlement.queueEntries(q);
      await time.setNextBlockTimestamp(queuedAt + BigInt(FREEZE_DEADLINE)); // exactly the deadline: not yet overdue
      await expect(f.settlement.freeze())
        .to.be.revertedWithCustomError(f.settlement, "FreezeTooEarly")
        .withArgs(q, queuedAt + BigInt(FREEZE_DEADLINE) + 1n);
      await expect(f.settlement.freeze()).to.emit(f.settlement, "ContractFrozen");
    });
  });

  describe("# withdrawals", () => {
    it("a withdrawal claimed twice is refused with NothingToClaim", async () => {
      const f = await deployOnGenesis();
      const s = await f.openThree();
      await f.submit([devWithdrawal(s, 1, 250n * USDC)]);
      await expect(f.as(f.alice).claim(f.alice)).to.changeTokenBalance(f.token, f.alice, 250n * USDC);
      await expect(f.as(f.alice).claim(f.alice)).to.be.revertedWithCustomError(f.settlement, "NothingToClaim").withArgs(await f.alice.getAddress());
    });

    it("a forced withdrawal front-run by a normal withdrawal of the same funds pays nothing twice", async () => {
      const f = await deployOnGenesis();
      const s = await f.openThree(1_000n * USDC);
      await f.as(f.alice).requestForcedWithdrawal(1, 1_000n * USDC);
      // The operator serves the request after a signed WITHDRAW of everything: the request finds nothing to spare.
      const after = await f.submit([devWithdrawal(s, 1, 1_000n * USDC), { type: "FORCED_WITHDRAW" }], [forcedRequest(1, 1_000n * USDC)]);
      expect(after.account(1).collateral).to.equal(0n);
      expect(await f.settlement.claimable(f.alice)).to.equal(1_000n * USDC);
      await expect(f.as(f.alice).claim(f.alice)).to.changeTokenBalance(f.token, f.alice, 1_000n * USDC);
      await expect(f.as(f.alice).claim(f.alice)).to.be.revertedWithCustomError(f.settlement, "NothingToClaim");
      expect(exitEquity(after, 1)).to.equal(0n);
    });

    it("reentrancy through a token callback on claim is refused with Reentrancy", async () => {
      const f = await deployOnGenesis("ReentrantToken");
      const s = await f.openThree();
      await f.submit([devWithdrawal(s, 1, 100n * USDC)]);
      const settlementAddress = await f.settlement.getAddress();
      await f.token.arm(settlementAddress, f.settlement.interface.encodeFunctionData("claim", [await f.alice.getAddress()]));
      await expect(f.as(f.alice).claim(f.alice)).to.be.revertedWithCustomError(f.settlement, "Reentrancy");
      expect(await f.settlement.claimable(f.alice)).to.equal(100n * USDC);
    });
  });

  describe("# exits", () => {
    it("reentrancy through a token callback on exit is refused with Reentrancy", async () => {
      const f = await frozenWithExits("ReentrantToken");
      const proof1 = buildExitProof(f.last, 1);
      const proof2 = buildExitProof(f.last, 2);
      const settlementAddress = await f.settlement.getAddress();
      await (f.token as DeployedContract).arm(settlementAddress, f.settlement.interface.encodeFunctionData("exit", [proof2]));
      await expect(f.settlement.exit(proof1)).to.be.revertedWithCustomError(f.settlement, "Reentrancy");
      // and through a claim from inside the payout of an exit
      await f.token.arm(settlementAddress, f.settlement.interface.encodeFunctionData("claim", [await f.carol.getAddress()]));
      await expect(f.settlement.exit(proof1)).to.be.revertedWithCustomError(f.settlement, "Reentrancy");
      expect(await f.settlement.exited(1)).to.equal(false);
    });

    it("an exit with a forged Merkle proof is refused with InvalidExitProof", async () => {
      const f = await frozenWithExits();
      const root = f.last.stateRoot();
      const honest = buildExitProof(f.last, 1);
      const richer = { ...honest, collateral: honest.collateral + 1_000_000n * USDC };
      await expect(f.settlement.exit(richer))
        .to.be.revertedWithCustomError(f.settlement, "InvalidExitProof")
        .withArgs(1, root, (r: bigint) => r !== root);
      const siblings = honest.siblings.map((l) => [...l] as [bigint, bigint, bigint]);
      siblings[0][0] += 1n;
      await expect(f.settlement.exit({ ...honest, siblings })).to.be.revertedWithCustomError(f.settlement, "InvalidExitProof");
      // account 2's leaf presented as account 1's: the path's digits differ
      await expect(f.settlement.exit({ ...buildExitProof(f.last, 2), accountIndex: 1n })).to.be.revertedWithCustomError(f.settlement, "InvalidExitProof");
      // a higher mark price in the global state
      const markets = honest.markets.map((m, i) => (i === 0 ? { ...m, markPrice: m.markPrice * 2n } : m));
      await expect(f.settlement.exit({ ...honest, markets })).to.be.revertedWithCustomError(f.settlement, "InvalidExitProof");
      // a non-canonical encoding (x + r) of the same leaf value
      await expect(f.settlement.exit({ ...honest, nonce: honest.nonce + (await f.settlement.FIELD_MODULUS()) }))
        .to.be.revertedWithCustomError(f.exitVerifier, "ExitFieldOverflow");
    });

    it("an exit twice is refused with AlreadyExited", async () => {
      const f = await frozenWithExits();
      const proof = buildExitProof(f.last, 2);
      await expect(f.settlement.exit(proof)).to.changeTokenBalance(f.token, f.bob, exitEquity(f.last, 2));
      await expect(f.settlement.exit(proof)).to.be.revertedWithCustomError(f.settlement, "AlreadyExited").withArgs(2);
    });

    it("an exit before freezing is refused with NotFrozen, an empty leaf with EmptyAccount", async () => {
      const f = await deployOnGenesis();
      const s = await f.openThree();
      await expect(f.settlement.exit(buildExitProof(s, 1))).to.be.revertedWithCustomError(f.settlement, "NotFrozen");
      const g = await frozenWithExits();
      await expect(g.settlement.exit({ ...buildExitProof(g.last, 1), ax: 0n, accountIndex: 5n })).to.be.revertedWithCustomError(g.settlement, "EmptyAccount").withArgs(5);
    });

    it("a deposit refunded twice is refused with NotRefundable; a consumed one too", async () => {
      const f = await deployOnGenesis();
      await f.openThree();
      await f.as(f.bob).deposit(2, 5n * USDC);
      const q = (await f.settlement.depositCount()) - 1n;
      await time.increase(FREEZE_DEADLINE + 1);
      await f.settlement.freeze();
      await expect(f.settlement.refundDeposit(q)).to.changeTokenBalance(f.token, f.bob, 5n * USDC);
      await expect(f.settlement.refundDeposit(q)).to.be.revertedWithCustomError(f.settlement, "NotRefundable").withArgs(q);
      await expect(f.settlement.refundDeposit(0)).to.be.revertedWithCustomError(f.settlement, "NotRefundable").withArgs(0);
    });

    it("a trader exit the balance cannot cover is refused with InsufficientBalance (an underwater account's loss)", async () => {
      const f = await deployOnGenesis();
      // The perpetual jumps to 80: bob (short 10) is 100 USDC under water, alice up 200; nobody is liquidated.
      const s = await bobUnderWater(f, await f.openThree(100n * USDC));
      await f.as(f.carol).requestForcedWithdrawal(3, 1n);
      await time.increase(FREEZE_DEADLINE + 1);
      await f.settlement.freeze();
      expect(exitEquity(s, 1)).to.equal(300n * USDC);
      expect(exitEquity(s, 2)).to.equal(0n);
      await expect(f.settlement.exit(buildExitProof(s, 1))).to.changeTokenBalance(f.token, f.alice, 300n * USDC);
      await expect(f.settlement.exit(buildExitProof(s, 3)))
        .to.be.revertedWithCustomError(f.settlement, "InsufficientBalance")
        .withArgs(100n * USDC, 0n);
      expect(await f.settlement.exited(3)).to.equal(false); // it may retry after a top-up
      await f.token.mint(f.settlement, 100n * USDC);
      await expect(f.settlement.exit(buildExitProof(s, 3))).to.changeTokenBalance(f.token, f.carol, 100n * USDC);
      void ethers;
    });
  });
});
