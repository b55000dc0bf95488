/**
 * The Lua scripts of the Redis job store (redis-store.ts). Each runs atomically in
 * Redis, so a compare-and-set or a cancel of the newest batch cannot interleave with
 * another process's write. Keys are built from the prefix inside the scripts: the store
 * needs one Redis (not a cluster), the deployment's one (docs/operations.md).
 *
 * Keys under prefix P:
 * ```
 * P:job:<id>       hash   the job's fields (JSON for batch, proof, publicSignals, error, stageMs)
 * P:idem           hash   idempotency key → job id
 * P:batch          hash   batch number → id of its job that is not cancelled
 * P:unfinished     zset   job ids not confirmed/failed/cancelled, score = batch number
 * P:state:<state>  zset   job ids in that state, score = creation sequence
 * P:seq            string creation sequence
 * P:ledger         hash   batch number → {"jobId","batch","newStateRoot"} JSON
 * P:ledger:n       zset   batch numbers of the ledger (score = member = number)
 * P:journal        hash   the sequencer's journal (journal.ts): key → JSON
 * P:leader         string the leader lease (prover/service/leader.ts): a fenced store
 *                         writes only while it holds the owner id given as ARGV[3]
 * ```
 */
import { createHash } from "node:crypto";
import type Redis from "ioredis";

/** A script run by its SHA1, loaded again when Redis has forgotten it (after a restart). */
export class LuaScript {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash("sha1").update(source).digest("hex");
  }

  async run(redis: Redis, args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, 0, ...args);
    } catch (err) {
      if (!String((err as Error).message).includes("NOSCRIPT")) throw err;
      return redis.eval(this.source, 0, ...args);
    }
  }
}

const FINAL = `local FINAL = { confirmed = true, failed = true, cancelled = true }\n`;

/** Refuses a write from a process that no longer holds the leader lease (ARGV[3]: its owner id, or ''). */
const FENCE = `
if ARGV[3] ~= nil and ARGV[3] ~= '' and redis.call('GET', ARGV[1] .. ':leader') ~= ARGV[3] then
  return { 'PRV_ERR_NOT_LEADER', {} }
end
`;

/**
 * move(p, a): the compare-and-set transition. `a` = {id, to, now, from[], set{field:
 * string}, del[], stageMs?}. Returns "OK" or the error code.
 */
const MOVE = `${FINAL}
local function move(p, a)
  local k = p .. ':job:' .. a.id
  local state = redis.call('HGET', k, 'state')
  if not state then return 'PRV_ERR_JOB_NOT_FOUND' end
  local allowed = false
  for _, s in ipairs(a.from) do if s == state then allowed = true end end
  if not allowed then return 'PRV_ERR_JOB_STATE_CONFLICT' end
  local seq = redis.call('HGET', k, 'seq')
  local n = redis.call('HGET', k, 'batchNumber')
  for f, v in pairs(a.set) do redis.call('HSET', k, f, v) end
  for _, f in ipairs(a.del) do redis.call('HDEL', k, f) end
  if type(a.stageMs) == 'table' then
    local cur = cjson.decode(redis.call('HGET', k, 'stageMs'))
    for s, ms in pairs(a.stageMs) do cur[s] = ms end
    -- cjson writes an empty table as {}: right for this object
    redis.call('HSET', k, 'stageMs', cjson.encode(cur))
  end
  redis.call('HSET', k, 'state', a.to, 'updatedAt', a.now)
  redis.call('ZREM', p .. ':state:' .. state, a.id)
  redis.call('ZADD', p .. ':state:' .. a.to, seq, a.id)
  if FINAL[a.to] then redis.call('ZREM', p .. ':unfinished', a.id) else redis.call('ZADD', p .. ':unfinished', n, a.id) end
  -- a cancelled batch's number is cut again by the next batch
  if a.to == 'cancelled' and redis.call('HGET', p .. ':batch', n) == a.id then redis.call('HDEL', p .. ':batch', n) end
  return 'OK'
end
`;

