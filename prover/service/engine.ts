/**
 * The job engine (docs/service.md, "Jobs"): each job goes
 * queued → witness → proving → verifying → submitting → confirmed, and every state is
 * written to the store before the engine acts on it.
 *
 * - Proving: up to `pool.threads` jobs at a time, lowest batch number first. The worker
 *   computes witness and proof in one task and says when the witness is done.
 * - Verifying: in this thread, with the verification key, and the proof's public input
 *   must be the job's inputHash.
 * - Submitting: strictly in batch order, one at a time: batch n only once batch n−1 is
 *   confirmed. `submitting` also covers "proven, waiting for its turn". A submission
 *   that fails for a reason that may pass stays `submitting` with the error and is
 *   retried after a growing delay (engine-retry.ts). A batch the chain refuses for good
 *   (BatchRefusedError) fails, and it and every later batch leave the ledger
 *   (`rewindFrom`; `rewound` event: a sequencer must rebase), also when a restart finds
 *   it failed that way. A failed proof blocks the batches after it until it is retried
 *   or, the newest, cancelled.
 * - `resume()` (at start, and again at each election): jobs left in
 *   witness/proving/verifying go back to queued and are proven again (re-proving is
 *   safe; a remote prover re-attaches to the running proof by job id); jobs in
 *   submitting ask the chain first (`isFinalized`) and are submitted only if their
 *   batch is not there.
 * - `cancel(id)`: only the newest batch's job, and not once it is submitting: later
 *   batches are built on its state, so a cancel takes the batch out of the ledger and
 *   the state goes back to the batch before (`rewound` event: a sequencer must rebase).
 * - `standDown()` (a leader that lost its lease, docs/operations.md "Many machines"):
 *   from that moment the engine writes nothing: running proofs are dropped without a
 *   state change (the new leader's `resume()` re-queues them) and no batch is submitted.
 *   A fenced store (RedisJobStore.fence) refuses such writes on its side too
 *   (StoreFencedError), which the engine treats the same way.
 *
 * The store is asynchronous, and the order guarantees above rest on two single-flight
 * loops rather than on synchronous store calls: `pump` (one pass at a time, so a job
 * is never started twice from a stale list; the queued → witness compare-and-set is
 * the second guard) and `submitInOrder` (one submission at a time, lowest batch first).
 */
import { EventEmitter } from "node:events";
import { buildBatchInput } from "../circuit-input/batch-input";
import type { Batch } from "../state/batch";
import { terminateCurves, verify } from "../zk/prover";
import { JobConflictError, PROVING_STATES, StoreFencedError, type Job, type JobPatch, type JobState } from "../store/job-store";
import { errorOf, PROGRESS, type Capacity, type EngineEvents, type EngineOptions, type Running } from "./engine-types";
import { BatchRefusedError, CancelRefusedError, EngineFencedError, EngineNotReadyError, ProofInvalidError, QueueFullError, RetryRefusedError } from "./engine-errors";
import { SubmitRetries } from "./engine-retry";
import { REFUSED, rewindFrom } from "./engine-rewind";

export type { Capacity, EngineEvents, EngineOptions } from "./engine-types";

export class Engine extends EventEmitter<EngineEvents> {
  private readonly o: EngineOptions;
  private readonly maxQueued: number;
  private readonly running = new Map<string, Running>();
  private submitLoop: Promise<void> | undefined;
  private submitAgain = false;
  private pumpLoop: Promise<void> | undefined;
  private pumpAgain = false;
  private started = false;
  private closing = false;
  /** Set by `standDown`: this process may no longer write job states. */
  private fenced = false;
  private readonly retries: SubmitRetries;

  constructor(opts: EngineOptions) {
    super();
    this.o = opts;
    this.maxQueued = opts.maxQueued ?? 1000;
    this.retries = new SubmitRetries(opts.retryDelays);
  }

  /**
   * Picks up the store's unfinished jobs (see the file comment) and starts working.
   * Again after `standDown`: a re-elected leader starts from what the store holds.
   */
  async resume(): Promise<void> {
    if (this.started || this.closing) return;
    // a previous term's proofs must be gone before this term re-queues their jobs
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    this.fenced = false;
    for (const job of await this.o.store.unfinished()) {
      if (PROVING_STATES.includes(job.state)) await this.tryMove(job.id, PROVING_STATES, "queued", { progress: 0 });
    }
    // refused for good, then the process stopped before the rewind
    const refused = (await this.o.store.list({ states: ["failed"], limit: 1000 })).filter((j) => j.error?.code === REFUSED && j.batchNumber <= this.o.ledger.height);
    const lowest = refused.sort((a, b) => a.batchNumber - b.batchNumber)[0];
    if (lowest !== undefined && !this.fenced) await this.rewindFrom(lowest);
    if (this.fenced || this.closing) return; // stood down (or closed) while resuming
    this.started = true;
    this.pump();
    this.kickSubmit();
  }

