/**
 * `Idempotency-Key`: a retried write with the same key gets the first answer and
 * makes nothing new. Bodies are compared canonically (object keys sorted, so the same
 * body with its keys in another order is the same request); the same key with a
 * different body is refused (PRV_ERR_IDEMPOTENCY_MISMATCH). A request that arrives
 * while the first with its key is still running waits for that one.
 *
 * The answers live in a bounded memory cache (oldest key forgotten first) and, when
 * the service has a job store, in its records (prover/store/records.ts): an answer is
 * recorded there before it is sent, so a retry after a restart, or on another `serve`
 * on the same Redis, is still a replay (`Idempotent-Replayed: true`).
 */
import { createHash } from "node:crypto";
import type { IdempotencyRecords } from "../store/records";
import { ApiError } from "./errors";

/** A remembered answer. */
export interface StoredReply {
  readonly statusCode: number;
  readonly body: unknown;
}

interface Entry {
  readonly bodyHash: string;
  reply?: StoredReply;
  running?: Promise<StoredReply>;
}

/** JSON with every object's keys sorted (arrays keep their order). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x === undefined ? null : x)).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** sha256 of the request's route and canonical body, as the cache compares them. */
export function requestHash(route: string, body: unknown): string {
  return createHash("sha256").update(route).update("\0").update(canonicalJson(body)).digest("hex");
}

function mismatch(key: string): ApiError {
  return new ApiError("PRV_ERR_IDEMPOTENCY_MISMATCH", `Idempotency-Key ${JSON.stringify(key)} was used with a different request body`);
}

export class IdempotencyCache {
  private readonly entries = new Map<string, Entry>();

  /**
   * @param limit - keys kept in memory
   * @param records - durable records (absent: memory only)
   */
  constructor(
    private readonly limit: number,
    private readonly records?: IdempotencyRecords,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * Runs `fn` once per key. Only answers below 500 and not 429 are remembered: a
   * refusal for a full queue or an internal error may be retried with the same key.
   * @returns the stored or new reply and whether it was replayed
   */
  async run(key: string, bodyHash: string, fn: () => Promise<StoredReply>): Promise<StoredReply & { replayed: boolean }> {
    const e = this.entries.get(key);
    if (e !== undefined) {
      if (e.bodyHash !== bodyHash) throw mismatch(key);
      if (e.reply !== undefined) return { ...e.reply, replayed: true };
      if (e.running !== undefined) return { ...(await e.running), replayed: true };
    }
    const entry: Entry = { bodyHash };
    const running = this.runOnce(key, bodyHash, fn);
    entry.running = running.then((r) => r.reply);
    entry.running.catch(() => undefined); // a failure is the caller's below; one that no retry awaits is not unhandled
    this.entries.set(key, entry);
    try {
      const { reply, replayed } = await running;
      if (reply.statusCode < 500 && reply.statusCode !== 429) {
        entry.reply = reply;
        entry.running = undefined;
        this.evict();
      } else {
        this.entries.delete(key);
      }
      return { ...reply, replayed };
    } catch (err) {
      this.entries.delete(key);
      throw err;
    }
  }

  /** The durable record's answer, or `fn`'s (recorded before it is returned). */
  private async runOnce(key: string, bodyHash: string, fn: () => Promise<StoredReply>): Promise<{ reply: StoredReply; replayed: boolean }> {
    const stored = await this.records?.getReply(key);
    if (stored !== undefined) {
      if (stored.bodyHash !== bodyHash) throw mismatch(key);
      return { reply: { statusCode: stored.statusCode, body: stored.body }, replayed: true };
    }
    const reply = await fn();
    if (this.records !== undefined && reply.statusCode < 500 && reply.statusCode !== 429) {
      await this.records.putReply(key, { bodyHash, statusCode: reply.statusCode, body: reply.body, at: Date.now() });
    }
    return { reply, replayed: false };
  }

  private evict(): void {
    while (this.entries.size > this.limit) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) return;
      this.entries.delete(oldest);
    }
  }
}