/** ARGV: prefix, JSON {id, batchNumber, idempotencyKey?, fields{...}, ledgerEntry}, fence. Returns {"OK", hgetall} or {code, holderId}. */
export const CREATE = new LuaScript(`${FENCE}
local p = ARGV[1]
local a = cjson.decode(ARGV[2])
local n = tostring(a.batchNumber)
local key = a.idempotencyKey
if type(key) == 'string' then
  local holder = redis.call('HGET', p .. ':idem', key)
  if holder then return { 'PRV_ERR_IDEMPOTENCY_KEY_REUSED', holder } end
end
local taken = redis.call('HGET', p .. ':batch', n)
if taken then return { 'PRV_ERR_BATCH_NUMBER_TAKEN', taken } end
if redis.call('HEXISTS', p .. ':ledger', n) == 1 or redis.call('EXISTS', p .. ':job:' .. a.id) == 1 then
  return { 'PRV_ERR_BATCH_NUMBER_TAKEN', '' }
end
local seq = redis.call('INCR', p .. ':seq')
local k = p .. ':job:' .. a.id
for f, v in pairs(a.fields) do redis.call('HSET', k, f, v) end
redis.call('HSET', k, 'seq', seq, 'state', 'queued', 'stageMs', '{}')
if type(key) == 'string' then redis.call('HSET', p .. ':idem', key, a.id) end
redis.call('HSET', p .. ':batch', n, a.id)
redis.call('HSET', p .. ':ledger', n, a.ledgerEntry)
redis.call('ZADD', p .. ':ledger:n', n, n)
redis.call('ZADD', p .. ':unfinished', n, a.id)
redis.call('ZADD', p .. ':state:queued', seq, a.id)
return { 'OK', redis.call('HGETALL', k) }
`);

/** ARGV: prefix, JSON move args, fence. Returns {"OK", hgetall} or {code, hgetall-or-empty}. */
export const TRANSITION = new LuaScript(`${MOVE}${FENCE}
local p = ARGV[1]
local a = cjson.decode(ARGV[2])
local r = move(p, a)
return { r, redis.call('HGETALL', p .. ':job:' .. a.id) }
`);

/** ARGV: prefix, JSON move args (to = cancelled), fence. Returns as TRANSITION, or {"PRV_ERR_NOT_NEWEST_BATCH", hgetall, newest}. */
export const CANCEL_NEWEST = new LuaScript(`${MOVE}${FENCE}
local p = ARGV[1]
local a = cjson.decode(ARGV[2])
local k = p .. ':job:' .. a.id
local n = redis.call('HGET', k, 'batchNumber')
if not n then return { 'PRV_ERR_JOB_NOT_FOUND', {} } end
local newest = redis.call('ZREVRANGE', p .. ':ledger:n', 0, 0)[1]
if newest ~= n then return { 'PRV_ERR_NOT_NEWEST_BATCH', redis.call('HGETALL', k), newest or '' } end
local r = move(p, a)
if r == 'OK' then
  local entry = redis.call('HGET', p .. ':ledger', n)
  if entry and cjson.decode(entry).jobId == a.id then
    redis.call('HDEL', p .. ':ledger', n)
    redis.call('ZREM', p .. ':ledger:n', n)
  end
end
return { r, redis.call('HGETALL', k) }
`);

/** ARGV: prefix. Every unfinished job (hgetall each), by batch number: one consistent snapshot. */
export const UNFINISHED = new LuaScript(`
local p = ARGV[1]
local out = {}
for i, id in ipairs(redis.call('ZRANGE', p .. ':unfinished', 0, -1)) do out[i] = redis.call('HGETALL', p .. ':job:' .. id) end
return out
`);

/** ARGV: prefix, limit, state... The newest `limit` jobs in those states (hgetall each). */
export const LIST = new LuaScript(`
local p = ARGV[1]
local limit = tonumber(ARGV[2])
local found = {}
for i = 3, #ARGV do
  local r = redis.call('ZREVRANGE', p .. ':state:' .. ARGV[i], 0, limit - 1, 'WITHSCORES')
  for j = 1, #r, 2 do table.insert(found, { tonumber(r[j + 1]), r[j] }) end
end
table.sort(found, function(x, y) return x[1] > y[1] end)
local out = {}
for i = 1, math.min(limit, #found) do out[i] = redis.call('HGETALL', p .. ':job:' .. found[i][2]) end
return out
`);

/** ARGV: prefix, JSON {set{key: value}, del[]}, fence. Sets and removes journal keys in one step. Returns {"OK"} or {"PRV_ERR_NOT_LEADER"}. */
export const JOURNAL_WRITE = new LuaScript(`${FENCE}
local a = cjson.decode(ARGV[2])
local k = ARGV[1] .. ':journal'
for _, f in ipairs(a.del) do redis.call('HDEL', k, f) end
for f, v in pairs(a.set) do redis.call('HSET', k, f, v) end
return { 'OK' }
`);
