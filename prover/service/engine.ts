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
 *   confirmed (a failed batch blocks the ones after it until it is retried or, if it is
 *   the newest, cancelled). `submitting` also covers "proven, waiting for its turn".
 * - `resume()` (once, at start): jobs left in witness/proving/verifying go back to
 *   queued and are proven again (re-proving is safe); jobs in submitting ask the chain
 *   first (`isFinalized`) and are submitted only if their batch is not there.
 * - `cancel(id)`: only the newest batch's job, and not once it is submitting: later
 *   batches are built on its state, so a cancel takes the batch out of the ledger and
 *   the state goes back to the batch before (`rewound` event: a sequencer must rebase).
 */
import { EventEmitter } from "node:events";
import { buildBatchInput } from "../witness/batch-input";
import type { Params } from "../state/params";
import type { Batch } from "../state/batch";
import { terminateCurves, verify, type VerificationKey } from "../zk/prover";
import { JobConflictError, PROVING_STATES, type Job, type JobPatch, type JobState, type JobStore } from "../store/job-store";
import type { Ledger } from "./ledger";
import type { ProverPort, Submitter } from "./ports";
import { CancelRefusedError, EngineNotReadyError, ProofInvalidError, QueueFullError, RetryRefusedError } from "./engine-errors";

/** Options of `Engine`. */
export interface EngineOptions {
  readonly store: JobStore;
  readonly ledger: Ledger;
  readonly pool: ProverPort;
  readonly submitter: Submitter;
  /** Build folder of the circuit (`build/<params>/`). */
  readonly circuitDir: string;
  readonly vkey: VerificationKey;
  readonly params: Params;
  /** Unfinished jobs beyond which `submitBatch` throws QueueFullError (default 1000). */
  readonly maxQueued?: number;
}

/** Events of the engine. */
export interface EngineEvents {
  /** A job changed (after the store has it). */
  job: [job: Job];
  /** A cancel took the newest batch out of the ledger; `height` is the newest batch now. */
  rewound: [height: number];
}

/** How full the engine is. */
export interface Capacity {
  readonly queued: number;
  readonly maxQueued: number;
  readonly workers: number;
  readonly busy: number;
}

/** Progress (0..1) recorded on entering each stage. */
const PROGRESS: Partial<Record<JobState, number>> = { queued: 0, witness: 0.05, proving: 0.15, verifying: 0.8, submitting: 0.85, confirmed: 1 };

interface Running {
  readonly controller: AbortController;
  /** Why the engine aborted it, if it did. */
  reason?: "cancel" | "close";
  done?: Promise<void>;
}

function errorOf(err: unknown, fallback: string): { code: string; message: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return { code: typeof code === "string" && code.startsWith("PRV_ERR_") ? code : fallback, message: err instanceof Error ? err.message : String(err) };
}

export class Engine extends EventEmitter<EngineEvents> {
  private readonly o: EngineOptions;
  private readonly maxQueued: number;
  private readonly running = new Map<string, Running>();
  private submitLoop: Promise<void> | undefined;
  private submitAgain = false;
  private started = false;
  private closing = false;

  constructor(opts: EngineOptions) {
    super();
    this.o = opts;
    this.maxQueued = opts.maxQueued ?? 1000;
  }

  /** Picks up the store's unfinished jobs (see the file comment) and starts working. */
  async resume(): Promise<void> {
    if (this.started) return;
    for (const job of this.o.store.unfinished()) {
      if (PROVING_STATES.includes(job.state)) this.move(job.id, PROVING_STATES, "queued", { progress: 0 });
    }
    this.started = true;
    this.pump();
    this.kickSubmit();
  }

  /** True once resumed and until closing. */
  ready(): boolean {
    return this.started && !this.closing;
  }

  /**
   * Validates the batch against the ledger, records it and its job, and queues it.
   * The same idempotency key returns the job it made the first time.
   * @throws RuleError (nothing stored); QueueFullError; EngineNotReadyError;
   *   JobConflictError PRV_ERR_IDEMPOTENCY_KEY_REUSED
   */
  submitBatch(batch: Batch, idempotencyKey?: string): Job {
    if (!this.ready()) throw new EngineNotReadyError(this.closing ? "closing" : "not resumed yet");
    const repeat = idempotencyKey !== undefined && this.o.store.findByIdempotencyKey(idempotencyKey) !== undefined;
    const queued = this.o.store.unfinished().length;
    if (!repeat && queued >= this.maxQueued) throw new QueueFullError(queued, this.maxQueued);
    const { job, created } = this.o.ledger.append(batch, { idempotencyKey });
    if (created) {
      this.emit("job", job);
      this.pump();
    }
    return job;
  }

