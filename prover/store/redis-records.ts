/**
 * The service's records (records.ts) in Redis, under the deployment's key prefix:
 * `<prefix>:idem:<key>` (a string, expiring after the retention) and
 * `<prefix>:risk:overrides` (a list; an append is one script that checks the length,
 * so two `serve` processes cannot both append the same seq). Durable as the job
 * store is: with `appendonly yes` + `appendfsync always`, before Redis answers.
 */
import Redis from "ioredis";
import type { AuditEntry } from "../risk/overrides";
import { recordJson, type IdempotencyRecord, type ServiceRecords } from "./records";

const APPEND_IF_LENGTH = `
if redis.call('LLEN', KEYS[1]) ~= tonumber(ARGV[1]) then return 0 end
redis.call('RPUSH', KEYS[1], ARGV[2])
return 1`;

/**
 * Deletes finished jobs older than ARGV[2] (ms) under prefix ARGV[1], at most ARGV[3]
 * per call, with every index that names them (state set, batch number, idempotency key)
 * and the reference of their ledger entry (the batch itself stays).
 * Keys: redis-lua.ts. Confirmed jobs below the newest confirmed batch only.
 */
const PRUNE_JOBS = `
local p, cutoff, budget = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local newest = -1
for _, id in ipairs(redis.call('ZRANGE', p .. ':state:confirmed', 0, -1)) do
  local n = tonumber(redis.call('HGET', p .. ':job:' .. id, 'batchNumber'))
  if n and n > newest then newest = n end
end
local deleted = 0
for _, state in ipairs({ 'cancelled', 'confirmed' }) do
  for _, id in ipairs(redis.call('ZRANGE', p .. ':state:' .. state, 0, -1)) do
    if deleted >= budget then return deleted end
    local k = p .. ':job:' .. id
    local f = redis.call('HMGET', k, 'updatedAt', 'batchNumber', 'idempotencyKey')
    local updated, n = tonumber(f[1]), tonumber(f[2])
    if updated and updated < cutoff and (state == 'cancelled' or n < newest) then
      redis.call('DEL', k)
      redis.call('ZREM', p .. ':state:' .. state, id)
      if redis.call('HGET', p .. ':batch', tostring(n)) == id then redis.call('HDEL', p .. ':batch', tostring(n)) end
      local entry = redis.call('HGET', p .. ':ledger', tostring(n))
      if entry then
        local e = cjson.decode(entry)
        if e.jobId == id then
          e.jobId = nil
          redis.call('HSET', p .. ':ledger', tostring(n), cjson.encode(e))
        end
      end
      if f[3] and redis.call('HGET', p .. ':idem', f[3]) == id then redis.call('HDEL', p .. ':idem', f[3]) end
      deleted = deleted + 1
    end
  end
end
return deleted`;

export interface RedisRecordsOptions {
  /** `redis://host:port[/db]` (ignored when `redis` is given). */
  readonly url?: string;
  /** A connection to use; then not closed here. */
  readonly redis?: Redis;
  readonly prefix: string;
  /** Seconds an idempotency record lives (0: forever). */
  readonly retentionS: number;
}

export class RedisRecords implements ServiceRecords {
  private readonly redis: Redis;
  private readonly owned: boolean;

  constructor(private readonly o: RedisRecordsOptions) {
    if (o.redis === undefined && o.url === undefined) throw new RangeError("RedisRecords needs a url or a connection");
    this.owned = o.redis === undefined;
    this.redis = o.redis ?? new Redis(o.url as string, { maxRetriesPerRequest: null });
    // ioredis reconnects by itself; a lost connection is not an error of any one call
    if (this.owned) this.redis.on("error", () => undefined);
  }

  private idem(key: string): string {
    return `${this.o.prefix}:idem:${key}`;
  }

  async getReply(key: string): Promise<IdempotencyRecord | undefined> {
    const r = await this.redis.get(this.idem(key));
    return r === null ? undefined : (JSON.parse(r) as IdempotencyRecord);
  }

  async putReply(key: string, record: IdempotencyRecord): Promise<void> {
    if (this.o.retentionS > 0) await this.redis.set(this.idem(key), recordJson(record), "EX", this.o.retentionS, "NX");
    else await this.redis.set(this.idem(key), recordJson(record), "NX");
  }

  /** Redis expires the records itself (EX retention): nothing to do. */
  async pruneReplies(): Promise<number> {
    return 0;
  }

  async pruneJobs(cutoffMs: number): Promise<number> {
    let total = 0;
    for (;;) {
      // a thousand at a time: one script blocks Redis while it runs
      const n = Number(await this.redis.eval(PRUNE_JOBS, 0, this.o.prefix, String(cutoffMs), "1000"));
      total += n;
      if (n < 1000) return total;
    }
  }

  async readOverrides(): Promise<AuditEntry[]> {
    return (await this.redis.lrange(`${this.o.prefix}:risk:overrides`, 0, -1)).map((s) => JSON.parse(s) as AuditEntry);
  }

  async appendOverride(entry: AuditEntry): Promise<boolean> {
    const r = await this.redis.eval(APPEND_IF_LENGTH, 1, `${this.o.prefix}:risk:overrides`, String(entry.seq - 1), JSON.stringify(entry));
    return r === 1;
  }

  async close(): Promise<void> {
    if (this.owned) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
