/**
 * The job store's specification, run against every implementation (sqlite-store.test.ts,
 * redis-store.test.ts): compare-and-set transitions, idempotency keys, batch numbers,
 * the ledger, the newest-batch cancel, listings and counts, two handles on one store
 * racing, and what a reopened store still holds.
 */
import { journalOf } from "../../../prover/store/journal";
import { expect } from "chai";
import { JobConflictError, JobNotFoundError, type JobStore, type NewJob } from "../../../prover/store/job-store";
import { serializeBatch, type SerializedBatch } from "../../../prover/codec/batch-codec";
import { ciGenesis, scenario } from "../service/fixtures";

/** One store under test: a fresh, empty storage per test. */
export interface StoreUnderTest {
  readonly store: JobStore;
  /** Another handle on the same storage (another process would open this). */
  open(): Promise<JobStore>;
  /** Closes every handle and removes the storage. */
  destroy(): Promise<void>;
}

let batches: SerializedBatch[] = [];

/** A new job for batch `n` (the scenario's batches, so the JSON is realistic). */
export function newJob(n: number, extra: Partial<NewJob> = {}): NewJob {
  return { batchNumber: n, batch: batches[(n - 1) % batches.length], batchData: "0x00", oldStateRoot: `${n - 1}`, newStateRoot: `${n}`, inputHash: `${1000 + n}`, ...extra };
}

/** The JobConflictError with `code` that `p` rejects with. */
export async function expectConflict(p: Promise<unknown>, code: string): Promise<JobConflictError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(JobConflictError);
    expect((err as JobConflictError).code).to.equal(code);
    return err as JobConflictError;
  }
  throw new Error(`expected JobConflictError ${code}`);
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

/**
 * Declares the shared specification for one implementation.
 * @param make - a fresh store per test
 */