  getJob(id: string): Job | undefined {
    return this.o.store.get(id);
  }

  counts(): Record<JobState, number> {
    return this.o.store.counts();
  }

  capacity(): Capacity {
    return { queued: this.o.store.unfinished().length, maxQueued: this.maxQueued, workers: this.o.pool.threads, busy: this.o.pool.busy };
  }

  /**
   * Cancels the newest batch's job (aborting its proof) and takes the batch out of the
   * ledger. A failed newest job may be cancelled too: that is how a batch that cannot
   * be proven stops blocking the ones cut after it.
   * @returns the cancelled job, or undefined when there is no such job
   * @throws CancelRefusedError (see its codes)
   */
  cancel(id: string): Job | undefined {
    const job = this.o.store.get(id);
    if (!job) return undefined;
    if (job.state === "confirmed" || job.state === "cancelled") throw new CancelRefusedError("PRV_ERR_JOB_FINAL", `job ${id} is ${job.state}`);
    if (job.state === "submitting") throw new CancelRefusedError("PRV_ERR_CANCEL_REFUSED", `job ${id} is submitting: its proof may already be on its way to the chain`);
    if (job.batchNumber !== this.o.ledger.height) {
      throw new CancelRefusedError(
        "PRV_ERR_CANCEL_REFUSED",
        `job ${id} proves batch ${job.batchNumber}, but batch ${this.o.ledger.height} is the newest: later batches are built on its state (cancel them first, newest first)`,
      );
    }
    const run = this.running.get(id);
    if (run) run.reason = "cancel";
    const cancelled = this.o.ledger.dropNewest(id, ["queued", ...PROVING_STATES, "failed"]);
    run?.controller.abort(new Error(`job ${id} cancelled`));
    this.emit("job", cancelled);
    this.emit("rewound", this.o.ledger.height);
    return cancelled;
  }

  /**
   * Puts a failed job back: to submitting when it has a proof, else to queued.
   * @throws RetryRefusedError when the job has not failed
   */
  retry(id: string): Job {
    const job = this.o.store.get(id);
    if (!job || job.state !== "failed") throw new RetryRefusedError(`job ${id} is ${job?.state ?? "unknown"}, not failed`);
    const to: JobState = job.proof ? "submitting" : "queued";
    const retried = this.move(id, ["failed"], to, { error: null, progress: PROGRESS[to] });
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
    for (const run of this.running.values()) {
      if (opts.drain) continue;
      run.reason = "close";
      run.controller.abort(new Error("engine closing"));
    }
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    await this.submitLoop;
    await terminateCurves();
  }

  /** Records a transition and tells the listeners. */
  private move(id: string, from: readonly JobState[], to: JobState, patch: JobPatch = {}): Job {
    const job = this.o.store.transition(id, from, to, { progress: PROGRESS[to], ...patch });
    this.emit("job", job);
    return job;
  }

  /** `move`, but a job that has moved on meanwhile (cancelled) is left alone. */
  private tryMove(id: string, from: readonly JobState[], to: JobState, patch: JobPatch = {}): Job | undefined {
    try {
      return this.move(id, from, to, patch);
    } catch (err) {
      if (err instanceof JobConflictError) return undefined;
      throw err;
    }
  }

  /** Starts proofs for queued jobs while threads are free. */
  private pump(): void {
    if (!this.started || this.closing) return;
    for (const job of this.o.store.unfinished()) {
      if (this.running.size >= this.o.pool.threads) return;
      if (job.state === "queued" && !this.running.has(job.id)) this.startProof(job);
    }
  }

  private startProof(job: Job): void {
    const run: Running = { controller: new AbortController() };
    this.running.set(job.id, run);
    run.done = this.prove(job, run.controller.signal)
      .catch((err: unknown) => this.proofFailed(job.id, err, run))
      .finally(() => {
        this.running.delete(job.id);
        this.pump();
      });
  }

