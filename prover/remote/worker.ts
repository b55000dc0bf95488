/**
 * `zksettle worker` (docs/operations.md, "Workers"): a BullMQ Worker on the `prove`
 * queue whose processor is a ProverPool (one piscina pool, wasm and zkey loaded once per
 * thread), with concurrency = threads.
 *
 * - Liveness: BullMQ renews each job's lock every lockDuration/2 while the proof runs
 *   in a pool thread. A worker that dies stops renewing; another worker's stall check
 *   (every stalledInterval) puts the job back in the queue once the lock expired.
 * - Registry: `<prefix>:workers:<id>` (WorkerInfo as JSON) is rewritten every
 *   heartbeat with a TTL of three heartbeats, so a dead worker drops out by itself.
 * - Refusals: a job for another circuit id fails that attempt with
 *   PRV_ERR_CIRCUIT_MISMATCH and the worker stops taking jobs (its build is wrong for
 *   this queue, every later job would fail too). A witness error is final at once:
 *   the same input never has a witness on another try.
 * - Cancellation: the caller's cancel key (polled) or BullMQ's cancelJob aborts the
 *   pool task (piscina terminates the thread).
 * - Shutdown: `close()` stops taking jobs and lets the running ones finish for up to
 *   `drainMs`, then puts the rest back in the queue (not an attempt) and exits.
 */
