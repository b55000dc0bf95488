/**
 * The engine's ProverPort over the `prove` queue (docs/operations.md, "Workers"): each
 * `prove` adds a BullMQ job that any `zksettle worker` may take, and resolves with the
 * proof that worker returns. The engine still verifies every proof before submitting,
 * so a worker is trusted with liveness only.
 *
 * - Dedupe: the BullMQ job id is the engine's job id. A new leader after failover that
 *   proves the same job re-attaches to the job its predecessor queued (waiting, active,
 *   or finished and still retained) instead of proving it twice. A second call for the
 *   same id from the same process is a deliberate new try, so it gets a new id
 *   (`…~2`, `…~3`): a cached result (perhaps the proof that just failed verification)
 *   must not come back.
 * - Completion: one QueueEvents stream for the process, plus a poll of the jobs in flight
 *   (`pollMs`) for the events a Redis restart or a trimmed stream can lose; a job that
 *   vanished (Redis lost it) is added again from the input kept here.
 * - Abort: a waiting job is removed; an active one gets a cancel key that its worker
 *   polls and aborts the proof on. Either way `prove` rejects at once.
 */
import { randomUUID } from "node:crypto";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { ProofAbortedError } from "../pool/errors";
import type { ProveOutput, StageMessage } from "../pool/types";
import type { ProverPort } from "../pool/prover-port";
import type { CircuitInput } from "../zk/witness";
import { circuitId, redisUrl } from "./circuit-id";
import { QueueClosedError, RemoteProveFailedError } from "./errors";
import { QUEUE_NAME, cancelKey, jsonInput, queueJobId, workerKey, workerSetKey, type ProveJobData, type ProveJobProgress, type ProveJobResult, type WorkerInfo } from "./types";

export type { WorkerInfo };

export interface RemoteProverOptions {
  /** redis://HOST:PORT[/DB] */
  readonly url: string;
  /** Key prefix (`zksettle`): the queue lives under `<prefix>:prove:*`. */
  readonly prefix: string;
  /** Jobs the engine may have in flight at once (its `threads`). */
  readonly maxInFlight: number;
  /** Tries per job before it fails for good (default 3). */
  readonly attempts?: number;
  /** First retry delay; doubles each retry (default 1000 ms). */
  readonly backoffMs?: number;
  /** How often the jobs in flight are checked besides the event stream (default 5000 ms). */
  readonly pollMs?: number;
  /** How long finished jobs (and their results) stay in Redis for a re-attaching leader (default 3600 s). */
  readonly keepFinishedS?: number;
}

/** Options of one `prove` call (ProverPort's, plus the engine's job id). */
export interface RemoteProveOptions {
  readonly signal?: AbortSignal;
  readonly onStage?: (m: StageMessage) => void;
  /** The engine's job id: the dedupe key of the queue job. */
  readonly jobId?: string;
}

interface Waiter {
  readonly data: ProveJobData;
  readonly onStage?: (m: StageMessage) => void;
  resolve(out: ProveOutput): void;
  reject(err: Error): void;
}

/** Job ids whose try count is remembered; a retry comes soon after its failure, not 10 000 jobs later. */
const MAX_TRIES_KEPT = 10_000;

/** How long a cancel key lives: longer than any proof, so the worker that runs the job sees it. */
const CANCEL_TTL_S = 24 * 3600;

export class RemoteProver implements ProverPort {
  readonly threads: number;
  private readonly prefix: string;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly keepFinishedS: number;
  private readonly queue: Queue<ProveJobData, ProveJobResult>;
  private readonly events: QueueEvents;
  private readonly redis: Redis;
  private readonly ready: Promise<void>;
  private readonly waiters = new Map<string, Waiter>();
  /** Ids this process already proved (or gave up on): the next call for one is a new try. */
  private readonly tries = new Map<string, number>();
  private readonly poller: NodeJS.Timeout;
  private closed = false;

