/**
 * Jobs in Redis (docs/operations.md, "Many machines"): the job store that several
 * `zksettle serve` processes share. Job records are hashes; the idempotency keys,
 * live batch numbers, the unfinished set (by batch number), the per-state sets (which
 * give counts and the newest-first list) and the ledger sit next to them under one key
 * prefix per deployment. Every write is one Lua script (redis-lua.ts), so the
 * compare-and-set semantics and errors are the SQLite store's.
 *
 * Durability is Redis's: with `appendonly yes` and `appendfsync always` a write is in
 * the append-only file before Redis answers, so a state the engine acts on survives a
 * Redis restart. `durabilityProblems()` says when the server is not set up that way.
 * The connection waits for Redis to come back instead of failing a write
 * (`maxRetriesPerRequest: null`): the engine pauses while Redis restarts.
 */
import { randomUUID } from "node:crypto";
import Redis from "ioredis";
import type { SerializedBatch } from "../codec/batch-codec";
import type { Groth16Proof } from "../zk/snarkjs";
import {
  JOB_STATES,
  JobConflictError,
  JobNotFoundError,
  type Job,
  type JobFilter,
  type JobPatch,
  type JobState,
  type JobStore,
  type LedgerEntry,
  type NewJob,
  type StoreErrorCode,
  StoreFencedError,
} from "./job-store";
import type { JournalWrite, SequencerJournal } from "./journal";
import { CANCEL_NEWEST, CREATE, JOURNAL_WRITE, LIST, TRANSITION, UNFINISHED } from "./redis-lua";

/** Options of `RedisJobStore`. */
export interface RedisJobStoreOptions {
  /** `redis://host:port[/db]` (ignored when `redis` is given). */
  readonly url?: string;
  /** A connection to use; the store then does not close it. */
  readonly redis?: Redis;
  /** Key prefix of the deployment (`zksettle`; tests use one each). */
  readonly prefix: string;
}

/** HGETALL's flat [field, value, …] as a job. */
function toJob(flat: readonly string[]): Job | undefined {
  if (flat.length === 0) return undefined;
  const h: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) h[flat[i]] = flat[i + 1];
  const opt = <T>(f: string, parse: (s: string) => T): T | undefined => (h[f] === undefined ? undefined : parse(h[f]));
  const job: Job = {
    id: h.id,
    batchNumber: Number(h.batchNumber),
    state: h.state as JobState,
    progress: Number(h.progress),
    attempts: Number(h.attempts),
    ...(h.idempotencyKey !== undefined && { idempotencyKey: h.idempotencyKey }),
    batch: JSON.parse(h.batch) as SerializedBatch,
    batchData: h.batchData,
    oldStateRoot: h.oldStateRoot,
    newStateRoot: h.newStateRoot,
    inputHash: h.inputHash,
    ...(h.proof !== undefined && { proof: JSON.parse(h.proof) as Groth16Proof }),
    ...(h.publicSignals !== undefined && { publicSignals: JSON.parse(h.publicSignals) as string[] }),
    ...(h.txHash !== undefined && { txHash: h.txHash }),
    ...(h.blockNumber !== undefined && { blockNumber: opt("blockNumber", Number) }),
    ...(h.gasUsed !== undefined && { gasUsed: h.gasUsed }),
    ...(h.error !== undefined && { error: JSON.parse(h.error) as Job["error"] }),
    createdAt: Number(h.createdAt),
    updatedAt: Number(h.updatedAt),
    stageMs: JSON.parse(h.stageMs) as Job["stageMs"],
  };
  return job;
}

/** Patch fields stored as JSON (the others as plain strings). */
const JSON_FIELDS = new Set<keyof JobPatch>(["proof", "publicSignals", "error"]);
const PATCH_FIELDS: readonly Exclude<keyof JobPatch, "stageMs">[] = ["progress", "attempts", "proof", "publicSignals", "txHash", "blockNumber", "gasUsed", "error"];

/** The script arguments of a transition: fields to set (as strings) and to clear. */
function moveArgs(id: string, from: readonly JobState[], to: JobState, patch: JobPatch): string {
  if (from.length === 0) throw new RangeError("transition needs at least one `from` state");
  const set: Record<string, string> = {};
  const del: string[] = [];
  for (const f of PATCH_FIELDS) {
    const v = patch[f];
    if (v === undefined) continue;
    if (v === null) del.push(f);
    else set[f] = JSON_FIELDS.has(f) ? JSON.stringify(v) : String(v);
  }
  // `del` may be empty: cjson reads [] and {} alike, and the script only iterates it
  return JSON.stringify({ id, from, to, now: String(Date.now()), set, del, ...(patch.stageMs !== undefined && { stageMs: patch.stageMs }) });
}

