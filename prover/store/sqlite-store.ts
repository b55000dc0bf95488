/**
 * The job store on SQLite (better-sqlite3): WAL with `synchronous = FULL`, so that a
 * state the engine recorded is on disk before it acts, even across a power cut. Every
 * transition is one `UPDATE … WHERE id = ? AND state IN (…) RETURNING *` statement: a
 * compare-and-set that cannot interleave with another writer. The ledger of cut batches
 * lives in the same file and is written in the transaction that creates the job.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
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
} from "./job-store";
import type { JournalWrite, SequencerJournal } from "./journal";

/** Schema versions, applied in order, each once (recorded in `schema_migrations`). */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE jobs (
     id TEXT PRIMARY KEY,
     batch_number INTEGER NOT NULL,
     state TEXT NOT NULL CHECK (state IN (${JOB_STATES.map((s) => `'${s}'`).join(", ")})),
     progress REAL NOT NULL DEFAULT 0,
     attempts INTEGER NOT NULL DEFAULT 0,
     idempotency_key TEXT UNIQUE,
     batch_json TEXT NOT NULL,
     batch_data TEXT NOT NULL,
     old_state_root TEXT NOT NULL,
     new_state_root TEXT NOT NULL,
     input_hash TEXT NOT NULL,
     proof_json TEXT,
     public_signals_json TEXT,
     tx_hash TEXT,
     block_number INTEGER,
     gas_used TEXT,
     error_json TEXT,
     stage_ms_json TEXT NOT NULL DEFAULT '{}',
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   -- a cancelled batch's number is cut again by the next batch
   CREATE UNIQUE INDEX jobs_batch_number ON jobs (batch_number) WHERE state <> 'cancelled';
   CREATE INDEX jobs_state ON jobs (state, batch_number);
   CREATE TABLE ledger (
     batch_number INTEGER PRIMARY KEY,
     job_id TEXT NOT NULL UNIQUE REFERENCES jobs (id),
     batch_json TEXT NOT NULL,
     new_state_root TEXT NOT NULL
   );`,
  // the sequencer's journal (journal.ts): acknowledged ops not yet in the ledger
  `CREATE TABLE sequencer_journal (
     key TEXT PRIMARY KEY,
     value TEXT NOT NULL
   );`,
  // a pruned job (sqlite-records.ts) leaves its batch in the ledger without a job: the
  // entry drops the reference instead of naming a row that no longer exists
  `CREATE TABLE ledger_v3 (
     batch_number INTEGER PRIMARY KEY,
     job_id TEXT UNIQUE REFERENCES jobs (id) ON DELETE SET NULL,
     batch_json TEXT NOT NULL,
     new_state_root TEXT NOT NULL
   );
   INSERT INTO ledger_v3 SELECT l.batch_number, (SELECT j.id FROM jobs j WHERE j.id = l.job_id), l.batch_json, l.new_state_root FROM ledger l;
   DROP TABLE ledger;
   ALTER TABLE ledger_v3 RENAME TO ledger;`,
];

interface JobRow {
  id: string;
  batch_number: number;
  state: JobState;
  progress: number;
  attempts: number;
  idempotency_key: string | null;
  batch_json: string;
  batch_data: string;
  old_state_root: string;
  new_state_root: string;
  input_hash: string;
  proof_json: string | null;
  public_signals_json: string | null;
  tx_hash: string | null;
  block_number: number | null;
  gas_used: string | null;
  error_json: string | null;
  stage_ms_json: string;
  created_at: number;
  updated_at: number;
}

function toJob(r: JobRow): Job {
  return {
    id: r.id,
    batchNumber: r.batch_number,
    state: r.state,
    progress: r.progress,
    attempts: r.attempts,
    ...(r.idempotency_key !== null && { idempotencyKey: r.idempotency_key }),
    batch: JSON.parse(r.batch_json) as SerializedBatch,
    batchData: r.batch_data,
    oldStateRoot: r.old_state_root,
    newStateRoot: r.new_state_root,
    inputHash: r.input_hash,
    ...(r.proof_json !== null && { proof: JSON.parse(r.proof_json) as Groth16Proof }),
    ...(r.public_signals_json !== null && { publicSignals: JSON.parse(r.public_signals_json) as string[] }),
    ...(r.tx_hash !== null && { txHash: r.tx_hash }),
    ...(r.block_number !== null && { blockNumber: r.block_number }),
    ...(r.gas_used !== null && { gasUsed: r.gas_used }),
    ...(r.error_json !== null && { error: JSON.parse(r.error_json) as Job["error"] }),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    stageMs: JSON.parse(r.stage_ms_json) as Job["stageMs"],
  };
}

/** Patch field → column and encoding (JSON for structured values; null clears). */
const PATCH_COLUMNS: Record<Exclude<keyof JobPatch, "stageMs">, { column: string; json: boolean }> = {
  progress: { column: "progress", json: false },
  attempts: { column: "attempts", json: false },
  proof: { column: "proof_json", json: true },
  publicSignals: { column: "public_signals_json", json: true },
  txHash: { column: "tx_hash", json: false },
  blockNumber: { column: "block_number", json: false },
  gasUsed: { column: "gas_used", json: false },
  error: { column: "error_json", json: true },
};

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Database.SqliteError && err.code === "SQLITE_CONSTRAINT_UNIQUE";
}

export class SqliteJobStore implements JobStore, SequencerJournal {
  private readonly db: Database.Database;
  private readonly updates = new Map<string, Database.Statement>();

  /**
   * Opens (creating if needed) the store at `file` and applies pending migrations.
   * @param file - the SQLite file (its folder is created); ":memory:" for a throwaway store
   */
  constructor(file: string) {
    if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.pragma("foreign_keys = ON");
    // another process (a CLI reading jobs) may hold the write lock for a moment
    this.db.pragma("busy_timeout = 5000");
    this.migrate();
  }

  private migrate(): void {
    this.db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
    const row = this.db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as { v: number | null };
    const current = row.v ?? 0;
    if (current > MIGRATIONS.length) throw new Error(`job store schema version ${current} is newer than this prover (${MIGRATIONS.length})`);
    this.db.transaction(() => {
      for (let v = current + 1; v <= MIGRATIONS.length; v++) {
        this.db.exec(MIGRATIONS[v - 1]);
        this.db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)").run(v, Date.now());
      }
    })();
  }

  /** The schema version of the open file. */
  schemaVersion(): number {
    return (this.db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as { v: number }).v;
  }

  async create(job: NewJob): Promise<Job> {
    const now = Date.now();
    const id = job.id ?? randomUUID();
    const batchJson = JSON.stringify(job.batch);
    const insert = this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO jobs (id, batch_number, state, idempotency_key, batch_json, batch_data, old_state_root, new_state_root, input_hash, created_at, updated_at)
           VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, job.batchNumber, job.idempotencyKey ?? null, batchJson, job.batchData, job.oldStateRoot, job.newStateRoot, job.inputHash, now, now);
      this.db.prepare("INSERT INTO ledger (batch_number, job_id, batch_json, new_state_root) VALUES (?, ?, ?, ?)").run(job.batchNumber, id, batchJson, job.newStateRoot);
    });
    try {
      insert();
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const holder = job.idempotencyKey === undefined ? undefined : this.byKey(job.idempotencyKey);
      if (holder) throw new JobConflictError("PRV_ERR_IDEMPOTENCY_KEY_REUSED", `idempotency key ${job.idempotencyKey} belongs to job ${holder.id}`, holder);
      const taken = this.byBatch(job.batchNumber);
      throw new JobConflictError("PRV_ERR_BATCH_NUMBER_TAKEN", `batch ${job.batchNumber} already has job ${taken?.id ?? "?"}`, taken);
    }
    return this.mustGet(id);
  }

  async get(id: string): Promise<Job | undefined> {
    return this.byId(id);
  }

  // better-sqlite3 is synchronous: the public methods are async for the interface, the
  // private ones below keep a transaction's reads and writes in one synchronous block.
  private byId(id: string): Job | undefined {
    const r = this.db.prepare("SELECT * FROM jobs WHERE id = ?").get(id) as JobRow | undefined;
    return r && toJob(r);
  }

  private mustGet(id: string): Job {
    const j = this.byId(id);
    if (!j) throw new JobNotFoundError(id);
    return j;
  }

  async findByIdempotencyKey(key: string): Promise<Job | undefined> {
    return this.byKey(key);
  }

  private byKey(key: string): Job | undefined {
    const r = this.db.prepare("SELECT * FROM jobs WHERE idempotency_key = ?").get(key) as JobRow | undefined;
    return r && toJob(r);
  }

  async getByBatchNumber(batchNumber: number): Promise<Job | undefined> {
    return this.byBatch(batchNumber);
  }

  private byBatch(batchNumber: number): Job | undefined {
    const r = this.db.prepare("SELECT * FROM jobs WHERE batch_number = ? AND state <> 'cancelled'").get(batchNumber) as JobRow | undefined;
    return r && toJob(r);
  }

  async list(filter: JobFilter = {}): Promise<Job[]> {
    const states = filter.states ?? [];
    const where = states.length > 0 ? `WHERE state IN (${states.map(() => "?").join(", ")})` : "";
    const rows = this.db
      .prepare(`SELECT * FROM jobs ${where} ORDER BY created_at DESC, batch_number DESC LIMIT ?`)
      .all(...states, filter.limit ?? 100) as JobRow[];
    return rows.map(toJob);
  }

  /** One prepared UPDATE per shape of patch and `from` list (a handful in practice). */
  private updateStatement(fields: readonly string[], nFrom: number, stageMs: boolean): Database.Statement {
    const key = `${fields.join(",")}|${nFrom}|${stageMs}`;
    let stmt = this.updates.get(key);
    if (!stmt) {
      const sets = ["state = @to", "updated_at = @now", ...fields.map((f) => `${PATCH_COLUMNS[f as keyof typeof PATCH_COLUMNS].column} = @${f}`)];
      if (stageMs) sets.push("stage_ms_json = json_patch(stage_ms_json, @stageMs)");
      const from = Array.from({ length: nFrom }, (_, i) => `@from${i}`).join(", ");
      stmt = this.db.prepare(`UPDATE jobs SET ${sets.join(", ")} WHERE id = @id AND state IN (${from}) RETURNING *`);
      this.updates.set(key, stmt);
    }
    return stmt;
  }

  async transition(id: string, from: readonly JobState[], to: JobState, patch: JobPatch = {}): Promise<Job> {
    return this.move(id, from, to, patch);
  }

  private move(id: string, from: readonly JobState[], to: JobState, patch: JobPatch = {}): Job {
    if (from.length === 0) throw new RangeError("transition needs at least one `from` state");
    const fields = (Object.keys(PATCH_COLUMNS) as (keyof typeof PATCH_COLUMNS)[]).filter((f) => patch[f] !== undefined);
    const params: Record<string, unknown> = { id, to, now: Date.now() };
    from.forEach((s, i) => (params[`from${i}`] = s));
    for (const f of fields) {
      const v = patch[f];
      params[f] = v === null ? null : PATCH_COLUMNS[f].json ? JSON.stringify(v) : v;
    }
    if (patch.stageMs) params.stageMs = JSON.stringify(patch.stageMs);
    const row = this.updateStatement(fields, from.length, patch.stageMs !== undefined).get(params) as JobRow | undefined;
    if (row) return toJob(row);
    const current = this.mustGet(id);
    throw new JobConflictError("PRV_ERR_JOB_STATE_CONFLICT", `job ${id} is ${current.state}, not ${from.join("|")}: cannot move it to ${to}`, current);
  }

  async cancelNewest(id: string, from: readonly JobState[], patch: JobPatch = {}): Promise<Job> {
    return this.db.transaction(() => {
      const job = this.mustGet(id);
      const newest = (this.db.prepare("SELECT MAX(batch_number) AS n FROM ledger").get() as { n: number | null }).n;
      if (job.batchNumber !== newest) {
        throw new JobConflictError("PRV_ERR_NOT_NEWEST_BATCH", `job ${id} proves batch ${job.batchNumber}, not the newest batch ${newest ?? "(none)"}`, job);
      }
      const cancelled = this.move(id, from, "cancelled", patch);
      this.db.prepare("DELETE FROM ledger WHERE batch_number = ? AND job_id = ?").run(job.batchNumber, id);
      return cancelled;
    })();
  }

  async unfinished(): Promise<Job[]> {
    const rows = this.db
      .prepare("SELECT * FROM jobs WHERE state NOT IN ('confirmed', 'failed', 'cancelled') ORDER BY batch_number")
      .all() as JobRow[];
    return rows.map(toJob);
  }

  async unfinishedCount(): Promise<number> {
    const row = this.db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE state NOT IN ('confirmed', 'failed', 'cancelled')").get() as { n: number };
    return row.n;
  }

  async counts(): Promise<Record<JobState, number>> {
    const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    for (const r of this.db.prepare("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state").all() as { state: JobState; n: number }[]) {
      counts[r.state] = r.n;
    }
    return counts;
  }

  async ledger(): Promise<LedgerEntry[]> {
    const rows = this.db.prepare("SELECT * FROM ledger ORDER BY batch_number").all() as {
      batch_number: number;
      job_id: string | null;
      batch_json: string;
      new_state_root: string;
    }[];
    return rows.map((r) => ({ batchNumber: r.batch_number, ...(r.job_id === null ? {} : { jobId: r.job_id }), batch: JSON.parse(r.batch_json) as SerializedBatch, newStateRoot: r.new_state_root }));
  }

  async writeJournal(w: JournalWrite): Promise<void> {
    const put = this.db.prepare("INSERT INTO sequencer_journal (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    const del = this.db.prepare("DELETE FROM sequencer_journal WHERE key = ?");
    this.db.transaction(() => {
      for (const k of w.del ?? []) del.run(k);
      for (const [k, v] of w.set ?? []) put.run(k, v);
    })();
  }

  async readJournal(): Promise<Map<string, string>> {
    const rows = this.db.prepare("SELECT key, value FROM sequencer_journal").all() as { key: string; value: string }[];
    return new Map(rows.map((r) => [r.key, r.value]));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
