/**
 * The escape hatch on real states (docs/security.md): the stored roots are state roots
 * of the TypeScript rules, so accounts exit with real Merkle proofs; the on-chain
 * Poseidon contracts are checked against circomlibjs first.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { buildExitProof, buildExitProofFromChain, exitEquity } from "../../prover/chain/exit-proof";
import { poseidonAbi, type DeployedContract } from "../../prover/chain/deploy";
import { initCrypto, poseidon } from "../../prover/state/crypto";
import { FIELD_MODULUS } from "../../prover/state/layout";
import { CI_PARAMS, devGenesis, devOrder, devWithdrawal, trade } from "../../prover/dev/fixtures";
import { accountEquity } from "../../prover/state/margin";
import { FORCED_DEADLINE, FREEZE_DEADLINE, USDC, deployOnGenesis } from "./helpers";

/** Three traders, two trades, a withdrawal, a price move and funding left unapplied; then a pending top-up and a forced-withdrawal request. */
async function tradedAndStopped() {
  const f = await deployOnGenesis();
  let s = await f.openThree();
  s = await f.submit([
    trade(
      devOrder(s, { accountIndex: 2, marketId: 1, isBuy: false, size: 10n, limitPrice: 60n * USDC, maxFeeBps: 10n }),
      devOrder(s, { accountIndex: 1, marketId: 1, isBuy: true, size: 10n, limitPrice: 60n * USDC, maxFeeBps: 10n }),
      10n,
      5n,
      5n,
    ),
    trade(
      devOrder(s, { accountIndex: 3, marketId: 3, isBuy: true, size: 20n, limitPrice: 1_200_000n, maxFeeBps: 10n }),
      devOrder(s, { accountIndex: 2, marketId: 3, isBuy: false, size: 20n, limitPrice: 1_200_000n, maxFeeBps: 10n, nonce: 1n }), // after the first trade
      20n,
      10n,
      10n,
    ),
  ]);
  const moved = [63n * USDC, 61n * USDC, 1_500_000n, 900_000n];
  s = await f.submit([devWithdrawal(s, 3, 1_000n * USDC)], [], moved, [1_000_000n, 0n, 0n, 0n]);
  // A batch that moves the perpetual's funding index without touching any account: funding stays unapplied.
  s = await f.submit([{ type: "NOOP" }], [], [62n * USDC, 61n * USDC, 1_400_000n, 950_000n], [-800_000n, 0n, 0n, 0n]);
  // The operator stops: a top-up and a forced-withdrawal request stay unserved.
  await f.as(f.bob).deposit(2, 100n * USDC);
  await f.as(f.alice).requestForcedWithdrawal(1, 500n * USDC);
  return { ...f, last: s };
}