  /** True once resumed and until closing or standing down. */
  ready(): boolean {
    return this.started && !this.closing && !this.fenced;
  }

  /** Why submissions cannot move on (a failure being retried), or undefined. */
  stalled(): string | undefined {
    return this.retries.stalled();
  }

  /**
   * Stops proving and submitting at once, writing nothing more (see the file comment).
   * A transaction already sent stays sent: the next leader asks `isFinalized` first.
   */
  standDown(): void {
    this.fenced = true;
    this.started = false;
    this.retries.clear();
    for (const run of this.running.values()) {
      run.reason = "deposed";
      run.controller.abort(new Error("engine stood down: no longer the leader"));
    }
  }

  /**
   * Validates the batch against the ledger, records it and its job, and queues it.
   * The same idempotency key returns the job it made the first time.
   * @throws RuleError (nothing stored); QueueFullError; EngineNotReadyError;
   *   JobConflictError PRV_ERR_IDEMPOTENCY_KEY_REUSED
   */
  async submitBatch(batch: Batch, idempotencyKey?: string): Promise<Job> {
    if (!this.ready()) throw new EngineNotReadyError(this.closing ? "closing" : this.fenced ? "not the leader" : "not resumed yet");
    const repeat = idempotencyKey !== undefined && (await this.o.store.findByIdempotencyKey(idempotencyKey)) !== undefined;
    const queued = await this.o.store.unfinishedCount();
    if (!repeat && queued >= this.maxQueued) throw new QueueFullError(queued, this.maxQueued);
    const { job, created } = await this.o.ledger.append(batch, { idempotencyKey });
    if (created) {
      this.emit("job", job);
      this.pump();
    }
    return job;
  }

  getJob(id: string): Promise<Job | undefined> {
    return this.o.store.get(id);
  }

  /** The newest `limit` jobs, from the store (so the list outlives a restart). */
  listJobs(limit: number): Promise<Job[]> {
    return this.o.store.list({ limit });
  }

  counts(): Promise<Record<JobState, number>> {
    return this.o.store.counts();
  }

  async capacity(): Promise<Capacity> {
    const backend = this.o.pool.backend;
    const c = { queued: await this.o.store.unfinishedCount(), maxQueued: this.maxQueued, workers: this.o.pool.threads, busy: this.o.pool.busy, ...(backend === undefined ? {} : { backend }) };
    return this.o.pool.workers === undefined ? c : { ...c, provers: await this.o.pool.workers() };
  }

  /**
   * Cancels the newest batch's job (aborting its proof) and takes the batch out of the
   * ledger. A failed newest job may be cancelled too: that is how a batch that cannot
   * be proven stops blocking the ones cut after it.
   * @returns the cancelled job, or undefined when there is no such job
   * @throws CancelRefusedError (see its codes)
   */
  async cancel(id: string): Promise<Job | undefined> {
    const job = await this.o.store.get(id);
    if (!job) return undefined;
    if (job.state === "confirmed" || job.state === "cancelled") throw new CancelRefusedError("PRV_ERR_JOB_FINAL", `job ${id} is ${job.state}`);
    if (job.state === "submitting") throw new CancelRefusedError("PRV_ERR_CANCEL_REFUSED", `job ${id} is submitting: its proof may already be on its way to the chain`);
    if (job.batchNumber !== this.o.ledger.height) {
      throw new CancelRefusedError(
        "PRV_ERR_CANCEL_REFUSED",
        `job ${id} proves batch ${job.batchNumber}, but batch ${this.o.ledger.height} is the newest: later batches are built on its state (cancel them first, newest first)`,
      );
    }
    if (this.fenced) throw new EngineFencedError();
    // The store's compare-and-set decides; a proof that finishes meanwhile finds the
    // job cancelled and its own transition refused, so it changes nothing.
    const cancelled = await this.o.ledger.dropNewest(id, ["queued", ...PROVING_STATES, "failed"]);
    const run = this.running.get(id);
    if (run) {
      run.reason = "cancel";
      run.controller.abort(new Error(`job ${id} cancelled`));
    }
    this.retries.clear(id);
    this.emit("job", cancelled);
    this.emit("rewound", this.o.ledger.height, [cancelled]);
    return cancelled;
  }

