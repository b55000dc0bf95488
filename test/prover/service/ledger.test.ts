/** Ledger: the operator's state is genesis + the stored batches, rebuilt by replay. */
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import Database from "better-sqlite3";
import { Ledger, LedgerReplayError } from "../../../prover/service/ledger";
import { RuleError } from "../../../prover/state/errors";
import type { State } from "../../../prover/state/state";
import { JobConflictError } from "../../../prover/store/job-store";
import { SqliteJobStore } from "../../../prover/store/sqlite-store";
import { ciGenesis, scenario, scenarioBatch, tempDir } from "./fixtures";
import { devOrder, signedHeader, trade } from "../../../prover/dev/fixtures";

/** How many setImmediate callbacks, each queuing the next, ran while `f` was pending. */
async function callbacksDuring(f: () => Promise<unknown>): Promise<number> {
  let done = false;
  let ran = 0;
  const tick = (): void => {
    if (done) return;
    ran++;
    setImmediate(tick);
  };
  setImmediate(tick);
  await f();
  done = true;
  return ran;
}

describe("prover/service: Ledger", function () {
  let genesis: State;
  let dir: string;
  let file: string;
  let store: SqliteJobStore;

  before(async function () {
    genesis = await ciGenesis();
  });

  beforeEach(function () {
    dir = tempDir();
    file = path.join(dir, "jobs.sqlite");
    store = new SqliteJobStore(file);
  });

  afterEach(async function () {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("replays the stored batches to the same state root after a restart", async function () {
    const { batches, states } = scenario(genesis, 3);
    const ledger = await Ledger.open(store, genesis);
    const jobs = [];
    for (const b of batches) jobs.push((await ledger.append(b)).job);
    expect(jobs.map((j) => j.batchNumber)).to.deep.equal([1, 2, 3]);
    expect(jobs[2].newStateRoot).to.equal(states[3].stateRoot().toString());
    expect(jobs[1].oldStateRoot).to.equal(jobs[0].newStateRoot);
    expect(jobs[0].batchData).to.match(/^0x[0-9a-f]+$/);
    await store.close();

    store = new SqliteJobStore(file);
    const reopened = await Ledger.open(store, genesis);
    expect(reopened.height).to.equal(3);
    expect(reopened.stateRoot()).to.equal(states[3].stateRoot());
    expect(reopened.account(1)).to.deep.equal(states[3].account(1));
    // the traces of unproven batches are there again for the witness builder
    expect((await reopened.trace(2)).newStateRoot).to.equal(states[2].stateRoot());
  });

  it("stores nothing when the rules refuse a batch", async function () {
    const ledger = await Ledger.open(store, genesis);
    await ledger.append(scenarioBatch(genesis, 1));
    const s = ledger.pendingState();
    // account 1 sells 5,000 lots to 2: far beyond their margin
    const maker = devOrder(s, { accountIndex: 1, marketId: 1, isBuy: false, size: 5_000n, limitPrice: 60_000_000n });
    const taker = devOrder(s, { accountIndex: 2, marketId: 1, isBuy: true, size: 5_000n, limitPrice: 60_000_000n });
    const refused = { header: signedHeader(s, s.global.oracleTimestamp + 1n), ops: [trade(maker, taker, 5_000n)], deposits: [] };
    expect(await ledger.append(refused).catch((e: unknown) => e)).to.be.instanceOf(RuleError).with.property("message").that.matches(/INSUFFICIENT_MARGIN/);
    expect(ledger.height).to.equal(1);
    expect(await store.ledger()).to.have.length(1);
    expect(await store.list()).to.have.length(1);
  });

  it("returns the first job for a repeated idempotency key and refuses the key for another batch", async function () {
    const { batches } = scenario(genesis, 2);
    const ledger = await Ledger.open(store, genesis);
    const first = await ledger.append(batches[0], { idempotencyKey: "cut-1" });
    const again = await ledger.append(batches[0], { idempotencyKey: "cut-1" });
    expect(again.created).to.equal(false);
    expect(again.job.id).to.equal(first.job.id);
    expect(ledger.height).to.equal(1);
    expect(await ledger.append(batches[1], { idempotencyKey: "cut-1" }).catch((e: unknown) => e)).to.be.instanceOf(JobConflictError).with.property("code", "PRV_ERR_IDEMPOTENCY_KEY_REUSED");
  });

  it("drops the newest batch on cancel and rebuilds the state without it", async function () {
    const { batches, states } = scenario(genesis, 2);
    const ledger = await Ledger.open(store, genesis);
    const a = (await ledger.append(batches[0])).job;
    const b = (await ledger.append(batches[1])).job;
    expect(await ledger.dropNewest(a.id, ["queued"]).catch((e: unknown) => e)).to.be.instanceOf(JobConflictError).with.property("code", "PRV_ERR_NOT_NEWEST_BATCH");
    await ledger.dropNewest(b.id, ["queued"]);
    expect(ledger.height).to.equal(1);
    expect(ledger.stateRoot()).to.equal(states[1].stateRoot());
    // the same batch can be cut again as batch 2
    expect((await ledger.append(batches[1])).job.batchNumber).to.equal(2);
  });

  it("numbers batches posted at once one after the other, each on the state before it", async function () {
    const { batches, states } = scenario(genesis, 3);
    const ledger = await Ledger.open(store, genesis);
    // the store is asynchronous: without the ledger's one-at-a-time chain both would be batch 1
    const results = await Promise.all(batches.map((b) => ledger.append(b)));
    expect(results.map((r) => r.job.batchNumber)).to.deep.equal([1, 2, 3]);
    expect(ledger.stateRoot()).to.equal(states[3].stateRoot());
  });

  it("reload() and sync() catch up with batches another process appended to the same store", async function () {
    const { batches, states } = scenario(genesis, 2);
    const writer = await Ledger.open(store, genesis);
    const readerStore = new SqliteJobStore(file);
    try {
      const reader = await Ledger.open(readerStore, genesis);
      for (const b of batches) await writer.append(b);
      expect(reader.height).to.equal(0);
      await reader.reload();
      expect(reader.height).to.equal(2);
      expect(reader.stateRoot()).to.equal(states[2].stateRoot());
      // sync() applies only what is new, and rebuilds when the writer took a batch back
      const { batches: more, states: after } = scenario(genesis, 3);
      await writer.append(more[2]);
      expect(await reader.sync()).to.equal(true);
      expect(reader.stateRoot()).to.equal(after[3].stateRoot());
      expect(await reader.sync()).to.equal(false);
      const newest = (await readerStore.getByBatchNumber(3))!;
      await writer.dropNewest(newest.id, ["queued"]);
      expect(await reader.sync()).to.equal(true);
      expect([reader.height, reader.stateRoot()]).to.deep.equal([2, states[2].stateRoot()]);
    } finally {
      await readerStore.close();
    }
  });

  it("lets timers and I/O run between the batches of a replay (a leader's lease renews while it rebuilds)", async function () {
    const { batches } = scenario(genesis, 3);
    const writer = await Ledger.open(store, genesis);
    for (const b of batches) await writer.append(b);
    const reader = await Ledger.open(store, genesis);
    // The SQLite store answers at once: a replay that never yields finishes before any
    // callback queued behind it, so the counts below stay 0.
    expect(await callbacksDuring(() => reader.reload()), "callbacks that ran while reload() replayed 3 batches").to.be.at.least(3);
    const { batches: more } = scenario(genesis, 5);
    for (const b of more.slice(3)) await writer.append(b);
    const ranDuringSync = await callbacksDuring(() => reader.sync());
    expect(ranDuringSync, "callbacks that ran while sync() applied 2 batches").to.be.at.least(2);
  });

  it("refuses to open a ledger whose recorded root the replay does not reach", async function () {
    const ledger = await Ledger.open(store, genesis);
    const { job } = await ledger.append(scenarioBatch(genesis, 1));
    await store.close();
    const db = new Database(file);
    db.prepare("UPDATE ledger SET new_state_root = '1' WHERE job_id = ?").run(job.id);
    db.close();
    store = new SqliteJobStore(file);
    expect(await Ledger.open(store, genesis).catch((e: unknown) => e)).to.be.instanceOf(LedgerReplayError).with.property("message").that.matches(/batch 1: replays to root/);
  });
});