export class RedisJobStore implements JobStore, SequencerJournal {
  private readonly redis: Redis;
  private readonly owned: boolean;
  private closed = false;
  /** The key prefix, e.g. `zksettle`. */
  readonly prefix: string;
  /** The lease owner id every write must still hold ('' = unfenced). */
  private owner = "";

  constructor(o: RedisJobStoreOptions) {
    if (o.redis === undefined && o.url === undefined) throw new RangeError("RedisJobStore needs a url or a connection");
    this.prefix = o.prefix;
    this.owned = o.redis === undefined;
    this.redis = o.redis ?? new Redis(o.url as string, { maxRetriesPerRequest: null, lazyConnect: false });
  }

  /**
   * From now on every write (create, transition, cancel) is refused with
   * StoreFencedError unless `<prefix>:leader` holds `owner`, checked in the same script
   * as the write: a leader that lost its lease cannot change a job even with a write
   * that was already on its way.
   */
  fence(owner: string): void {
    this.owner = owner;
  }

  private key(k: string): string {
    return `${this.prefix}:${k}`;
  }

  /**
   * What keeps this store from surviving a Redis restart without loss, read from the
   * server's configuration (empty when it is `appendonly yes` + `appendfsync always`).
   */
  async durabilityProblems(): Promise<string[]> {
    let conf: string[];
    try {
      conf = (await this.redis.call("CONFIG", "GET", "append*")) as string[];
    } catch (err) {
      return [`cannot read the Redis configuration (${(err as Error).message}); make sure it runs with appendonly yes, appendfsync always`];
    }
    const c: Record<string, string> = {};
    for (let i = 0; i < conf.length; i += 2) c[conf[i]] = conf[i + 1];
    const p: string[] = [];
    if (c.appendonly !== "yes") p.push("Redis runs without the append-only file (appendonly no): a restart loses every job since the last snapshot");
    else if (c.appendfsync !== "always") p.push(`Redis fsyncs the append-only file '${c.appendfsync}', not 'always': a power cut may lose the last second of job states`);
    return p;
  }

  async create(job: NewJob): Promise<Job> {
    const now = String(Date.now());
    const id = job.id ?? randomUUID();
    const batch = JSON.stringify(job.batch);
    const fields: Record<string, string> = {
      id,
      batchNumber: String(job.batchNumber),
      progress: "0",
      attempts: "0",
      batch,
      batchData: job.batchData,
      oldStateRoot: job.oldStateRoot,
      newStateRoot: job.newStateRoot,
      inputHash: job.inputHash,
      createdAt: now,
      updatedAt: now,
      ...(job.idempotencyKey !== undefined && { idempotencyKey: job.idempotencyKey }),
    };
    const ledgerEntry = JSON.stringify({ jobId: id, batch, newStateRoot: job.newStateRoot });
    const args = JSON.stringify({ id, batchNumber: job.batchNumber, idempotencyKey: job.idempotencyKey, fields, ledgerEntry });
    const [status, rest] = (await CREATE.run(this.redis, [this.prefix, args, this.owner])) as [string, string[] | string];
    if (status === "OK") return toJob(rest as string[]) as Job;
    if (status === "PRV_ERR_NOT_LEADER") throw new StoreFencedError(this.owner);
    const holder = rest === "" ? undefined : await this.get(rest as string);
    if (status === "PRV_ERR_IDEMPOTENCY_KEY_REUSED") throw new JobConflictError(status, `idempotency key ${job.idempotencyKey} belongs to job ${String(rest)}`, holder);
    throw new JobConflictError("PRV_ERR_BATCH_NUMBER_TAKEN", `batch ${job.batchNumber} already has job ${holder?.id ?? "?"}`, holder);
  }

  async get(id: string): Promise<Job | undefined> {
    return toJob(await this.redis.hgetall(this.key(`job:${id}`)).then(flatten));
  }

  async findByIdempotencyKey(key: string): Promise<Job | undefined> {
    const id = await this.redis.hget(this.key("idem"), key);
    return id === null ? undefined : this.get(id);
  }

  async getByBatchNumber(batchNumber: number): Promise<Job | undefined> {
    const id = await this.redis.hget(this.key("batch"), String(batchNumber));
    return id === null ? undefined : this.get(id);
  }