  /**
   * Puts a failed job back: to submitting when it has a proof, else to queued.
   * @throws RetryRefusedError when the job has not failed
   */
  async retry(id: string): Promise<Job> {
    const job = await this.o.store.get(id);
    if (!job || job.state !== "failed") throw new RetryRefusedError(`job ${id} is ${job?.state ?? "unknown"}, not failed`);
    const to: JobState = job.proof ? "submitting" : "queued";
    const retried = await this.move(id, ["failed"], to, { error: null, progress: PROGRESS[to] });
    this.pump();
    this.kickSubmit();
    return retried;
  }

  /**
   * Stops taking work. Running proofs are aborted and their jobs go back to queued
   * (proven again at the next start), or with `drain` they finish first; a submission
   * in flight always finishes. Does not close the store or the pool (their owner does);
   * ends this thread's snarkjs curve, used for verifying.
   */
  async close(opts: { drain?: boolean } = {}): Promise<void> {
    this.closing = true;
    this.retries.clear();
    for (const run of this.running.values()) {
      if (opts.drain || run.reason !== undefined) continue;
      run.reason = "close";
      run.controller.abort(new Error("engine closing"));
    }
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    await this.pumpLoop;
    await this.submitLoop;
    await terminateCurves();
  }

  /** Records a transition and tells the listeners (refused once the engine stood down). */
  private async move(id: string, from: readonly JobState[], to: JobState, patch: JobPatch = {}): Promise<Job> {
    if (this.fenced) throw new EngineFencedError();
    const job = await this.o.store.transition(id, from, to, { progress: PROGRESS[to], ...patch });
    this.emit("job", job);
    return job;
  }

  /** `move`, but a job that has moved on meanwhile (cancelled) is left alone. */
  private async tryMove(id: string, from: readonly JobState[], to: JobState, patch: JobPatch = {}): Promise<Job | undefined> {
    try {
      return await this.move(id, from, to, patch);
    } catch (err) {
      if (err instanceof JobConflictError || err instanceof EngineFencedError || err instanceof StoreFencedError) return undefined;
      throw err;
    }
  }

  private active(): boolean {
    return this.started && !this.closing && !this.fenced;
  }

  /** Starts proofs for queued jobs while threads are free (one pass at a time). */
  private pump(): void {
    if (!this.active()) return;
    if (this.pumpLoop) {
      this.pumpAgain = true;
      return;
    }
    this.pumpLoop = this.pumpOnce()
      .catch((err: unknown) => void this.emit("fault", err))
      .finally(() => {
        this.pumpLoop = undefined;
        if (this.pumpAgain) this.pump();
      });
  }

  private async pumpOnce(): Promise<void> {
    this.pumpAgain = false;
    for (const job of await this.o.store.unfinished()) {
      if (!this.active() || this.running.size >= this.o.pool.threads) return;
      if (job.state === "queued" && !this.running.has(job.id)) this.startProof(job);
    }
  }

  private startProof(job: Job): void {
    const run: Running = { controller: new AbortController() };
    this.running.set(job.id, run);
    run.done = this.prove(job, run)
      .catch((err: unknown) => this.proofFailed(job.id, err, run))
      .catch((err: unknown) => void this.emit("fault", err))
      .finally(() => {
        this.running.delete(job.id);
        this.pump();
      });
  }

  private async prove(queued: Job, run: Running): Promise<void> {
    const { signal } = run.controller;
    const id = queued.id;
    const t0 = Date.now();
    // a stale list (another pass, another process) may name a job that has moved on
    if (!(await this.tryMove(id, ["queued"], "witness", { attempts: queued.attempts + 1, stageMs: { queued: t0 - queued.updatedAt } }))) {
      run.reason ??= "cancel";
      return;
    }
    const input = buildBatchInput(this.o.params, await this.o.ledger.trace(queued.batchNumber));
    let tProving = 0;
    const onStage = (): void => {
      tProving = Date.now();
      void this.tryMove(id, ["witness"], "proving", { stageMs: { witness: tProving - t0 } }).catch((err: unknown) => this.emit("fault", err));
    };
    // jobId: a remote prover keys its queue by it, so a re-queued job is not proven twice
    const out = await this.o.pool.prove(this.o.circuitDir, input, { signal, onStage, jobId: id });
    const tVerify = Date.now();
    // the stage message and the result travel on different ports: either may come first
    if (tProving === 0) tProving = t0 + Math.round(out.witnessMs);
    await this.move(id, ["witness", "proving"], "verifying", { stageMs: { witness: tProving - t0, proving: tVerify - tProving } });
    if (out.publicSignals.length !== 1 || out.publicSignals[0] !== queued.inputHash) {
      throw new ProofInvalidError(`the proof's public input ${out.publicSignals.join(",")} is not the job's inputHash ${queued.inputHash}`);
    }
    if (!(await verify(this.o.vkey, out.publicSignals, out.proof))) throw new ProofInvalidError("the proof does not verify with the verification key");
    if (signal.aborted) throw signal.reason;
    await this.move(id, ["verifying"], "submitting", { proof: out.proof, publicSignals: out.publicSignals, stageMs: { verifying: Date.now() - tVerify } });
    this.o.ledger.forgetTrace(queued.batchNumber);
    this.kickSubmit();
  }

