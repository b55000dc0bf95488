/**
 * A batch that fails for good does not stall the venue (issue 19's scenario): a
 * fabricated DEPOSIT is cut into a batch, an order of the account it made fills, the
 * batch's job fails and is cancelled; the sequencer rebases on the rewound ledger, the
 * ops that no longer hold are rejected with the rule (readable after a restart too),
 * the others go on, and the next batch is stored.
 */
import { expect } from "chai";
import { depositNew, devOrder, devWithdrawal } from "../../../prover/dev/fixtures";
import type { EnginePort } from "../../../prover/service/engine-port";
import { pipelineStall } from "../../../prover/api/pipeline-health";
import { isEmptyAccount } from "../../../prover/state/account";
import { RuleError } from "../../../prover/state/errors";
import { parseBatch } from "../../../prover/codec/batch-codec";
import { SqliteJobStore } from "../../../prover/store/sqlite-store";
import type { State } from "../../../prover/state/state";
import { fundedStore, startNode, USDC } from "./intake-world";

describe("# sequencer rebase", function () {
  this.timeout(300_000);

  it("rejects with the rule the ops a cancelled batch took away, keeps the rest, and cuts again", async function () {
    const store = new SqliteJobStore(":memory:");
    const genesis = await fundedStore(store);
    const node = await startNode(store, genesis);
    const engine = { counts: () => store.counts() } as unknown as EnginePort;

    // batch 2: a DEPOSIT the L1 queue never had, and three withdrawals
    const fake = await node.intake.run((s) => s.submitDeposit(depositNew(9, 5_000n * USDC)));
    const withdrawals = [];
    for (const i of [1, 2, 3]) {
      const st = node.seq.pendingState();
      withdrawals.push(await node.intake.run((s) => s.submitWithdraw(devWithdrawal(st, i, USDC))));
    }
    const job2 = await store.getByBatchNumber(2);
    expect(job2, "batch 2 is a job").to.not.equal(undefined);
    // the fake account trades in the batch being filled
    const st = node.seq.pendingState();
    const sell = await node.intake.run((s) => s.submitOrder(devOrder(st, { accountIndex: 9, marketId: 1, isBuy: false, size: 1n, limitPrice: 60n * USDC })));
    const buy = await node.intake.run((s) => s.submitOrder(devOrder(st, { accountIndex: 4, marketId: 1, isBuy: true, size: 1n, limitPrice: 60n * USDC })));
    expect(buy.status).to.equal("filled");
    const resting = await node.intake.run((s) => s.submitOrder(devOrder(st, { accountIndex: 1, marketId: 2, isBuy: true, size: 1n, limitPrice: 40n * USDC })));
    expect(resting.status).to.equal("resting");

    // the chain refuses batch 2: the pipeline cannot move on, and says so
    await store.transition(job2!.id, ["queued"], "failed", { error: { code: "PRV_ERR_SUBMIT_REVERTED", message: "DepositsOutOfRange" } });
    expect(await pipelineStall(engine, node.intake)).to.match(/1 failed job/);

    // the operator cancels it: the ledger goes back, the sequencer rebases
    const cancelled = await node.ledger.dropNewest(job2!.id, ["failed"]);
    const rejected = await node.intake.rebase("batch 2 was cancelled (PRV_ERR_SUBMIT_REVERTED: DepositsOutOfRange)", parseBatch(cancelled.batch));
    expect(await pipelineStall(engine, node.intake)).to.equal(undefined);
    expect(isEmptyAccount(node.seq.pendingState().account(9)), "the fake account is gone from the pending view").to.equal(true);

    const ask = (id: string) => node.intake.status(id);
    expect(ask(fake.opId)).to.deep.include({ status: "rejected", code: "REBASED_QUEUE_ENTRY" });
    for (const id of [sell.orderId, buy.orderId]) {
      const s = ask(id) as { status: string; code: string; reason: string };
      expect(s.status, `fill of the fake account (${id})`).to.equal("rejected");
      expect(s.reason).to.contain("batch 2 was cancelled");
      expect(rejected).to.include(id);
    }
    for (const w of withdrawals) expect(ask(w.opId), "a withdrawal that still holds is re-applied").to.deep.equal({ status: "pending" });
    expect(ask(resting.orderId)).to.deep.equal({ status: "resting" });
    expect(() => node.seq.submitOrder(devOrder(st, { accountIndex: 9, marketId: 1, isBuy: false, size: 1n, limitPrice: 60n * USDC }))).to.throw(RuleError, /UNKNOWN_ACCOUNT/);

    // the venue goes on: the next batch (3 withdrawals + 1) is stored as batch 2
    const st2 = node.seq.pendingState();
    await node.intake.run((s) => s.submitWithdraw(devWithdrawal(st2, 4, USDC)));
    expect((await store.ledger()).length).to.equal(2);
    expect(node.intake.stalled).to.equal(undefined);

    // a restart reads the same answers from the journal
    const again = await startNode(store, genesis);
    expect(again.intake.status(fake.opId)).to.deep.include({ status: "rejected", code: "REBASED_QUEUE_ENTRY" });
    expect(again.intake.status(buy.orderId)).to.deep.include({ status: "rejected" });
    expect(again.intake.status(withdrawals[0].opId)).to.deep.include({ status: "batched", batchNumber: 2 });
    expect(again.intake.status(resting.orderId)).to.deep.equal({ status: "resting" });
    await store.close();
  });

  it("rebases when the ledger refuses a cut batch instead of retrying it without end", async function () {
    const store = new SqliteJobStore(":memory:");
    const genesis = await fundedStore(store);
    const node = await startNode(store, genesis);
    const st = node.seq.pendingState();
    const w = await node.intake.run((s) => s.submitWithdraw(devWithdrawal(st, 1, USDC)));
    // another writer moves the ledger on under the sequencer: account 1's withdrawal with the same nonce
    await node.ledger.append({ header: node.seq.currentHeader()!, ops: [devWithdrawal(st, 1, 2n * USDC)], deposits: [] });
    node.seq.cutNow();
    await node.intake.commit();
    expect(node.intake.status(w.opId)).to.deep.include({ status: "rejected", code: "NONCE_MISMATCH" });
    expect(node.intake.stalled).to.equal(undefined);
    expect(node.seq.outbox.length).to.equal(0);
    await store.close();
  });

  it("stores no cut batch that fails its check: the sequencer rebases on the ledger, re-applies its ops and the next cut is stored", async function () {
    const store = new SqliteJobStore(":memory:");
    const genesis = await fundedStore(store);
    const node = await startNode(store, genesis);
    const st = node.seq.pendingState();
    const w = await node.intake.run((s) => s.submitWithdraw(devWithdrawal(st, 1, USDC)));
    const height = node.ledger.height;
    node.seq.cutNow();
    // what a bug of the one-op-at-a-time path would leave: a state the batch does not reach
    const h = node.seq.held[0] as { check?: { before: State; after: State } };
    const wrong = h.check!.after.clone();
    wrong.setAccount(2, { ...wrong.account(2), collateral: wrong.account(2).collateral + 1n });
    h.check = { before: h.check!.before, after: wrong };
    await node.intake.commit();
    expect(node.seq.cutCheckFailures).to.equal(1);
    expect(node.ledger.height, "nothing stored").to.equal(height);
    expect(node.intake.status(w.opId), "re-applied on the ledger's state").to.deep.equal({ status: "pending" });
    node.seq.cutNow();
    await node.intake.commit();
    expect(node.ledger.height).to.equal(height + 1);
    expect(node.intake.status(w.opId)).to.deep.include({ status: "batched", batchNumber: height + 1 });
    expect(node.intake.stalled).to.equal(undefined);
    await store.close();
  });

  it("on restart, re-applies op by op a journal batch that no longer applies whole, and drops its old key", async function () {
    const store = new SqliteJobStore(":memory:");
    const genesis = await fundedStore(store);
    const node = await startNode(store, genesis);
    const st = node.seq.pendingState();
    const w1 = await node.intake.run((s) => s.submitWithdraw(devWithdrawal(st, 1, USDC)));
    const w2 = await node.intake.run((s) => s.submitWithdraw(devWithdrawal(st, 2, USDC)));
    // while the node is down, the ledger moves on: account 1's nonce is used
    await node.ledger.append({ header: node.seq.currentHeader()!, ops: [devWithdrawal(st, 1, 2n * USDC)], deposits: [] });
    const again = await startNode(store, genesis);
    expect(again.intake.status(w1.opId)).to.deep.include({ status: "rejected", code: "NONCE_MISMATCH" });
    expect(again.intake.status(w2.opId)).to.deep.equal({ status: "pending" });
    const keys = [...(await store.readJournal()).keys()].filter((k) => k.startsWith("b:"));
    expect(keys, "one batch key: the re-applied batch").to.have.length(1);
    const third = await startNode(store, genesis);
    expect(third.seq.pendingOps, "w2 once").to.equal(1);
    expect(third.intake.status(w2.opId)).to.deep.equal({ status: "pending" });
    await store.close();
  });
});
