/**
 * The service's records (records.ts) in the job store's SQLite file, in tables of
 * their own (`idempotency`, `risk_overrides`) on a second connection: WAL lets it
 * write next to the job store's, and `synchronous = FULL` makes a record durable
 * before the answer that depends on it is sent.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { AuditEntry } from "../risk/overrides";
import { recordJson, type IdempotencyRecord, type ServiceRecords } from "./records";

export class SqliteRecords implements ServiceRecords {
  private readonly db: Database.Database;

  /** @param file - the job store's SQLite file (":memory:" for a throwaway one) */
  constructor(file: string) {
    if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.pragma("busy_timeout = 5000");
    this.db.pragma("foreign_keys = OFF");
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, record_json TEXT NOT NULL, at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS idempotency_at ON idempotency (at);
      CREATE TABLE IF NOT EXISTS risk_overrides (seq INTEGER PRIMARY KEY, entry_json TEXT NOT NULL);`);
  }

  async getReply(key: string): Promise<IdempotencyRecord | undefined> {
    const r = this.db.prepare("SELECT record_json FROM idempotency WHERE key = ?").get(key) as { record_json: string } | undefined;
    return r === undefined ? undefined : (JSON.parse(r.record_json) as IdempotencyRecord);
  }

  async putReply(key: string, record: IdempotencyRecord): Promise<void> {
    this.db.prepare("INSERT OR IGNORE INTO idempotency (key, record_json, at) VALUES (?, ?, ?)").run(key, recordJson(record), record.at);
  }

  async pruneReplies(cutoffMs: number): Promise<number> {
    return this.db.prepare("DELETE FROM idempotency WHERE at < ?").run(cutoffMs).changes;
  }

  /**
   * One transaction: the ledger entries of the pruned jobs drop their reference (the
   * batch stays: it is the state's history), then the jobs go. This connection does not
   * enforce foreign keys (the job store's does), so the reference is cleared here.
   */
  async pruneJobs(cutoffMs: number): Promise<number> {
    if (!this.hasJobs()) return 0;
    return this.db.transaction(() => {
      const ids = this.db
        .prepare(
          `SELECT id FROM jobs WHERE updated_at < ? AND (state = 'cancelled'
             OR (state = 'confirmed' AND batch_number < (SELECT MAX(batch_number) FROM jobs WHERE state = 'confirmed')))`,
        )
        .all(cutoffMs) as { id: string }[];
      const unlink = this.db.prepare("UPDATE ledger SET job_id = NULL WHERE job_id = ?");
      const drop = this.db.prepare("DELETE FROM jobs WHERE id = ?");
      for (const { id } of ids) {
        unlink.run(id);
        drop.run(id);
      }
      return ids.length;
    })();
  }

  private hasJobs(): boolean {
    return this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'jobs'").get() !== undefined;
  }

  async readOverrides(): Promise<AuditEntry[]> {
    return (this.db.prepare("SELECT entry_json FROM risk_overrides ORDER BY seq").all() as { entry_json: string }[]).map((r) => JSON.parse(r.entry_json) as AuditEntry);
  }

  async appendOverride(entry: AuditEntry): Promise<boolean> {
    return this.db.transaction(() => {
      const n = (this.db.prepare("SELECT COUNT(*) AS n FROM risk_overrides").get() as { n: number }).n;
      if (n !== entry.seq - 1) return false;
      this.db.prepare("INSERT INTO risk_overrides (seq, entry_json) VALUES (?, ?)").run(entry.seq, JSON.stringify(entry));
      return true;
    })();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