  private async proofFailed(id: string, err: unknown, run: Running): Promise<void> {
    // cancel: the store has it cancelled; deposed: the new leader owns the job now
    if (run.reason === "cancel" || run.reason === "deposed" || this.fenced) return;
    if (run.reason === "close") {
      await this.tryMove(id, PROVING_STATES, "queued", { progress: 0 });
      return;
    }
    await this.tryMove(id, ["queued", ...PROVING_STATES], "failed", { error: errorOf(err, "PRV_ERR_INTERNAL") });
  }

  /** Runs the submission loop, or asks the running one to look again. */
  private kickSubmit(): void {
    if (!this.active()) return;
    if (this.submitLoop) {
      this.submitAgain = true;
      return;
    }
    this.submitLoop = this.submitInOrder()
      .catch((err: unknown) => void this.emit("fault", err))
      .finally(() => {
        this.submitLoop = undefined;
        if (this.submitAgain) this.kickSubmit();
      });
  }

  private async submitInOrder(): Promise<void> {
    for (;;) {
      this.submitAgain = false;
      if (!this.active()) return;
      const next = await this.nextToSubmit();
      if (!next || !this.active()) return;
      await this.submitOne(next);
    }
  }

  /** The lowest unfinished batch, if it is proven and the batch before it is confirmed. */
  private async nextToSubmit(): Promise<Job | undefined> {
    const first = (await this.o.store.unfinished())[0];
    if (!first || first.state !== "submitting" || this.retries.waiting(first.id)) return undefined;
    // a failed batch is not unfinished: without this check the next one would overtake it
    if (first.batchNumber > 1 && (await this.o.store.getByBatchNumber(first.batchNumber - 1))?.state !== "confirmed") return undefined;
    return first;
  }

  private async submitOne(job: Job): Promise<void> {
    const t0 = Date.now();
    try {
      if (!job.proof) throw new ProofInvalidError(`job ${job.id} is submitting without a proof`);
      // a retried job no longer carries the error of the attempt before
      const clear = job.error === undefined ? {} : { error: null };
      if (await this.o.submitter.isFinalized(job.batchNumber, BigInt(job.newStateRoot))) {
        await this.move(job.id, ["submitting"], "confirmed", { ...clear, stageMs: { submitting: Date.now() - t0 } });
        this.retries.clear(job.id);
        return;
      }
      if (!this.active()) return; // deposed while asking the chain: the next leader submits
      const r = await this.o.submitter.submit(job, Buffer.from(job.batchData.slice(2), "hex"), job.proof);
      await this.move(job.id, ["submitting"], "confirmed", { ...clear, txHash: r.txHash, blockNumber: r.blockNumber, gasUsed: String(r.gasUsed), stageMs: { submitting: Date.now() - t0 } });
      this.retries.clear(job.id);
    } catch (err) {
      if (err instanceof EngineFencedError || err instanceof StoreFencedError) return;
      const error = errorOf(err, "PRV_ERR_SUBMIT");
      const stageMs = { submitting: Date.now() - t0 };
      if (err instanceof BatchRefusedError) {
        const failed = await this.tryMove(job.id, ["submitting"], "failed", { error, stageMs });
        if (failed) await this.rewindFrom(failed);
        return;
      }
      // it may pass: the job stays submitting, with the error, until its next attempt
      await this.tryMove(job.id, ["submitting"], "submitting", { error, stageMs });
      this.retries.schedule(job, `${error.code}: ${error.message}`, () => this.kickSubmit());
    }
  }

  /** Takes a batch the chain refuses for good, and every later one, out of the ledger (engine-rewind.ts). */
  private async rewindFrom(refused: Job): Promise<void> {
    this.retries.clear();
    const abort = (id: string, why: string): void => {
      const run = this.running.get(id);
      if (!run) return;
      run.reason = "cancel";
      run.controller.abort(new Error(`job ${id} cancelled: ${why}`));
    };
    await rewindFrom({ ledger: this.o.ledger, store: this.o.store, abort, dropped: (j) => this.emit("job", j), rewound: (h, d) => this.emit("rewound", h, d) }, refused);
  }
}
