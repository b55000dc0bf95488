/**
 * `Idempotency-Key`: a retried write with the same key gets the first answer and
 * makes nothing new. The cache is bounded (oldest key forgotten first); a request
 * that arrives while the first with its key is still running waits for that one.
 * The same key with a different body is refused (PRV_ERR_IDEMPOTENCY_MISMATCH).
 * Batch jobs are also deduplicated by the engine's store, which outlives this cache.
 */
import { createHash } from "node:crypto";
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

/** sha256 of the request's route and body, as the cache compares them. */
export function requestHash(route: string, body: unknown): string {
  return createHash("sha256").update(route).update("\0").update(JSON.stringify(body) ?? "").digest("hex");
}

export class IdempotencyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly limit: number) {}

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
      if (e.bodyHash !== bodyHash) {
        throw new ApiError("PRV_ERR_IDEMPOTENCY_MISMATCH", `Idempotency-Key ${JSON.stringify(key)} was used with a different request body`);
      }
      if (e.reply !== undefined) return { ...e.reply, replayed: true };
      if (e.running !== undefined) return { ...(await e.running), replayed: true };
    }
    const entry: Entry = { bodyHash };
    const running = fn();
    entry.running = running;
    this.entries.set(key, entry);
    try {
      const reply = await running;
      if (reply.statusCode < 500 && reply.statusCode !== 429) {
        entry.reply = reply;
        entry.running = undefined;
        this.evict();
      } else {
        this.entries.delete(key);
      }
      return { ...reply, replayed: false };
    } catch (err) {
      this.entries.delete(key);
      throw err;
    }
  }

  private evict(): void {
    while (this.entries.size > this.limit) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) return;
      this.entries.delete(oldest);
    }
  }
}