  private async prove(queued: Job, signal: AbortSignal): Promise<void> {
    const id = queued.id;
    const t0 = Date.now();
    this.move(id, ["queued"], "witness", { attempts: queued.attempts + 1, stageMs: { queued: t0 - queued.updatedAt } });
    const input = buildBatchInput(this.o.params, this.o.ledger.trace(queued.batchNumber));
    let tProving = 0;
    const onStage = (): void => {
      tProving = Date.now();
      this.tryMove(id, ["witness"], "proving", { stageMs: { witness: tProving - t0 } });
    };
    const out = await this.o.pool.prove(this.o.circuitDir, input, { signal, onStage });
    const tVerify = Date.now();
    // the stage message and the result travel on different ports: either may come first
    if (tProving === 0) tProving = t0 + Math.round(out.witnessMs);
    this.move(id, ["witness", "proving"], "verifying", { stageMs: { witness: tProving - t0, proving: tVerify - tProving } });
    if (out.publicSignals.length !== 1 || out.publicSignals[0] !== queued.inputHash) {
      throw new ProofInvalidError(`the proof's public input ${out.publicSignals.join(",")} is not the job's inputHash ${queued.inputHash}`);
    }
    if (!(await verify(this.o.vkey, out.publicSignals, out.proof))) throw new ProofInvalidError("the proof does not verify with the verification key");
    if (signal.aborted) throw signal.reason;
    this.move(id, ["verifying"], "submitting", { proof: out.proof, publicSignals: out.publicSignals, stageMs: { verifying: Date.now() - tVerify } });
    this.o.ledger.forgetTrace(queued.batchNumber);
    this.kickSubmit();
  }

  private proofFailed(id: string, err: unknown, run: Running): void {
    if (run.reason === "cancel") return; // the store has it cancelled already
    if (run.reason === "close") {
      this.tryMove(id, PROVING_STATES, "queued", { progress: 0 });
      return;
    }
    this.tryMove(id, ["queued", ...PROVING_STATES], "failed", { error: errorOf(err, "PRV_ERR_INTERNAL") });
  }

  /** Runs the submission loop, or asks the running one to look again. */
  private kickSubmit(): void {
    if (!this.started || this.closing) return;
    if (this.submitLoop) {
      this.submitAgain = true;
      return;
    }
    this.submitLoop = this.submitInOrder().finally(() => {
      this.submitLoop = undefined;
      if (this.submitAgain) this.kickSubmit();
    });
  }

  private async submitInOrder(): Promise<void> {
    for (;;) {
      this.submitAgain = false;
      if (this.closing) return;
      const next = this.nextToSubmit();
      if (!next) return;
      await this.submitOne(next);
    }
  }

  /** The lowest unfinished batch, if it is proven and the batch before it is confirmed. */
  private nextToSubmit(): Job | undefined {
    const first = this.o.store.unfinished()[0];
    if (!first || first.state !== "submitting") return undefined;
    // a failed batch is not unfinished: without this check the next one would overtake it
    if (first.batchNumber > 1 && this.o.store.getByBatchNumber(first.batchNumber - 1)?.state !== "confirmed") return undefined;
    return first;
  }

  private async submitOne(job: Job): Promise<void> {
    const t0 = Date.now();
    try {
      if (!job.proof) throw new ProofInvalidError(`job ${job.id} is submitting without a proof`);
      if (await this.o.submitter.isFinalized(job.batchNumber, BigInt(job.newStateRoot))) {
        this.move(job.id, ["submitting"], "confirmed", { stageMs: { submitting: Date.now() - t0 } });
        return;
      }
      const r = await this.o.submitter.submit(job, Buffer.from(job.batchData.slice(2), "hex"), job.proof);
      this.move(job.id, ["submitting"], "confirmed", { txHash: r.txHash, blockNumber: r.blockNumber, gasUsed: String(r.gasUsed), stageMs: { submitting: Date.now() - t0 } });
    } catch (err) {
      this.tryMove(job.id, ["submitting"], "failed", { error: errorOf(err, "PRV_ERR_SUBMIT"), stageMs: { submitting: Date.now() - t0 } });
    }
  }
}