describe("Settlement escape hatch", () => {
  describe("# circomlibjs Poseidon contracts", () => {
    it("hash like circomlibjs' buildPoseidon for n = 1..6, directly and through the ExitVerifier", async () => {
      await initCrypto();
      const { exitVerifier, deployed } = await loadFixture(deployOnGenesis);
      for (let n = 1; n <= 6; n++) {
        const inputs = Array.from({ length: n }, (_, i) => (BigInt(i + 1) * 0x9e3779b97f4a7c15f39cc0605cedc834n * BigInt(n)) % FIELD_MODULUS);
        inputs[n - 1] = FIELD_MODULUS - 1n;
        const expected = poseidon(inputs);
        const direct = new ethers.Contract(deployed.poseidons[n - 1], poseidonAbi(n), ethers.provider) as unknown as DeployedContract;
        expect(await direct["poseidon(uint256[" + n + "])"](inputs)).to.equal(expected);
        expect(await exitVerifier.hash(inputs)).to.equal(expected);
      }
    });
  });

  describe("# ExitVerifier parameters", () => {
    it("refuses fewer than 6 Poseidon contracts and more than 4 position slots (the leaf hash takes 4 + ceil(P/2) ≤ 6 inputs)", async () => {
      const { deployed } = await loadFixture(deployOnGenesis);
      const factory = await ethers.getContractFactory("ExitVerifier");
      await expect(factory.deploy(deployed.poseidons.slice(0, 5), 12, 4, 8))
        .to.be.revertedWithCustomError(factory, "ExitParameterOutOfRange")
        .withArgs(5);
      await expect(factory.deploy(deployed.poseidons, 12, 5, 8))
        .to.be.revertedWithCustomError(factory, "ExitParameterOutOfRange")
        .withArgs(5);
      for (const slots of [1, 3, 4]) {
        const verifier = await factory.deploy(deployed.poseidons, 12, slots, 8);
        await verifier.waitForDeployment();
        expect(await verifier.getFunction("POSITION_SLOTS")()).to.equal(BigInt(slots));
      }
    });

    it("recomputes the state root of the rules for P = 1 and 3, an odd last slot hashed beside the empty one", async () => {
      await initCrypto();
      const { deployed } = await loadFixture(deployOnGenesis);
      const factory = await ethers.getContractFactory("ExitVerifier");
      for (const P of [1, 3]) {
        const params = { ...CI_PARAMS, positionSlots: P };
        const state = await devGenesis(params);
        const positions = Array.from({ length: P }, (_, j) => ({ marketId: j + 1, size: BigInt(3 - 2 * j), fundingSnapshot: BigInt(-j) }));
        state.setAccount(2, { ax: 7n, ay: 8n, nonce: 5n, collateral: 1_000n, positions });
        const verifier = await factory.deploy(deployed.poseidons, params.accountDepth, P, params.markets);
        const [root] = await verifier.getFunction("rootAndEquity")(buildExitProof(state, 2));
        expect(root, `P = ${P}`).to.equal(state.stateRoot());
      }
    });
  });

  describe("# full scenario", () => {
    it("the operator stops, a trader freezes after the deadline, every account exits with exactly its equity", async () => {
      const f = await tradedAndStopped();
      const { settlement, token, as, alice, bob, carol, operator, last } = f;
      expect(await settlement.stateRoot()).to.equal(last.stateRoot());

      // Before the deadline nobody may freeze; the oldest unconsumed entry is bob's top-up.
      const queueIndex = await settlement.depositsConsumed();
      const entry = await settlement.queueEntries(queueIndex);
      await expect(as(carol).freeze())
        .to.be.revertedWithCustomError(settlement, "FreezeTooEarly")
        .withArgs(queueIndex, entry.queuedAt + BigInt(FREEZE_DEADLINE) + 1n);

      await time.increaseTo(entry.queuedAt + BigInt(FREEZE_DEADLINE) + 1n);
      await expect(as(alice).freeze())
        .to.emit(settlement, "ContractFrozen")
        .withArgs(queueIndex, entry.queuedAt, last.stateRoot(), await alice.getAddress());
      expect(await settlement.frozen()).to.equal(true);

      // The balance covers every exit, the credited withdrawal and the unconsumed top-up.
      const equities = [0, 1, 2, 3].map((i) => exitEquity(last, i));
      const claimable = await settlement.claimable(carol);
      expect(claimable).to.equal(1_000n * USDC);
      const balance = await token.balanceOf(settlement);
      const owed = equities.reduce((a, b) => a + b, 0n) + claimable + 100n * USDC;
      expect(balance >= owed).to.equal(true);

      // Funding was left unapplied on accounts 1 and 2: the exit subtracts it.
      const unapplied = [1, 2].map((i) => accountEquity(last.account(i), last.global.markets) !== accountEquity(last.account(i), last.global.markets.map((m) => ({ ...m, fundingIndex: 0n }))));
      expect(unapplied).to.deep.equal([true, true]);

      const owners = [operator, alice, bob, carol];
      for (const i of [1, 2, 3]) {
        const proof = buildExitProof(last, i);
        const [root, equity] = await f.exitVerifier.rootAndEquity(proof);
        expect(root).to.equal(last.stateRoot());
        expect(equity).to.equal(equities[i]);
        await expect(as(carol).exit(proof)).to.changeTokenBalances(token, [owners[i], settlement], [equities[i], -equities[i]]);
      }

      // Credited withdrawals stay claimable, unconsumed deposits are refunded, once.
      await expect(as(carol).claim(carol)).to.changeTokenBalance(token, carol, claimable);
      const pending = (await settlement.depositCount()) - 2n; // bob's top-up, then alice's request
      await expect(as(dave(f)).refundDeposit(pending)).to.changeTokenBalance(token, bob, 100n * USDC);
      await expect(settlement.refundDeposit(pending + 1n)).to.be.revertedWithCustomError(settlement, "NotRefundable").withArgs(pending + 1n);

      // The insurance fund exits last, after traders had FORCED_DEADLINE to exit.
      const fundProof = buildExitProof(last, 0);
      const frozenAt = await settlement.frozenAt();
      await expect(settlement.exit(fundProof))
        .to.be.revertedWithCustomError(settlement, "FundExitTooEarly")
        .withArgs(frozenAt + BigInt(FORCED_DEADLINE));
      await time.increaseTo(frozenAt + BigInt(FORCED_DEADLINE));
      expect(equities[0] > 0n).to.equal(true); // the fees
      await expect(settlement.exit(fundProof))
        .to.emit(settlement, "Exited")
        .withArgs(0, await operator.getAddress(), equities[0], equities[0]);

      // Funding and P&L are zero-sum: what is left is exactly nothing.
      expect(await token.balanceOf(settlement)).to.equal(balance - owed);
      expect(balance - owed).to.equal(0n);
    });

    it("builds every exit proof from chain data alone (rebuildState) and exits with it", async () => {
      const f = await tradedAndStopped();
      await time.increase(FREEZE_DEADLINE + 1);
      await f.settlement.freeze();
      const address = await f.settlement.getAddress();
      for (const i of [1, 2, 3]) {
        const { proof, state, equity } = await buildExitProofFromChain(ethers.provider, address, i);
        expect(state.stateRoot()).to.equal(f.last.stateRoot());
        expect(equity).to.equal(exitEquity(f.last, i));
        await expect(f.settlement.exit(proof)).to.emit(f.settlement, "Exited").withArgs(i, (a: string) => a.length === 42, equity, equity);
      }
    });

    it("pays an exit to the account's current L1 owner", async () => {
      const f = await tradedAndStopped();
      await time.increase(FREEZE_DEADLINE + 1);
      await f.settlement.freeze();
      await f.as(f.alice).transferAccountOwnership(1, f.dave);
      const eq = exitEquity(f.last, 1);
      await expect(f.settlement.exit(buildExitProof(f.last, 1))).to.changeTokenBalance(f.token, f.dave, eq);
    });
  });

  describe("# requestForcedWithdrawal", () => {
    it("appends (accountIndex, 0, 1, amount) to the queue chain, moves no tokens, and only for the account's owner", async () => {
      await initCrypto();
      const f = await deployOnGenesis(); // not loadFixture: the TS state in the closure moves on with the chain
      await f.openThree();
      const { settlement, as, alice, bob, token } = f;
      const n = await settlement.depositCount();
      const head = poseidon([await settlement.queueHeads(n), 1n, 0n, 1n, 77n]);
      await expect(as(alice).requestForcedWithdrawal(1, 77n)).to.changeTokenBalance(token, alice, 0n);
      expect(await settlement.queueHeads(n + 1n)).to.equal(head);
      await expect(as(bob).requestForcedWithdrawal(1, 77n)).to.be.revertedWithCustomError(settlement, "NotAccountOwner").withArgs(1, await bob.getAddress());
      await expect(as(alice).requestForcedWithdrawal(1, 0n)).to.be.revertedWithCustomError(settlement, "RequestAmountOutOfRange").withArgs(0);
      await expect(as(alice).requestForcedWithdrawal(1, 2n ** 48n)).to.be.revertedWithCustomError(settlement, "RequestAmountOutOfRange").withArgs(2n ** 48n);
      await expect(settlement.requestForcedWithdrawal(0, 1n)).to.be.revertedWithCustomError(settlement, "NotAccountOwner");
    });
    it("emits ForcedWithdrawalRequested and DepositQueued with key (0, 1)", async () => {
      const f = await deployOnGenesis(); // not loadFixture: the TS state in the closure moves on with the chain
      await f.openThree();
      const n = await f.settlement.depositCount();
      await expect(f.as(f.alice).requestForcedWithdrawal(1, 5n))
        .to.emit(f.settlement, "ForcedWithdrawalRequested")
        .withArgs(n, 1, await f.alice.getAddress(), 5n)
        .and.to.emit(f.settlement, "DepositQueued")
        .withArgs(n, 1, 0, 1, 5n, (h: bigint) => h > 0n);
    });
    it("a served request consumes the entry, credits what the account can spare, and leaves nothing to freeze", async () => {
      const f = await deployOnGenesis(); // not loadFixture: the TS state in the closure moves on with the chain
      await f.openThree();
      const { settlement, as, alice } = f;
      await as(alice).requestForcedWithdrawal(1, 400n * USDC);
      const { forcedRequest } = await import("../../prover/dev/fixtures");
      await f.submit([{ type: "FORCED_WITHDRAW" }], [forcedRequest(1, 400n * USDC)]);
      expect(await settlement.claimable(alice)).to.equal(400n * USDC);
      expect(await settlement.depositsConsumed()).to.equal(await settlement.depositCount());
      await time.increase(FREEZE_DEADLINE + 1);
      await expect(settlement.freeze()).to.be.revertedWithCustomError(settlement, "NothingPending");
    });
  });
});

/** A bystander (exits and refunds may be sent by anyone; they pay the owner). */
function dave(f: { dave: import("ethers").Signer }) {
  return f.dave;
}
