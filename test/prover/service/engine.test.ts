/**
 * The job engine, with the jobs in SQLite and in Redis: order of submission, crash
 * recovery, cancel, failures, close and standing down. The first test proves two
 * batches with the real pool; the others answer with those recorded proofs (still
 * verified with the real key) and a fake submitter.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { Engine, type EngineOptions } from "../../../prover/service/engine";
import { BatchRefusedError, CancelRefusedError, QueueFullError } from "../../../prover/service/engine-errors";
import { Ledger } from "../../../prover/service/ledger";
import { ProverPool } from "../../../prover/pool/prover-pool";
import { WorkerCrashedError } from "../../../prover/pool/errors";
import type { Batch } from "../../../prover/state/batch";
import type { State } from "../../../prover/state/state";
import type { Job, JobState, JobStore } from "../../../prover/store/job-store";
import { RedisJobStore } from "../../../prover/store/redis-store";
import { SqliteJobStore } from "../../../prover/store/sqlite-store";
import { buildBatchInput } from "../../../prover/circuit-input/batch-input";
import { loadCircuit, terminateCurves, type VerificationKey } from "../../../prover/zk/prover";
import { CI_CIRCUIT_DIR, CI_PARAMS, ciGenesis, scenario, tempDir } from "./fixtures";
import { ensureRedis } from "../../helpers/redis-server";
import { closeRealPool, FakeSubmitter, realProof, record, ReplayPool } from "./engine-fakes";

/** Resolves when `pred` holds for the store (checked now and after every job event). */
function until(engine: Engine, pred: () => Promise<boolean>, what: string, ms = 300_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => (engine.off("job", check), reject(new Error(`timed out waiting for ${what}`))), ms);
    // listening before the first look: an event during that (asynchronous) look is not missed
    function check(): void {
      void pred().then((ok) => {
        if (!ok || done) return;
        done = true;
        clearTimeout(timer);
        engine.off("job", check);
        resolve();
      }, reject);
    }
    engine.on("job", check);
    check();
  });
}

/** The error `p` rejects with. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

type StoreKind = "sqlite" | "redis";

/** Where a test's jobs live, and how a restarted process opens them again. */
interface Storage {
  open(): JobStore;
  destroy(): Promise<void>;
}