  constructor(o: RemoteProverOptions) {
    const url = redisUrl(o.url);
    this.threads = o.maxInFlight;
    this.prefix = o.prefix;
    this.attempts = o.attempts ?? 3;
    this.backoffMs = o.backoffMs ?? 1000;
    this.keepFinishedS = o.keepFinishedS ?? 3600;
    // maxRetriesPerRequest null: commands wait through a Redis restart instead of failing
    const connection = { url, maxRetriesPerRequest: null };
    this.queue = new Queue<ProveJobData, ProveJobResult>(QUEUE_NAME, { connection, prefix: o.prefix });
    this.events = new QueueEvents(QUEUE_NAME, { connection, prefix: o.prefix });
    this.redis = new Redis(url, { maxRetriesPerRequest: null });
    // connection errors are retried by ioredis; an unhandled 'error' event would kill the process
    this.queue.on("error", () => undefined);
    this.events.on("error", () => undefined);
    this.redis.on("error", () => undefined);
    this.events.on("completed", ({ jobId, returnvalue }) => this.settle(jobId, { ok: true, result: returnvalue as unknown as ProveJobResult }));
    this.events.on("failed", ({ jobId }) => void this.check(jobId));
    this.events.on("progress", ({ jobId, data }) => this.waiters.get(jobId)?.onStage?.(data as unknown as ProveJobProgress));
    this.ready = Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]).then(() => undefined);
    this.ready.catch(() => undefined);
    this.poller = setInterval(() => this.pollAll(), o.pollMs ?? 5000);
    this.poller.unref();
  }

  /** Jobs in flight from this process. */
  get busy(): number {
    return this.waiters.size;
  }

  /**
   * Queues a proof and resolves with the worker's output.
   * @throws RemoteProveFailedError (PRV_ERR_PROVE_FAILED) after the last attempt failed;
   *   ProofAbortedError (PRV_ERR_PROOF_ABORTED) when `signal` aborts; QueueClosedError
   */
  async prove(circuitDir: string, input: CircuitInput, opts: RemoteProveOptions = {}): Promise<ProveOutput> {
    if (this.closed) throw new QueueClosedError();
    if (opts.signal?.aborted) throw new ProofAbortedError(opts.signal.reason);
    const data: ProveJobData = { circuit: circuitId(circuitDir), input: jsonInput(input) };
    await this.untilReady(opts.signal);
    const id = this.nextId(opts.jobId ?? randomUUID());
    const done = new Promise<ProveOutput>((resolve, reject) => this.waiters.set(id, { data, onStage: opts.onStage, resolve, reject }));
    // an abort can settle it while add() is still on its way; it is awaited below
    done.catch(() => undefined);
    const onAbort = (): void => void this.abort(id, opts.signal?.reason);
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await this.add(id, data);
      // the id may name a job of an earlier leader that has already finished
      await this.check(id);
      return await done;
    } finally {
      opts.signal?.removeEventListener("abort", onAbort);
      this.waiters.delete(id);
    }
  }

  /** Every worker that announced itself within its TTL, by id. */
  async workers(): Promise<WorkerInfo[]> {
    const ids = await this.redis.smembers(workerSetKey(this.prefix));
    if (ids.length === 0) return [];
    const values = await this.redis.mget(...ids.map((id) => workerKey(this.prefix, id)));
    const out: WorkerInfo[] = [];
    const gone: string[] = [];
    values.forEach((v, i) => (v === null ? gone.push(ids[i]) : out.push(JSON.parse(v) as WorkerInfo)));
    // a worker that died without saying goodbye: its entry expired, its id lingers
    if (gone.length > 0) await this.redis.srem(workerSetKey(this.prefix), ...gone);
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Rejects what is in flight with QueueClosedError and closes the connections. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.poller);
    for (const w of this.waiters.values()) w.reject(new QueueClosedError());
    this.waiters.clear();
    await Promise.allSettled([this.events.close(), this.queue.close()]);
    this.redis.disconnect();
  }

  /** Waits for the connections; an abort while Redis is unreachable still rejects at once. */
  private async untilReady(signal: AbortSignal | undefined): Promise<void> {
    if (signal === undefined) return this.ready;
    let onAbort!: () => void;
    const aborted = new Promise<never>((_r, reject) => {
      onAbort = () => reject(new ProofAbortedError(signal.reason));
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      await Promise.race([this.ready, aborted]);
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
    if (signal.aborted) throw new ProofAbortedError(signal.reason);
  }

  /** The queue id of the caller's job id for this try. */
  private nextId(jobId: string): string {
    const base = queueJobId(jobId);
    const n = (this.tries.get(base) ?? 0) + 1;
    // re-inserted so the Map's order is least recently proven first, and bounded
    this.tries.delete(base);
    this.tries.set(base, n);
    if (this.tries.size > MAX_TRIES_KEPT) this.tries.delete(this.tries.keys().next().value as string);
    return n === 1 ? base : `${base}~${n}`;
  }

  private add(id: string, data: ProveJobData): Promise<unknown> {
    return this.queue.add(QUEUE_NAME, data, {
      jobId: id,
      attempts: this.attempts,
      backoff: { type: "exponential", delay: this.backoffMs },
      removeOnComplete: { age: this.keepFinishedS },
      removeOnFail: { age: this.keepFinishedS },
    });
  }

  /** Reads a job's state and settles its waiter when it has finished (or re-adds it when Redis lost it). */
  private async check(id: string): Promise<void> {
    const w = this.waiters.get(id);
    if (w === undefined) return;
    try {
      const state = await this.queue.getJobState(id);
      // a plain HMGET: Job.fromId would also fetch the input (hundreds of KB) for nothing
      const key = this.queue.toKey(id);
      if (state === "completed") {
        const [rv] = await this.redis.hmget(key, "returnvalue");
        if (rv !== null) this.settle(id, { ok: true, result: JSON.parse(rv) as ProveJobResult });
      } else if (state === "failed") {
        const [reason, made] = await this.redis.hmget(key, "failedReason", "attemptsMade");
        this.settle(id, { ok: false, reason: reason ?? "unknown", attempts: Number(made ?? this.attempts) });
      } else if (state === "unknown" && this.waiters.has(id)) {
        await this.add(id, w.data);
      }
    } catch {
      // Redis unreachable: the next poll tries again
    }
  }

  private pollAll(): void {
    for (const id of this.waiters.keys()) void this.check(id);
  }

  private settle(id: string, r: { ok: true; result: ProveJobResult } | { ok: false; reason: string; attempts: number }): void {
    const w = this.waiters.get(id);
    if (w === undefined) return;
    this.waiters.delete(id);
    if (r.ok) {
      const { proof, publicSignals, witnessMs, proveMs } = r.result;
      w.resolve({ proof, publicSignals, witnessMs, proveMs });
    } else {
      w.reject(new RemoteProveFailedError(id, r.reason, r.attempts));
    }
  }

  /** Rejects the caller now; then removes the job if it waits, or asks its worker to stop. */
  private async abort(id: string, reason: unknown): Promise<void> {
    const w = this.waiters.get(id);
    if (w === undefined) return;
    this.waiters.delete(id);
    w.reject(new ProofAbortedError(reason));
    try {
      // remove() refuses (0) a job a worker holds the lock of
      const removed = await this.queue.remove(id);
      if (removed !== 1) await this.redis.set(cancelKey(this.prefix, id), "1", "EX", CANCEL_TTL_S);
    } catch {
      // best effort: an orphan job only costs a proof nobody waits for
    }
  }
}
