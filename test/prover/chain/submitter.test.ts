import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { SubmitError, type SubmitterEvent } from "../../../prover/chain/submitter";
import { submitBatch } from "../../../prover/chain/settlement-client";
import { PROOF, deployWithMockVerifier, finalizedOnChain, mine, rootOf, rpc, sleep, submitterFor, when } from "./fixtures";

const sentOf = (events: SubmitterEvent[]) => events.filter((e): e is Extract<SubmitterEvent, { type: "sent" }> => e.type === "sent");
const GWEI = 10n ** 9n;

async function rejection(p: Promise<unknown>): Promise<SubmitError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(SubmitError);
    return err as SubmitError;
  }
  throw new Error("expected a SubmitError");
}

describe("Submitter (prover/chain/submitter.ts)", () => {
  afterEach(async () => {
    await rpc("evm_setAutomine", [true]);
  });

  describe("# submit", () => {
    it("finalizes a batch and resolves only once it has the required confirmations", async () => {
      const f = await loadFixture(deployWithMockVerifier);
      const mined = when((e) => (e.type === "mined" ? e : undefined));
      const { submitter, events } = submitterFor(f, { confirmations: 3 }, mined.on);
      let settled = false;
      const result = submitter.submit(1, rootOf(1), await f.dataOf(1), PROOF).finally(() => (settled = true));
      const m = await mined.seen;
      await sleep(50);
      expect(settled, "resolved with 1 confirmation").to.equal(false);
      expect(await submitter.isFinalized(1, rootOf(1))).to.equal(false);
      await mine(2);
      const r = await result;
      expect(r).to.include({ txHash: m.txHash, blockNumber: m.blockNumber, alreadyFinalized: false });
      expect(r.gasUsed > 0n).to.equal(true);
      expect(await submitter.isFinalized(1, rootOf(1))).to.equal(true);
      expect(await finalizedOnChain(f.settlement)).to.deep.equal([[0n, rootOf(1)]]); // job batch 1 = on-chain batch 0
      expect(sentOf(events).map((e) => e.reason)).to.deep.equal(["initial"]);
    });

    it("uses consecutive local nonces for consecutive batches", async () => {
      const f = await loadFixture(deployWithMockVerifier);
      const { submitter, events } = submitterFor(f);
      const start = await ethers.provider.getTransactionCount(f.operator.address, "pending");
      for (const n of [1, 2, 3]) await submitter.submit(n, rootOf(n), await f.dataOf(n), PROOF);
      expect(sentOf(events).map((e) => e.nonce)).to.deep.equal([start, start + 1, start + 2]);
      expect(await finalizedOnChain(f.settlement)).to.deep.equal([[0n, rootOf(1)], [1n, rootOf(2)], [2n, rootOf(3)]]);
    });

    it("sends a dropped transaction again and the batch is finalized once", async () => {
      const f = await loadFixture(deployWithMockVerifier);
      await rpc("evm_setAutomine", [false]);
      const { submitter, events } = submitterFor(f, {}, async (e) => {
        if (e.type === "sent" && e.reason === "initial") expect(await rpc("hardhat_dropTransaction", [e.txHash])).to.equal(true);
        if (e.type === "sent" && e.reason === "resubmission") await mine();
      });
      const r = await submitter.submit(1, rootOf(1), await f.dataOf(1), PROOF);
      expect(events.map((e) => e.type)).to.deep.equal(["sent", "dropped", "sent", "mined"]);
      expect(sentOf(events)[1].nonce).to.equal(sentOf(events)[0].nonce);
      expect(r.alreadyFinalized).to.equal(false);
      expect(await finalizedOnChain(f.settlement)).to.deep.equal([[0n, rootOf(1)]]);
    });

    it("replaces a transaction not mined in time with the same nonce and fees bumped by at least 12.5 %", async () => {
      const f = await loadFixture(deployWithMockVerifier);
      await rpc("evm_setAutomine", [false]);
      const { submitter, events } = submitterFor(f, { replaceAfterMs: 100, feeBumpPercent: 12.5 }, async (e) => {
        if (e.type === "sent" && e.reason === "replacement") await mine();
      });
      const r = await submitter.submit(1, rootOf(1), await f.dataOf(1), PROOF);
      const [first, second] = sentOf(events);
      expect(sentOf(events).map((e) => e.reason)).to.deep.equal(["initial", "replacement"]);
      expect(second.nonce).to.equal(first.nonce);
      expect(second.maxFeePerGas * 1000n >= first.maxFeePerGas * 1125n).to.equal(true);
      expect(second.maxPriorityFeePerGas * 1000n >= first.maxPriorityFeePerGas * 1125n).to.equal(true);
      expect(r.txHash).to.equal(second.txHash);
      expect(await ethers.provider.getTransactionReceipt(first.txHash)).to.equal(null);
      expect(await finalizedOnChain(f.settlement)).to.deep.equal([[0n, rootOf(1)]]);
    });

    it("gives up with SUBMIT_STUCK after maxAttempts, and the next submit replaces the pending transaction", async () => {
      const f = await loadFixture(deployWithMockVerifier);
      await rpc("evm_setAutomine", [false]);
      let mineOnSend = false;
      const { submitter, events } = submitterFor(f, { replaceAfterMs: 30, maxAttempts: 2 }, async (e) => {
        if (e.type === "sent" && mineOnSend) await mine();
      });
      const data = await f.dataOf(1);
      const err = await rejection(submitter.submit(1, rootOf(1), data, PROOF));
      expect(err.code).to.equal("SUBMIT_STUCK");
      const stuck = sentOf(events);
      expect(stuck.map((e) => e.reason)).to.deep.equal(["initial", "replacement"]);
      expect(err.txHash).to.equal(stuck[1].txHash);
      mineOnSend = true;
      const done = await submitter.submit(1, rootOf(1), data, PROOF);
      const last = sentOf(events)[2];
      expect(last.nonce).to.equal(stuck[0].nonce);
      expect(last.maxFeePerGas > stuck[1].maxFeePerGas).to.equal(true);
      expect(done.txHash).to.equal(last.txHash);
      expect(await finalizedOnChain(f.settlement)).to.deep.equal([[0n, rootOf(1)]]);
    });

    it("reports a refused proof as SUBMIT_REVERTED with the decoded InvalidProof, and a retry finalizes once", async () => {
      const f = await loadFixture(deployWithMockVerifier);
      const { submitter, events } = submitterFor(f);
      const data = await f.dataOf(1);
      await f.verifier.setResult(false);
      const nonce = await ethers.provider.getTransactionCount(f.operator.address);
      const err = await rejection(submitter.submit(1, rootOf(1), data, PROOF));
      expect(err.code).to.equal("SUBMIT_REVERTED");
      expect(err.revert?.name).to.equal("InvalidProof");
      expect(sentOf(events)).to.deep.equal([]); // refused by estimateGas: nothing sent
      expect(await ethers.provider.getTransactionCount(f.operator.address)).to.equal(nonce);
      await f.verifier.setResult(true);
      await submitter.submit(1, rootOf(1), data, PROOF);
      expect(await finalizedOnChain(f.settlement)).to.deep.equal([[0n, rootOf(1)]]);
    });

    it("decodes a revert of a mined transaction from its block, and a retry finalizes once", async () => {
      const f = await loadFixture(deployWithMockVerifier);
      await rpc("evm_setAutomine", [false]);
      const { submitter } = submitterFor(f, {}, async (e) => {
        if (e.type !== "sent" || e.reason !== "initial") return;
        // the verifier turns to "reject" in the same block, ahead of the batch (higher tip)
        await (f.verifier.connect(f.other) as typeof f.verifier).setResult(false, { maxPriorityFeePerGas: 500n * GWEI, maxFeePerGas: 1000n * GWEI });
        await mine();
      });
      const data = await f.dataOf(1);
      const err = await rejection(submitter.submit(1, rootOf(1), data, PROOF));
      expect(err.code).to.equal("SUBMIT_REVERTED");
      expect(err.revert?.name).to.equal("InvalidProof");
      expect((await ethers.provider.getTransactionReceipt(err.txHash!))?.status).to.equal(0);
      await rpc("evm_setAutomine", [true]);
      await f.verifier.setResult(true);
      await submitter.submit(1, rootOf(1), data, PROOF);
      expect(await finalizedOnChain(f.settlement)).to.deep.equal([[0n, rootOf(1)]]);
    });

    it("treats StateRootMismatch for a batch the chain already holds as done, without a second transaction", async () => {
      const f = await loadFixture(deployWithMockVerifier);
      const data = await f.dataOf(1);
      const direct = await submitBatch(f.settlement, data, PROOF); // e.g. sent before a crash
      const { submitter, events } = submitterFor(f, { confirmations: 2 });
      const nonce = await ethers.provider.getTransactionCount(f.operator.address);
      let settled = false;
      const pending = submitter.submit(1, rootOf(1), data, PROOF).finally(() => (settled = true));
      await sleep(50);
      expect(settled, "resolved with 1 confirmation").to.equal(false);
      await mine();
      expect(await pending).to.deep.equal({ txHash: direct.txHash, blockNumber: direct.blockNumber, gasUsed: direct.gasUsed, alreadyFinalized: true });
      expect(events.map((e) => e.type)).to.deep.equal(["already-finalized"]);
      expect(await ethers.provider.getTransactionCount(f.operator.address)).to.equal(nonce);
      expect(await finalizedOnChain(f.settlement)).to.deep.equal([[0n, rootOf(1)]]);
    });

    it("treats a mined StateRootMismatch for a batch finalized meanwhile as done", async () => {
      const f = await loadFixture(deployWithMockVerifier);
      const data = await f.dataOf(1);
      await rpc("evm_setAutomine", [false]);
      // another process (before a crash) has the batch pending at the next nonce: ours comes after it
      const earlier = await f.settlement.submitBatch(data, PROOF, { gasLimit: 1_000_000 });
      const { submitter, events } = submitterFor(f, {}, async (e) => { if (e.type === "sent") await mine(); });
      const r = await submitter.submit(1, rootOf(1), data, PROOF);
      expect(r).to.include({ txHash: earlier.hash, alreadyFinalized: true });
      const mined = events.find((e) => e.type === "mined");
      expect(mined).to.include({ status: 0 });
      expect(await finalizedOnChain(f.settlement)).to.deep.equal([[0n, rootOf(1)]]);
    });

    it("refuses a job batch number that is not the chain's next batch", async () => {
      const f = await loadFixture(deployWithMockVerifier);
      const { submitter } = submitterFor(f);
      expect((await rejection(submitter.submit(2, rootOf(1), await f.dataOf(1), PROOF))).code).to.equal("SUBMIT_INVALID");
      expect((await rejection(submitter.submit(1, rootOf(2), await f.dataOf(1), PROOF))).code).to.equal("SUBMIT_INVALID");
    });
  });

  describe("# reorgs", () => {
    it("detects a reorg that removes a finalized batch, and its resubmission finalizes it once", async () => {
      const f = await loadFixture(deployWithMockVerifier);
      const { submitter } = submitterFor(f, { confirmations: 2 }, async (e) => { if (e.type === "mined") await mine(); });
      await submitter.submit(1, rootOf(1), await f.dataOf(1), PROOF);
      const snapshot = await rpc("evm_snapshot");
      const data2 = await f.dataOf(2);
      await submitter.submit(2, rootOf(2), data2, PROOF);
      const expected = [1, 2].map((n) => ({ batchNumber: n, newStateRoot: rootOf(n) }));
      expect(await submitter.checkFinality(expected)).to.deep.equal([]);
      await rpc("evm_revert", [snapshot]);
      expect(await submitter.checkFinality(expected)).to.deep.equal([2]);
      expect(await submitter.isFinalized(2, rootOf(2))).to.equal(false);
      await submitter.submit(2, rootOf(2), data2, PROOF);
      expect(await submitter.checkFinality(expected)).to.deep.equal([]);
      expect(await finalizedOnChain(f.settlement)).to.deep.equal([[0n, rootOf(1)], [1n, rootOf(2)]]);
    });

    it("does not take a node whose head is behind a batch's block for a reorg, and judges the batch once the head is back", async () => {
      const f = await loadFixture(deployWithMockVerifier);
      const { submitter } = submitterFor(f);
      await submitter.submit(1, rootOf(1), await f.dataOf(1), PROOF);
      const snapshot = await rpc("evm_snapshot");
      const r2 = await submitter.submit(2, rootOf(2), await f.dataOf(2), PROOF);
      const expected = [1, 2].map((n) => ({ batchNumber: n, newStateRoot: rootOf(n) }));
      const seenAt = [...expected.slice(0, 1), { ...expected[1], blockNumber: r2.blockNumber }];
      await rpc("evm_revert", [snapshot]); // the head is now below batch 2's block, as on a node that is behind
      expect(await submitter.checkFinality(seenAt)).to.deep.equal([]);
      expect(await submitter.checkFinality(expected)).to.deep.equal([2]); // without the block, absence is taken at face value
      await mine();
      expect(await submitter.checkFinality(seenAt)).to.deep.equal([2]); // back at that height without the event: a reorg
    });

    it("watchReorgs reports the batches to resubmit, in order", async () => {
      const f = await loadFixture(deployWithMockVerifier);
      const snapshot = await rpc("evm_snapshot");
      const { submitter } = submitterFor(f);
      for (const n of [1, 2]) await submitter.submit(n, rootOf(n), await f.dataOf(n), PROOF);
      let reported: number[] | undefined;
      const watch = submitter.watchReorgs(() => [1, 2].map((n) => ({ batchNumber: n, newStateRoot: rootOf(n) })), (b) => { reported ??= b; });
      await sleep(30);
      expect(reported).to.equal(undefined);
      await rpc("evm_revert", [snapshot]);
      for (let i = 0; i < 100 && !reported; i++) await sleep(10);
      await watch.stop();
      expect(reported).to.deep.equal([1, 2]);
    });

    it("re-syncs a nonce the reorg made stale and finalizes the batch once", async () => {
      const f = await loadFixture(deployWithMockVerifier);
      const snapshot = await rpc("evm_snapshot");
      const { submitter, events } = submitterFor(f);
      const data = await f.dataOf(1);
      await submitter.submit(1, rootOf(1), data, PROOF);
      await rpc("evm_revert", [snapshot]); // the local nonce is now one ahead of the chain
      await submitter.submit(1, rootOf(1), data, PROOF);
      expect(events.some((e) => e.type === "nonce-resync")).to.equal(true);
      expect(await finalizedOnChain(f.settlement)).to.deep.equal([[0n, rootOf(1)]]);
    });
  });
});
