/**
 * What the service keeps next to the jobs, in the same store (SQLite file or Redis):
 * the answers of idempotent writes (so a retry after a restart is a replay) and the
 * risk overrides' audit log (so every `serve` on one Redis sees the same overrides).
 * Implementations: sqlite-records.ts, redis-records.ts, and `MemoryRecords` here for
 * tests and memory-only services.
 */
import type { AuditEntry } from "../risk/overrides";

/** A recorded answer of an idempotent write. */
export interface IdempotencyRecord {
  /** requestHash of the route and the canonical body (prover/api/idempotency.ts). */
  readonly bodyHash: string;
  readonly statusCode: number;
  /** The answer's JSON body. */
  readonly body: unknown;
  /** ms since epoch; records older than the retention are pruned. */
  readonly at: number;
}

/** Answers of idempotent writes by key. */
export interface IdempotencyRecords {
  getReply(key: string): Promise<IdempotencyRecord | undefined>;
  /** Durable once the promise resolves; a second put for a key keeps the first record. */
  putReply(key: string, record: IdempotencyRecord): Promise<void>;
}

/** The risk overrides' append-only audit log. */
export interface OverridesLog {
  /** The whole log, in order. */
  readOverrides(): Promise<AuditEntry[]>;
  /**
   * Appends `entry` only when the log holds `entry.seq − 1` entries: two processes that
   * change an override at once cannot both append the same seq.
   * @returns false when another writer appended first (read again and retry)
   */
  appendOverride(entry: AuditEntry): Promise<boolean>;
}

/** Both, and the pruning of old records and finished jobs. */
export interface ServiceRecords extends IdempotencyRecords, OverridesLog {
  /** Deletes idempotency records recorded before `cutoffMs`; returns how many. */
  pruneReplies(cutoffMs: number): Promise<number>;
  /**
   * Deletes the job records that finished before `cutoffMs`: cancelled jobs, and
   * confirmed jobs below the newest confirmed batch (the engine reads that one before
   * it submits the next batch). The ledger keeps every batch (it is the state's
   * history, replayed at start); the entry of a pruned job drops its `jobId` in the
   * same transaction, so no entry names a job that no longer exists. Failed jobs are kept: they wait for a retry or
   * a cancel. Returns how many were deleted.
   */
  pruneJobs(cutoffMs: number): Promise<number>;
  close(): Promise<void>;
}

/** JSON with bigints as decimal strings (a reply body may carry them before its schema does). */
export function recordJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x));
}

/** In memory: for tests and a service without a store. */
export class MemoryRecords implements ServiceRecords {
  private readonly replies = new Map<string, string>();
  private readonly log: AuditEntry[] = [];

  async getReply(key: string): Promise<IdempotencyRecord | undefined> {
    const r = this.replies.get(key);
    return r === undefined ? undefined : (JSON.parse(r) as IdempotencyRecord);
  }

  async putReply(key: string, record: IdempotencyRecord): Promise<void> {
    if (!this.replies.has(key)) this.replies.set(key, recordJson(record));
  }

  async readOverrides(): Promise<AuditEntry[]> {
    return [...this.log];
  }

  async appendOverride(entry: AuditEntry): Promise<boolean> {
    if (this.log.length !== entry.seq - 1) return false;
    this.log.push(entry);
    return true;
  }

  async pruneReplies(cutoffMs: number): Promise<number> {
    let n = 0;
    for (const [k, v] of this.replies) {
      if ((JSON.parse(v) as IdempotencyRecord).at < cutoffMs) {
        this.replies.delete(k);
        n++;
      }
    }
    return n;
  }

  /** No jobs here. */
  async pruneJobs(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {}
}