  async list(filter: JobFilter = {}): Promise<Job[]> {
    const states = filter.states !== undefined && filter.states.length > 0 ? filter.states : JOB_STATES;
    const rows = (await LIST.run(this.redis, [this.prefix, filter.limit ?? 100, ...states])) as string[][];
    return rows.map((r) => toJob(r) as Job);
  }

  async transition(id: string, from: readonly JobState[], to: JobState, patch: JobPatch = {}): Promise<Job> {
    const [status, flat] = (await TRANSITION.run(this.redis, [this.prefix, moveArgs(id, from, to, patch), this.owner])) as [string, string[]];
    return this.outcome(id, status, flat, `cannot move it to ${to}`, from);
  }

  async cancelNewest(id: string, from: readonly JobState[], patch: JobPatch = {}): Promise<Job> {
    const [status, flat, newest] = (await CANCEL_NEWEST.run(this.redis, [this.prefix, moveArgs(id, from, "cancelled", patch), this.owner])) as [string, string[], string?];
    if (status === "PRV_ERR_NOT_NEWEST_BATCH") {
      const job = toJob(flat) as Job;
      throw new JobConflictError(status, `job ${id} proves batch ${job.batchNumber}, not the newest batch ${newest === "" || newest === undefined ? "(none)" : newest}`, job);
    }
    return this.outcome(id, status, flat, "cannot cancel it", from);
  }

  private outcome(id: string, status: string, flat: string[], what: string, from: readonly JobState[]): Job {
    if (status === "PRV_ERR_NOT_LEADER") throw new StoreFencedError(this.owner);
    const job = toJob(flat);
    if (status === "OK" && job) return job;
    if (status === "PRV_ERR_JOB_NOT_FOUND" || !job) throw new JobNotFoundError(id);
    throw new JobConflictError(status as Exclude<StoreErrorCode, "PRV_ERR_JOB_NOT_FOUND">, `job ${id} is ${job.state}, not ${from.join("|")}: ${what}`, job);
  }

  async unfinished(): Promise<Job[]> {
    const rows = (await UNFINISHED.run(this.redis, [this.prefix])) as string[][];
    return rows.map((r) => toJob(r) as Job);
  }

  async unfinishedCount(): Promise<number> {
    return this.redis.zcard(this.key("unfinished"));
  }

  async counts(): Promise<Record<JobState, number>> {
    const pipe = this.redis.pipeline();
    for (const s of JOB_STATES) pipe.zcard(this.key(`state:${s}`));
    const res = (await pipe.exec()) ?? [];
    return Object.fromEntries(JOB_STATES.map((s, i) => [s, Number(res[i]?.[1] ?? 0)])) as Record<JobState, number>;
  }

  async ledger(): Promise<LedgerEntry[]> {
    const all = await this.redis.hgetall(this.key("ledger"));
    return Object.entries(all)
      .map(([n, json]) => {
        const e = JSON.parse(json) as { jobId?: string; batch: string; newStateRoot: string };
        return { batchNumber: Number(n), ...(e.jobId === undefined ? {} : { jobId: e.jobId }), batch: JSON.parse(e.batch) as SerializedBatch, newStateRoot: e.newStateRoot };
      })
      .sort((a, b) => a.batchNumber - b.batchNumber);
  }

  async writeJournal(w: JournalWrite): Promise<void> {
    const del = w.del ?? [];
    const set = Object.fromEntries(w.set ?? []);
    if (del.length === 0 && Object.keys(set).length === 0) return;
    // cjson reads an empty array as {}: the script only iterates `del`, so either works
    const [status] = (await JOURNAL_WRITE.run(this.redis, [this.prefix, JSON.stringify({ set, del }), this.owner])) as [string];
    if (status === "PRV_ERR_NOT_LEADER") throw new StoreFencedError(this.owner);
  }

  async readJournal(): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(this.key("journal"))));
  }

  /** Removes every key of this prefix (tests; a deployment's operator by hand). */
  async destroy(): Promise<void> {
    let cursor = "0";
    do {
      const [next, keys] = await this.redis.scan(cursor, "MATCH", `${this.prefix}:*`, "COUNT", 500);
      if (keys.length > 0) await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== "0");
  }

  async close(): Promise<void> {
    if (this.closed || !this.owned) return;
    this.closed = true;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** HGETALL answers an object; the scripts answer a flat array: one parser for both. */
function flatten(h: Record<string, string>): string[] {
  return Object.entries(h).flat();
}
