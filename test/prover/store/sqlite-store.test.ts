/** SqliteJobStore: compare-and-set transitions, idempotency keys, the ledger, crash safety. */
import fs from "node:fs";
import path from "node:path";
import { fork } from "node:child_process";
import { expect } from "chai";
import Database from "better-sqlite3";
import { JobConflictError, JobNotFoundError, type JobStore, type NewJob } from "../../../prover/store/job-store";
import { SqliteJobStore } from "../../../prover/store/sqlite-store";
import { ciGenesis, scenario, tempDir } from "../service/fixtures";
import { serializeBatch, type SerializedBatch } from "../../../prover/service/serialize";

let batches: SerializedBatch[] = [];

function newJob(n: number, extra: Partial<NewJob> = {}): NewJob {
  return { batchNumber: n, batch: batches[(n - 1) % batches.length], batchData: "0x00", oldStateRoot: `${n - 1}`, newStateRoot: `${n}`, inputHash: `${1000 + n}`, ...extra };
}

function expectConflict(f: () => unknown, code: string): JobConflictError {
  try {
    f();
  } catch (err) {
    expect(err).to.be.instanceOf(JobConflictError);
    expect((err as JobConflictError).code).to.equal(code);
    return err as JobConflictError;
  }
  throw new Error(`expected JobConflictError ${code}`);
}

describe("prover/store: SqliteJobStore", function () {
  let dir: string;
  let file: string;
  let store: JobStore;

  before(async function () {
    batches = scenario(await ciGenesis(), 2).batches.map(serializeBatch);
  });

  beforeEach(function () {
    dir = tempDir();
    file = path.join(dir, "jobs.sqlite");
    store = new SqliteJobStore(file);
  });

  afterEach(function () {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("creates a job queued, with its batch in the ledger", function () {
    const job = store.create(newJob(1, { idempotencyKey: "k1" }));
    expect(job.state).to.equal("queued");
    expect(job.progress).to.equal(0);
    expect(job.attempts).to.equal(0);
    expect(job.batch).to.deep.equal(batches[0]);
    expect(store.get(job.id)).to.deep.equal(job);
    expect(store.ledger()).to.deep.equal([{ batchNumber: 1, jobId: job.id, batch: batches[0], newStateRoot: "1" }]);
  });

  it("moves a job only from the states it is asked to move from (compare-and-set)", function () {
    const job = store.create(newJob(1));
    const w = store.transition(job.id, ["queued"], "witness", { attempts: 1, progress: 0.05, stageMs: { queued: 3 } });
    expect(w.state).to.equal("witness");
    expect(w.attempts).to.equal(1);
    const err = expectConflict(() => store.transition(job.id, ["queued"], "witness"), "PRV_ERR_JOB_STATE_CONFLICT");
    expect(err.current?.state).to.equal("witness");
    expect(store.get(job.id)?.state).to.equal("witness");
  });

  it("merges stageMs and clears a field set to null", function () {
    const job = store.create(newJob(1));
    store.transition(job.id, ["queued"], "witness", { stageMs: { queued: 5 } });
    store.transition(job.id, ["witness"], "failed", { stageMs: { witness: 7 }, error: { code: "PRV_ERR_WITNESS", message: "no witness" } });
    const failed = store.get(job.id);
    expect(failed?.stageMs).to.deep.equal({ queued: 5, witness: 7 });
    expect(failed?.error?.code).to.equal("PRV_ERR_WITNESS");
    const retried = store.transition(job.id, ["failed"], "queued", { error: null });
    expect(retried.error).to.equal(undefined);
    expect(retried.stageMs).to.deep.equal({ queued: 5, witness: 7 });
  });

  it("refuses a transition of an unknown job with JobNotFoundError", function () {
    expect(() => store.transition("nope", ["queued"], "witness")).to.throw(JobNotFoundError).with.property("code", "PRV_ERR_JOB_NOT_FOUND");
  });

  it("keeps idempotency keys unique and finds the job that holds one", function () {
    const first = store.create(newJob(1, { idempotencyKey: "same" }));
    const err = expectConflict(() => store.create(newJob(2, { idempotencyKey: "same" })), "PRV_ERR_IDEMPOTENCY_KEY_REUSED");
    expect(err.current?.id).to.equal(first.id);
    expect(store.findByIdempotencyKey("same")?.id).to.equal(first.id);
    // the refused create left nothing behind, not even a ledger row
    expect(store.ledger().map((e) => e.batchNumber)).to.deep.equal([1]);
    expect(store.list()).to.have.length(1);
  });

  it("refuses a second live job for the same batch number", function () {
    store.create(newJob(1));
    expectConflict(() => store.create(newJob(1)), "PRV_ERR_BATCH_NUMBER_TAKEN");
  });

  it("cancels only the newest batch, and frees its number for the next cut", function () {
    const a = store.create(newJob(1));
    const b = store.create(newJob(2));
    expectConflict(() => store.cancelNewest(a.id, ["queued"]), "PRV_ERR_NOT_NEWEST_BATCH");
    const cancelled = store.cancelNewest(b.id, ["queued"]);
    expect(cancelled.state).to.equal("cancelled");
    expect(store.ledger().map((e) => e.jobId)).to.deep.equal([a.id]);
    const again = store.create(newJob(2));
    expect(store.getByBatchNumber(2)?.id).to.equal(again.id);
    expect(store.get(b.id)?.state).to.equal("cancelled");
  });

  it("lists unfinished jobs by batch number and counts every state", function () {
    const jobs = [1, 2, 3].map((n) => store.create(newJob(n)));
    store.transition(jobs[0].id, ["queued"], "confirmed");
    store.transition(jobs[2].id, ["queued"], "proving");
    expect(store.unfinished().map((j) => j.batchNumber)).to.deep.equal([2, 3]);
    const counts = store.counts();
    expect(counts).to.include({ queued: 1, proving: 1, confirmed: 1, failed: 0, cancelled: 0 });
    expect(Object.keys(counts)).to.have.length(8);
    expect(store.list({ states: ["proving"] }).map((j) => j.id)).to.deep.equal([jobs[2].id]);
  });

  it("opens in WAL mode with synchronous = FULL and records its schema version", function () {
    const s = store as SqliteJobStore;
    expect(s.schemaVersion()).to.equal(1);
    store.close();
    // reopening applies no migration twice
    store = new SqliteJobStore(file);
    expect((store as SqliteJobStore).schemaVersion()).to.equal(1);
    // journal_mode is a property of the file: any other connection sees it
    const other = new Database(file, { readonly: true });
    try {
      expect(other.pragma("journal_mode", { simple: true })).to.equal("wal");
    } finally {
      other.close();
    }
  });

  it("keeps every job and state after the writing process is killed (kill -9)", async function () {
    store.close();
    // A child process writes jobs and transitions, then dies without closing the database.
    const child = fork(path.join(__dirname, "crash-writer.ts"), [file], { execArgv: ["-r", "ts-node/register/transpile-only"], stdio: "pipe" });
    const written = await new Promise<string>((resolve, reject) => {
      child.on("message", (m) => resolve(String(m)));
      child.on("error", reject);
      child.on("exit", (code) => reject(new Error(`writer exited with ${code} before reporting`)));
    });
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const ids = JSON.parse(written) as string[];
    store = new SqliteJobStore(file);
    expect(store.list().map((j) => j.id).sort()).to.deep.equal([...ids].sort());
    expect(store.unfinished().map((j) => j.state)).to.deep.equal(["proving", "submitting"]);
    expect(store.ledger()).to.have.length(3);
  });
});