import os from "node:os";
import { UnrecoverableError, WaitingError, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { ProverPool } from "../pool/prover-pool";
import type { ProveOutput, StageMessage } from "../pool/types";
import type { Logger } from "../log/logger";
import type { BackendChoice } from "../zk/backend";
import type { CircuitInput } from "../zk/witness";
import { circuitId, redisUrl } from "./circuit-id";
import { CircuitMismatchError } from "./errors";
import { QUEUE_NAME, cancelKey, workerKey, workerSetKey, type ProveJobData, type ProveJobResult, type WorkerInfo } from "./types";

/** Makes one proof (the pool by default; tests inject a cheap fake). */
export type ProveFn = (input: CircuitInput, opts: { signal: AbortSignal; onStage: (m: StageMessage) => void }) => Promise<ProveOutput>;

export interface QueueWorkerOptions {
  /** redis://HOST:PORT[/DB] */
  readonly url: string;
  readonly prefix: string;
  /** Proofs at once (pool threads and BullMQ concurrency). */
  readonly threads: number;
  /** Build folder of the circuit (`build/<params>/`): the pool's circuit and the id jobs must carry. */
  readonly circuitDir: string;
  /** Registry id (default `<hostname>-<pid>`). */
  readonly id?: string;
  /** Lock of a running job; a dead worker's job is re-delivered after it (default 30000 ms). */
  readonly lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (default 15000 ms). */
  readonly stalledIntervalMs?: number;
  /** Stalls a job survives before it fails (default 2). */
  readonly maxStalledCount?: number;
  /** Registry refresh (default 5000 ms; the entry's TTL is three of these). */
  readonly heartbeatMs?: number;
  /** How often running jobs' cancel keys are checked (default 1000 ms). */
  readonly cancelPollMs?: number;
  readonly log?: Logger;
  /**
   * One core per proof (ProverPoolOptions.singleThreadCurve; default: when threads > 1).
   * Several 1-thread workers on one machine want it, or each proof claims every core.
   */
  readonly singleThreadCurve?: boolean;
  /** Prover backend of the default pool (default `auto`: native where built). */
  readonly backend?: BackendChoice;
  /** The proof function; default a ProverPool of `threads` threads on `circuitDir`. */
  readonly prove?: ProveFn;
  /** Circuit id override (tests: a worker built for another circuit). */
  readonly circuit?: string;
}

/** Why a worker stopped. */
export interface WorkerExit {
  readonly reason: "closed" | "circuit-mismatch";
  readonly error?: Error;
}

interface Running {
  readonly controller: AbortController;
}

const SHUTDOWN = "worker shutting down";

export class QueueWorker {
  readonly id: string;
  /** Resolves once the worker has stopped and closed its connections. */
  readonly done: Promise<WorkerExit>;
  private readonly o: QueueWorkerOptions;
  private readonly circuit: string;
  private readonly worker: Worker<ProveJobData, ProveJobResult>;
  private readonly redis: Redis;
  private readonly pool?: ProverPool;
  private readonly proveFn: ProveFn;
  private readonly running = new Map<string, Running>();
  private readonly timers: NodeJS.Timeout[] = [];
  private proofs = 0;
  private stopping?: Promise<void>;
  private exit: WorkerExit = { reason: "closed" };
  private resolveDone!: (e: WorkerExit) => void;

  constructor(o: QueueWorkerOptions) {
    const url = redisUrl(o.url);
    this.o = o;
    this.id = o.id ?? `${os.hostname()}-${process.pid}`;
    this.circuit = o.circuit ?? circuitId(o.circuitDir);
    this.done = new Promise((r) => (this.resolveDone = r));
    if (o.prove === undefined) {
      const pool = new ProverPool({ maxThreads: o.threads, singleThreadCurve: o.singleThreadCurve, backend: o.backend });
      this.pool = pool;
      this.proveFn = (input, p) => pool.prove(o.circuitDir, input, p);
    } else {
      this.proveFn = o.prove;
    }
    this.redis = new Redis(url, { maxRetriesPerRequest: null });
    this.redis.on("error", (err: Error) => o.log?.warn({ err: err.message }, "redis"));
    this.worker = new Worker<ProveJobData, ProveJobResult>(QUEUE_NAME, (job, token, signal) => this.process(job, token, signal), {
      connection: { url, maxRetriesPerRequest: null },
      prefix: o.prefix,
      concurrency: o.threads,
      lockDuration: o.lockDurationMs ?? 30_000,
      stalledInterval: o.stalledIntervalMs ?? 15_000,
      maxStalledCount: o.maxStalledCount ?? 2,
    });
    this.worker.on("error", (err) => o.log?.warn({ err: err.message }, "queue connection"));
    this.worker.on("failed", (job, err) => o.log?.warn({ job: job?.id, attempt: job?.attemptsMade, reason: err.message }, "job attempt failed"));
    const beat = o.heartbeatMs ?? 5000;
    this.timers.push(setInterval(() => void this.heartbeat(), beat), setInterval(() => void this.pollCancels(), o.cancelPollMs ?? 1000));
    void this.heartbeat();
    o.log?.info({ worker: this.id, circuit: this.circuit, threads: o.threads, prefix: o.prefix, backend: this.pool?.backend }, "zksettle worker started");
  }

  /** Resolves once the worker is connected and fetching jobs. */
  waitUntilReady(): Promise<void> {
    return this.worker.waitUntilReady().then(() => undefined);
  }

  /** Jobs running now. */
  get busy(): number {
    return this.running.size;
  }

  /** This worker's registry entry. */
  info(): WorkerInfo {
    const info = { id: this.id, host: os.hostname(), threads: this.o.threads, busy: this.running.size, proofs: this.proofs, lastSeen: Date.now() };
    return this.pool === undefined ? info : { ...info, backend: this.pool.backend };
  }

  /**
   * Stops taking jobs; running ones may finish for `drainMs`, then go back to the queue.
   * Closes the pool and the connections and removes the registry entry. Idempotent.
   */
  close(drainMs = 0): Promise<void> {
    if (this.stopping === undefined) this.stopping = this.shutdown(drainMs);
    else if (drainMs === 0) this.returnRunning();
    return this.stopping;
  }

  /** Aborts every running proof; their jobs go back to the queue (see `process`). */
  private returnRunning(): void {
    for (const r of this.running.values()) r.controller.abort(SHUTDOWN);
  }

  private async process(job: Job<ProveJobData, ProveJobResult>, token: string | undefined, signal: AbortSignal | undefined): Promise<ProveJobResult> {
    const id = job.id ?? "";
    if (job.data.circuit !== this.circuit) {
      const err = new CircuitMismatchError(job.data.circuit, this.circuit);
      this.o.log?.error({ job: id, wanted: job.data.circuit, loaded: this.circuit }, "circuit mismatch: this worker stops taking jobs");
      this.exit = { reason: "circuit-mismatch", error: err };
      // not awaited: close() waits for this very job to end
      setImmediate(() => void this.close());
      throw err;
    }
    if ((await this.redis.exists(cancelKey(this.o.prefix, id))) === 1) throw new UnrecoverableError("PRV_ERR_PROOF_ABORTED: cancelled by the caller");
    const controller = new AbortController();
    signal?.addEventListener("abort", () => controller.abort(signal.reason), { once: true });
    // a fetch already under way when close() began can still hand this worker a job
    if (this.stopping !== undefined && token !== undefined) return this.giveBack(job, token);
    this.running.set(id, { controller });
    this.o.log?.info({ job: id, attempt: job.attemptsMade + 1, stalls: job.stalledCounter }, "job started");
    void this.heartbeat();
    try {
      const out = await this.proveFn(job.data.input, { signal: controller.signal, onStage: (m) => void job.updateProgress(m).catch(() => undefined) });
      this.proofs++;
      this.o.log?.info({ job: id, witnessMs: Math.round(out.witnessMs), proveMs: Math.round(out.proveMs) }, "proof done");
      return { ...out, worker: this.id };
    } catch (err) {
      if (controller.signal.aborted && controller.signal.reason === SHUTDOWN && token !== undefined) return this.giveBack(job, token);
      if (controller.signal.aborted) throw new UnrecoverableError(`PRV_ERR_PROOF_ABORTED: ${String(controller.signal.reason)}`);
      const code = (err as { code?: string }).code;
      const message = `${code ?? "PRV_ERR_PROVE"}: ${err instanceof Error ? err.message : String(err)}`;
      if (code === "PRV_ERR_WITNESS") throw new UnrecoverableError(message);
      throw new Error(message);
    } finally {
      this.running.delete(id);
      void this.heartbeat();
    }
  }

  /** Puts a job this worker holds back in the queue for another worker; not a failed attempt. */
  private async giveBack(job: Job<ProveJobData, ProveJobResult>, token: string): Promise<never> {
    this.o.log?.info({ job: job.id }, "job returned to the queue");
    await job.moveToWait(token);
    // WaitingError tells BullMQ the job moved on and must not be completed or failed
    throw new WaitingError();
  }

  private async heartbeat(): Promise<void> {
    if (this.stopping !== undefined && this.running.size === 0) return;
    const ttl = 3 * (this.o.heartbeatMs ?? 5000);
    await this.redis
      .multi()
      .set(workerKey(this.o.prefix, this.id), JSON.stringify(this.info()), "PX", ttl)
      .sadd(workerSetKey(this.o.prefix), this.id)
      .exec()
      .catch(() => undefined);
  }

  private async pollCancels(): Promise<void> {
    const ids = [...this.running.keys()];
    if (ids.length === 0) return;
    try {
      const hits = await Promise.all(ids.map((id) => this.redis.exists(cancelKey(this.o.prefix, id))));
      ids.forEach((id, i) => {
        if (hits[i] === 1) this.running.get(id)?.controller.abort("cancelled by the caller");
      });
    } catch {
      // Redis unreachable: the next poll tries again
    }
  }

  private async shutdown(drainMs: number): Promise<void> {
    this.o.log?.info({ worker: this.id, running: this.running.size, drainMs }, "worker stopping");
    const timer = setTimeout(() => this.returnRunning(), drainMs);
    try {
      await this.worker.close();
    } finally {
      clearTimeout(timer);
      this.timers.forEach(clearInterval);
      await this.pool?.close();
      await this.redis.multi().del(workerKey(this.o.prefix, this.id)).srem(workerSetKey(this.o.prefix), this.id).exec().catch(() => undefined);
      this.redis.disconnect();
      this.o.log?.info({ worker: this.id, proofs: this.proofs }, "worker stopped");
      this.resolveDone(this.exit);
    }
  }
}