export function describeJobStore(name: string, make: () => Promise<StoreUnderTest>): void {
  describe(`${name}: the JobStore specification`, function () {
    let sut: StoreUnderTest;
    let store: JobStore;

    before(async function () {
      if (batches.length === 0) batches = scenario(await ciGenesis(), 2).batches.map(serializeBatch);
    });

    beforeEach(async function () {
      sut = await make();
      store = sut.store;
    });

    afterEach(async function () {
      await sut.destroy();
    });

    it("creates a job queued, with its batch in the ledger", async function () {
      const job = await store.create(newJob(1, { idempotencyKey: "k1" }));
      expect(job.state).to.equal("queued");
      expect(job.progress).to.equal(0);
      expect(job.attempts).to.equal(0);
      expect(job.batch).to.deep.equal(batches[0]);
      expect(job.stageMs).to.deep.equal({});
      expect(await store.get(job.id)).to.deep.equal(job);
      expect(await store.ledger()).to.deep.equal([{ batchNumber: 1, jobId: job.id, batch: batches[0], newStateRoot: "1" }]);
    });

    it("keeps the id it is given", async function () {
      const job = await store.create(newJob(1, { id: "00000000-0000-4000-8000-000000000001" }));
      expect(job.id).to.equal("00000000-0000-4000-8000-000000000001");
    });

    it("moves a job only from the states it is asked to move from (compare-and-set)", async function () {
      const job = await store.create(newJob(1));
      const w = await store.transition(job.id, ["queued"], "witness", { attempts: 1, progress: 0.05, stageMs: { queued: 3 } });
      expect(w.state).to.equal("witness");
      expect(w.attempts).to.equal(1);
      expect(w.progress).to.equal(0.05);
      const err = await expectConflict(store.transition(job.id, ["queued"], "witness"), "PRV_ERR_JOB_STATE_CONFLICT");
      expect(err.current?.state).to.equal("witness");
      expect((await store.get(job.id))?.state).to.equal("witness");
    });

    it("merges stageMs, stores structured fields as given, and clears a field set to null", async function () {
      const job = await store.create(newJob(1));
      await store.transition(job.id, ["queued"], "witness", { stageMs: { queued: 5 } });
      await store.transition(job.id, ["witness"], "failed", { stageMs: { witness: 7 }, error: { code: "PRV_ERR_WITNESS", message: "no witness" } });
      const failed = await store.get(job.id);
      expect(failed?.stageMs).to.deep.equal({ queued: 5, witness: 7 });
      expect(failed?.error).to.deep.equal({ code: "PRV_ERR_WITNESS", message: "no witness" });
      const retried = await store.transition(job.id, ["failed"], "queued", { error: null });
      expect(retried.error).to.equal(undefined);
      expect(retried.stageMs).to.deep.equal({ queued: 5, witness: 7 });
      const proof = { pi_a: ["1", "2", "1"], pi_b: [["3", "4"], ["5", "6"], ["1", "0"]], pi_c: ["7", "8", "1"], protocol: "groth16", curve: "bn128" };
      const proven = await store.transition(job.id, ["queued"], "submitting", { proof, publicSignals: ["1001"], txHash: "0xab", blockNumber: 12, gasUsed: "250000" });
      expect(proven).to.include({ txHash: "0xab", blockNumber: 12, gasUsed: "250000" });
      expect(proven.proof).to.deep.equal(proof);
      expect(proven.publicSignals).to.deep.equal(["1001"]);
      expect(await store.get(job.id)).to.deep.equal(proven);
    });

    it("refuses a transition or cancel of an unknown job with JobNotFoundError", async function () {
      const err = await rejection(store.transition("nope", ["queued"], "witness"));
      expect(err).to.be.instanceOf(JobNotFoundError).with.property("code", "PRV_ERR_JOB_NOT_FOUND");
      expect(await rejection(store.cancelNewest("nope", ["queued"]))).to.be.instanceOf(JobNotFoundError);
      expect(await store.get("nope")).to.equal(undefined);
    });

    it("refuses a transition with no `from` state", async function () {
      const job = await store.create(newJob(1));
      expect(await rejection(store.transition(job.id, [], "witness"))).to.be.instanceOf(RangeError);
    });

    it("keeps idempotency keys unique and finds the job that holds one", async function () {
      const first = await store.create(newJob(1, { idempotencyKey: "same" }));
      const err = await expectConflict(store.create(newJob(2, { idempotencyKey: "same" })), "PRV_ERR_IDEMPOTENCY_KEY_REUSED");
      expect(err.current?.id).to.equal(first.id);
      expect((await store.findByIdempotencyKey("same"))?.id).to.equal(first.id);
      expect(await store.findByIdempotencyKey("other")).to.equal(undefined);
      // the refused create left nothing behind, not even a ledger row
      expect((await store.ledger()).map((e) => e.batchNumber)).to.deep.equal([1]);
      expect(await store.list()).to.have.length(1);
    });

    it("refuses a second live job for the same batch number", async function () {
      const first = await store.create(newJob(1));
      const err = await expectConflict(store.create(newJob(1)), "PRV_ERR_BATCH_NUMBER_TAKEN");
      expect(err.current?.id).to.equal(first.id);
      expect(await store.list()).to.have.length(1);
    });

    it("cancels only the newest batch, and frees its number for the next cut", async function () {
      const a = await store.create(newJob(1));
      const b = await store.create(newJob(2));
      await expectConflict(store.cancelNewest(a.id, ["queued"]), "PRV_ERR_NOT_NEWEST_BATCH");
      const cancelled = await store.cancelNewest(b.id, ["queued"], { error: { code: "PRV_ERR_CANCELLED", message: "by the operator" } });
      expect(cancelled.state).to.equal("cancelled");
      expect(cancelled.error?.code).to.equal("PRV_ERR_CANCELLED");
      expect((await store.ledger()).map((e) => e.jobId)).to.deep.equal([a.id]);
      expect(await store.getByBatchNumber(2)).to.equal(undefined);
      const again = await store.create(newJob(2));
      expect((await store.getByBatchNumber(2))?.id).to.equal(again.id);
      expect((await store.get(b.id))?.state).to.equal("cancelled");
    });

    it("leaves the ledger alone when the newest job is in a state the cancel does not allow", async function () {
      const a = await store.create(newJob(1));
      await store.transition(a.id, ["queued"], "submitting");
      await expectConflict(store.cancelNewest(a.id, ["queued", "proving"]), "PRV_ERR_JOB_STATE_CONFLICT");
      expect((await store.ledger()).map((e) => e.jobId)).to.deep.equal([a.id]);
      expect((await store.get(a.id))?.state).to.equal("submitting");
    });

    it("lists unfinished jobs by batch number and counts every state", async function () {
      const jobs = [];
      for (const n of [1, 2, 3]) jobs.push(await store.create(newJob(n)));
      await store.transition(jobs[0].id, ["queued"], "confirmed");
      await store.transition(jobs[2].id, ["queued"], "proving");
      expect((await store.unfinished()).map((j) => j.batchNumber)).to.deep.equal([2, 3]);
      expect(await store.unfinishedCount()).to.equal(2);
      const counts = await store.counts();
      expect(counts).to.deep.equal({ queued: 1, witness: 0, proving: 1, verifying: 0, submitting: 0, confirmed: 1, failed: 0, cancelled: 0 });
      expect((await store.list({ states: ["proving"] })).map((j) => j.id)).to.deep.equal([jobs[2].id]);
      expect((await store.list({ states: ["proving", "confirmed"] })).map((j) => j.batchNumber)).to.deep.equal([3, 1]);
      await store.transition(jobs[2].id, ["proving"], "failed");
      expect(await store.unfinishedCount()).to.equal(1);
    });

    it("lists the newest jobs first, at most `limit` of them", async function () {
      for (const n of [1, 2, 3, 4]) await store.create(newJob(n));
      expect((await store.list()).map((j) => j.batchNumber)).to.deep.equal([4, 3, 2, 1]);
      expect((await store.list({ limit: 2 })).map((j) => j.batchNumber)).to.deep.equal([4, 3]);
    });

    it("lets exactly one of two handles win a race for the same transition", async function () {
      const other = await sut.open();
      const job = await store.create(newJob(1));
      const results = await Promise.allSettled([
        store.transition(job.id, ["queued"], "witness", { attempts: 1 }),
        other.transition(job.id, ["queued"], "witness", { attempts: 1 }),
        store.transition(job.id, ["queued"], "witness", { attempts: 1 }),
        other.transition(job.id, ["queued"], "witness", { attempts: 1 }),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).to.have.length(1);
      for (const r of results) if (r.status === "rejected") expect(r.reason).to.be.instanceOf(JobConflictError);
      expect((await other.get(job.id))?.attempts).to.equal(1);
    });

    it("numbers each batch once when two handles create it at once", async function () {
      const other = await sut.open();
      const results = await Promise.allSettled([store.create(newJob(1)), other.create(newJob(1))]);
      expect(results.filter((r) => r.status === "fulfilled")).to.have.length(1);
      expect(await store.ledger()).to.have.length(1);
    });

    it("holds every job, state and ledger entry for a handle opened after the writer closed", async function () {
      const a = await store.create(newJob(1, { idempotencyKey: "ka" }));
      const b = await store.create(newJob(2));
      await store.transition(a.id, ["queued"], "confirmed", { txHash: "0x01" });
      await store.transition(b.id, ["queued"], "proving", { attempts: 1 });
      await store.close();
      const reopened = await sut.open();
      expect((await reopened.get(a.id))?.txHash).to.equal("0x01");
      expect((await reopened.findByIdempotencyKey("ka"))?.id).to.equal(a.id);
      expect((await reopened.unfinished()).map((j) => [j.id, j.state])).to.deep.equal([[b.id, "proving"]]);
      expect((await reopened.ledger()).map((e) => e.jobId)).to.deep.equal([a.id, b.id]);
      expect((await reopened.counts()).confirmed).to.equal(1);
    });
    it("writes the sequencer's journal in one step (sets and removals) and holds it for a handle opened later", async function () {
      const j = journalOf(store);
      await j.writeJournal({ set: new Map([["o:1", "{\"a\":1}"], ["b:1", "[]"]]) });
      await j.writeJournal({ set: new Map([["o:1", "{\"a\":2}"], ["f:9", "{}"]]), del: ["b:1", "b:404"] });
      await j.writeJournal({});
      expect([...(await j.readJournal())].sort()).to.deep.equal([["f:9", "{}"], ["o:1", '{"a":2}']]);
      await store.close();
      const reopened = journalOf(await sut.open());
      expect((await reopened.readJournal()).get("o:1")).to.equal('{"a":2}');
    });
  });
}