async function storage(kind: StoreKind): Promise<Storage> {
  if (kind === "sqlite") {
    const dir = tempDir();
    return { open: () => new SqliteJobStore(path.join(dir, "jobs.sqlite")), destroy: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const url = await ensureRedis();
  const prefix = `zksettle-test:${randomUUID()}`;
  return {
    open: () => new RedisJobStore({ url, prefix }),
    async destroy() {
      const s = new RedisJobStore({ url, prefix });
      await s.destroy();
      await s.close();
    },
  };
}

// The same specification on both stores: the engine's guarantees must not depend on
// where the jobs are kept.
for (const kind of ["sqlite", "redis"] as const) describeEngine(kind);

function describeEngine(kind: StoreKind): void {
  describe(`prover/service: Engine (jobs in ${kind})`, function () {
    let genesis: State;
    let batches: Batch[];
    let vkey: VerificationKey;
    let where: Storage;
    let store: JobStore;
    let ledger: Ledger;
    let engine: Engine | undefined;

    before(async function () {
      genesis = await ciGenesis();
      batches = scenario(genesis, 2).batches;
      vkey = (await loadCircuit(CI_CIRCUIT_DIR)).vkey;
    });

    beforeEach(async function () {
      where = await storage(kind);
      store = where.open();
      ledger = await Ledger.open(store, genesis);
    });

    afterEach(async function () {
      await engine?.close();
      engine = undefined;
      await store.close();
      await where.destroy();
    });

    after(async function () {
      await closeRealPool();
      await terminateCurves();
    });

    function makeEngine(pool: EngineOptions["pool"], submitter: FakeSubmitter, extra: Partial<EngineOptions> = {}): Engine {
      engine = new Engine({ store, ledger, pool, submitter, circuitDir: CI_CIRCUIT_DIR, vkey, params: CI_PARAMS, ...extra });
      return engine;
    }

    const state = async (id: string): Promise<JobState | undefined> => (await store.get(id))?.state;
    const all = async (jobs: readonly Job[], s: JobState): Promise<boolean> => (await Promise.all(jobs.map((j) => state(j.id)))).every((x) => x === s);
    const submitAll = async (e: Engine, bs: readonly Batch[]): Promise<Job[]> => {
      const jobs: Job[] = [];
      for (const b of bs) jobs.push(await e.submitBatch(b));
      return jobs;
    };

    // real proofs once (the other tests, and the Redis run, replay what it recorded)
    if (kind === "sqlite") it("proves two batches with the real pool and confirms them in batch order, through every stage", async function () {
      const pool = new ProverPool({ maxThreads: 1 });
      const submitter = new FakeSubmitter();
      const e = makeEngine(pool, submitter);
      const seen = new Map<string, JobState[]>();
      e.on("job", (j) => seen.set(j.id, [...(seen.get(j.id) ?? []), j.state]));
      try {
        await e.resume();
        const jobs = await submitAll(e, batches);
        await until(e, () => all(jobs, "confirmed"), "both jobs confirmed");
        expect(submitter.submitted).to.deep.equal([1, 2]);
        for (const j of jobs) {
          const done = (await store.get(j.id)) as Job;
          expect(seen.get(j.id)).to.deep.equal(["queued", "witness", "proving", "verifying", "submitting", "confirmed"]);
          expect(done.progress).to.equal(1);
          expect(done.attempts).to.equal(1);
          expect(done.publicSignals).to.deep.equal([done.inputHash]);
          expect(done.txHash).to.match(/^0x0+[12]$/);
          expect(done.gasUsed).to.equal("250000");
          expect(done.stageMs).to.have.all.keys("queued", "witness", "proving", "verifying", "submitting");
          // keep the real proofs for the other tests' fake pool
          record(buildBatchInput(CI_PARAMS, await ledger.trace(done.batchNumber)), { proof: done.proof!, publicSignals: done.publicSignals!, witnessMs: 0, proveMs: 0 });
        }
        console.log(`      measured: batch 1 stages ${JSON.stringify((await store.get(jobs[0].id))?.stageMs)}`);
      } finally {
        await e.close();
        await pool.close();
      }
    });

    it("submits batch 2 only after batch 1 is confirmed, even when batch 2 is proven first; a submission that fails for a reason that may pass is retried by itself", async function () {
      const pool = new ReplayPool(2);
      const submitter = new FakeSubmitter();
      const e = makeEngine(pool, submitter, { retryDelays: { first: 300, max: 1000 } });
      await e.resume();
      // batch 1's submission fails twice: batch 2, proven meanwhile, must wait for it
      const transient = () => Object.assign(new Error("nonce too low"), { code: "PRV_ERR_SUBMIT_NONCE" });
      submitter.failures.push(transient(), transient());
      const errors: string[] = [];
      e.on("job", (j) => j.batchNumber === 1 && j.state === "submitting" && j.error && errors.push(j.error.code));
      const [a, b] = await submitAll(e, batches);
      await until(e, async () => errors.length === 1, "batch 1's first submission failed");
      const held = (await store.get(a.id))!;
      expect(held.state, "it stays submitting, with the error, until its next attempt").to.equal("submitting");
      expect(held.error).to.deep.equal({ code: "PRV_ERR_SUBMIT_NONCE", message: "nonce too low" });
      expect(e.stalled()).to.match(/batch 1 .* failed to submit 1 time\(s\) in a row .* retried automatically: PRV_ERR_SUBMIT_NONCE: nonce too low/);
      expect(submitter.submitted).to.deep.equal([]);
      await until(e, async () => (await state(b.id)) === "confirmed", "batch 2 confirmed");
      expect(errors).to.deep.equal(["PRV_ERR_SUBMIT_NONCE", "PRV_ERR_SUBMIT_NONCE"]);
      expect(submitter.submitted).to.deep.equal([1, 2]);
      expect((await store.get(a.id))?.error, "the confirmed job no longer carries the error").to.equal(undefined);
      expect(e.stalled()).to.equal(undefined);
    });

    it("takes a batch the chain refuses for good, and the proven batch after it, out of the ledger at once, and reports both in one rewind", async function () {
      const pool = new ReplayPool(2);
      const submitter = new FakeSubmitter();
      const e = makeEngine(pool, submitter);
      const rewinds: [number, number[]][] = [];
      e.on("rewound", (h, dropped) => rewinds.push([h, dropped.map((j) => j.batchNumber)]));
      await e.resume();
      pool.hold();
      const [a, b] = await submitAll(e, batches);
      submitter.failures.push(new BatchRefusedError("the contract refuses batch 1 for good: DepositsOutOfRange(3, 2, 2)"));
      pool.release(true);
      await until(e, async () => (await state(a.id)) === "cancelled" && (await state(b.id)) === "cancelled", "both cancelled");
      expect((await store.get(a.id))?.error).to.deep.equal({ code: "PRV_ERR_BATCH_REFUSED", message: "the contract refuses batch 1 for good: DepositsOutOfRange(3, 2, 2)" });
      expect((await store.get(b.id))?.error).to.deep.equal({ code: "PRV_ERR_BATCH_REFUSED", message: "built on batch 1, which the chain refuses for good" });
      expect(rewinds).to.deep.equal([[0, [1, 2]]]);
      expect(ledger.height).to.equal(0);
      expect(await store.ledger()).to.deep.equal([]);
      expect(submitter.submitted).to.deep.equal([]);
      expect(e.stalled()).to.equal(undefined);
      expect((await e.counts()).failed, "nothing is left failed: the pipeline is not stalled").to.equal(0);
      // the venue goes on: the same first batch is cut again as batch 1
      const again = await e.submitBatch(batches[0]);
      expect(again.batchNumber).to.equal(1);
      await until(e, async () => (await state(again.id)) === "confirmed", "the new batch 1 confirmed");
    });

    it("finishes at start a rewind that a stop cut short: a job failed as refused for good goes, with the batches after it", async function () {
      const a = (await ledger.append(batches[0])).job;
      const b = (await ledger.append(batches[1])).job;
      await store.transition(a.id, ["queued"], "failed", { error: { code: "PRV_ERR_BATCH_REFUSED", message: "the contract refuses batch 1 for good: InvalidProof()" } });
      const e = makeEngine(new ReplayPool(), new FakeSubmitter());
      const rewinds: [number, number[]][] = [];
      e.on("rewound", (h, dropped) => rewinds.push([h, dropped.map((j) => j.batchNumber)]));
      await e.resume();
      expect(rewinds).to.deep.equal([[0, [1, 2]]]);
      expect([await state(a.id), await state(b.id)]).to.deep.equal(["cancelled", "cancelled"]);
      expect(ledger.height).to.equal(0);
    });

    it("resumes after a crash: re-proves a job caught proving, and confirms a submitted batch without sending it again", async function () {
      const a = (await ledger.append(batches[0])).job;
      const b = (await ledger.append(batches[1])).job;
      const proofA = await realProof(CI_CIRCUIT_DIR, buildBatchInput(CI_PARAMS, await ledger.trace(1)));
      await store.transition(a.id, ["queued"], "submitting", { proof: proofA.proof, publicSignals: proofA.publicSignals, attempts: 1 });
      await store.transition(b.id, ["queued"], "proving", { attempts: 1 });
      // the process dies here; a new one opens the same file
      await store.close();
      store = where.open();
      ledger = await Ledger.open(store, genesis);
      const submitter = new FakeSubmitter();
      submitter.onChain.add(1); // batch 1's transaction was mined before the crash
      const e = makeEngine(new ReplayPool(), submitter);
      await e.resume();
      await until(e, async () => (await state(b.id)) === "confirmed", "batch 2 confirmed");
      expect(await state(a.id)).to.equal("confirmed");
      expect(submitter.submitted).to.deep.equal([2]);
      expect(submitter.asked).to.deep.equal([1, 2]);
      expect((await store.get(b.id))?.attempts).to.equal(2);
    });

    it("cancels the newest batch's running proof, rewinds the ledger, and refuses to cancel an older batch", async function () {
      const pool = new ReplayPool(2);
      pool.hold();
      const e = makeEngine(pool, new FakeSubmitter());
      const rewound: number[] = [];
      e.on("rewound", (h, dropped) => rewound.push(h, ...dropped.map((j) => j.batchNumber)));
      await e.resume();
      const [a, b] = await submitAll(e, batches);
      await until(e, () => all([a, b], "proving"), "both proving");
      expect(await rejection(e.cancel(a.id))).to.be.instanceOf(CancelRefusedError).with.property("code", "PRV_ERR_CANCEL_REFUSED");
      const cancelled = await e.cancel(b.id);
      expect(cancelled?.state).to.equal("cancelled");
      expect(pool.aborted).to.deep.equal([`job ${b.id} cancelled`]);
      expect(ledger.height).to.equal(1);
      expect(rewound, "height 1 now, batch 2 dropped").to.deep.equal([1, 2]);
      expect((await store.ledger()).map((x) => x.jobId)).to.deep.equal([a.id]);
      pool.release(true);
      await until(e, async () => (await state(a.id)) === "confirmed", "batch 1 confirmed");
      expect(await state(b.id)).to.equal("cancelled");
      expect(await rejection(e.cancel(a.id))).to.be.instanceOf(CancelRefusedError).with.property("code", "PRV_ERR_JOB_FINAL");
    });

    it("fails a job whose worker crashed with the reason, proves the next one, and submits both after a retry", async function () {
      const pool = new ReplayPool();
      pool.failures.push(new WorkerCrashedError("worker exited with code: 3"));
      const submitter = new FakeSubmitter();
      const e = makeEngine(pool, submitter);
      await e.resume();
      const [a, b] = await submitAll(e, batches);
      await until(e, async () => (await state(a.id)) === "failed" && (await state(b.id)) === "submitting", "batch 1 failed, batch 2 proven");
      expect((await store.get(a.id))?.error).to.deep.equal({ code: "PRV_ERR_WORKER_CRASHED", message: "prover worker crashed: worker exited with code: 3" });
      expect(submitter.submitted).to.deep.equal([]);
      expect((await e.retry(a.id)).state).to.equal("queued");
      await until(e, async () => (await state(b.id)) === "confirmed", "batch 2 confirmed");
      expect(submitter.submitted).to.deep.equal([1, 2]);
    });

    it("puts a running proof back in the queue on close, and takes no new batch", async function () {
      const pool = new ReplayPool();
      pool.hold();
      const e = makeEngine(pool, new FakeSubmitter());
      await e.resume();
      const a = await e.submitBatch(batches[0]);
      await until(e, async () => (await state(a.id)) === "proving", "proving");
      await e.close();
      expect(await state(a.id)).to.equal("queued");
      expect(pool.aborted).to.deep.equal(["engine closing"]);
      expect(await rejection(e.submitBatch(batches[1]))).to.have.property("message").that.matches(/not taking work/);
    });

    it("answers 'queue full' beyond maxQueued, but still returns the job of a repeated idempotency key", async function () {
      const pool = new ReplayPool();
      pool.hold();
      const e = makeEngine(pool, new FakeSubmitter(), { maxQueued: 1 });
      await e.resume();
      const a = await e.submitBatch(batches[0], "key-1");
      expect(await rejection(e.submitBatch(batches[1]))).to.be.instanceOf(QueueFullError).with.property("code", "PRV_ERR_QUEUE_FULL");
      expect((await e.submitBatch(batches[0], "key-1")).id).to.equal(a.id);
      await until(e, async () => pool.busy === 1, "proving");
      expect(await e.capacity()).to.deep.equal({ queued: 1, maxQueued: 1, workers: 1, busy: 1 });
      expect((await e.listJobs(10)).map((j) => j.id)).to.deep.equal([a.id]);
    });

    it("starts each queued job once, however many passes look at the queue at the same time", async function () {
      const pool = new ReplayPool(2);
      pool.hold();
      const e = makeEngine(pool, new FakeSubmitter());
      await e.resume();
      // two batches posted at once: each wakes the pump while the other's pass reads the store
      const [a, b] = await Promise.all(batches.map((x) => e.submitBatch(x)));
      await until(e, () => all([a, b], "proving"), "both proving");
      expect(pool.started).to.have.length(2);
      expect((await store.get(a.id))?.attempts).to.equal(1);
      pool.release(true);
      await until(e, () => all([a, b], "confirmed"), "both confirmed");
      expect(pool.started).to.have.length(2);
    });

    it("stops proving and submitting when it stands down, writes nothing more, and a new term picks the jobs up", async function () {
      const pool = new ReplayPool(2);
      pool.hold();
      const submitter = new FakeSubmitter();
      const e = makeEngine(pool, submitter);
      await e.resume();
      const [a, b] = await submitAll(e, batches);
      await until(e, () => all([a, b], "proving"), "both proving");
      e.standDown();
      expect(e.ready()).to.equal(false);
      pool.release(true);
      await new Promise((r) => setTimeout(r, 200));
      // the deposed engine left the jobs where they were: the next leader owns them
      expect(await state(a.id)).to.equal("proving");
      expect(submitter.submitted).to.deep.equal([]);
      expect(await rejection(e.submitBatch(batches[0]))).to.have.property("message").that.matches(/not the leader/);
      // elected again: resume() re-queues the proofs and finishes them in order
      await e.resume();
      await until(e, () => all([a, b], "confirmed"), "both confirmed");
      expect(submitter.submitted).to.deep.equal([1, 2]);
    });
  });
}
