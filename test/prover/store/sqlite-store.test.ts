/**
 * SqliteJobStore: the shared JobStore specification (job-store.suite.ts) on a temporary
 * file, then what only SQLite has: WAL with synchronous = FULL, schema versions, and a
 * writer killed with SIGKILL losing nothing.
 */
import fs from "node:fs";
import path from "node:path";
import { fork } from "node:child_process";
import { expect } from "chai";
import Database from "better-sqlite3";
import type { JobStore } from "../../../prover/store/job-store";
import { SqliteJobStore } from "../../../prover/store/sqlite-store";
import { tempDir } from "../service/fixtures";
import { describeJobStore } from "./job-store.suite";

describeJobStore("prover/store: SqliteJobStore", async () => {
  const dir = tempDir();
  const file = path.join(dir, "jobs.sqlite");
  const handles: JobStore[] = [new SqliteJobStore(file)];
  return {
    store: handles[0],
    async open() {
      const s = new SqliteJobStore(file);
      handles.push(s);
      return s;
    },
    async destroy() {
      for (const h of handles) await h.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe("prover/store: SqliteJobStore on disk", function () {
  let dir: string;
  let file: string;
  let store: SqliteJobStore;

  beforeEach(function () {
    dir = tempDir();
    file = path.join(dir, "jobs.sqlite");
    store = new SqliteJobStore(file);
  });

  afterEach(async function () {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("opens in WAL mode with synchronous = FULL and records its schema version", async function () {
    expect(store.schemaVersion()).to.equal(3);
    await store.close();
    // reopening applies no migration twice
    store = new SqliteJobStore(file);
    expect(store.schemaVersion()).to.equal(3);
    // journal_mode is a property of the file: any other connection sees it
    const other = new Database(file, { readonly: true });
    try {
      expect(other.pragma("journal_mode", { simple: true })).to.equal("wal");
    } finally {
      other.close();
    }
  });

  it("migrates a version-2 file whose ledger names pruned jobs: those entries drop the reference, the others keep theirs", async function () {
    const a = await store.create({ batchNumber: 1, batch: { header: {}, ops: [], deposits: [] } as never, batchData: "0x00", oldStateRoot: "0", newStateRoot: "1", inputHash: "1" });
    const b = await store.create({ batchNumber: 2, batch: { header: {}, ops: [], deposits: [] } as never, batchData: "0x00", oldStateRoot: "1", newStateRoot: "2", inputHash: "2" });
    await store.close();
    // back to version 2 as it was: job_id NOT NULL, and a prune that left batch 1's id behind
    const raw = new Database(file);
    raw.pragma("foreign_keys = OFF");
    raw.exec(`CREATE TABLE ledger_v2 (batch_number INTEGER PRIMARY KEY, job_id TEXT NOT NULL UNIQUE REFERENCES jobs (id), batch_json TEXT NOT NULL, new_state_root TEXT NOT NULL);
      INSERT INTO ledger_v2 SELECT * FROM ledger; DROP TABLE ledger; ALTER TABLE ledger_v2 RENAME TO ledger;
      DELETE FROM schema_migrations WHERE version = 3;`);
    raw.prepare("DELETE FROM jobs WHERE id = ?").run(a.id);
    expect(raw.pragma("foreign_key_check")).to.have.length(1);
    raw.close();
    store = new SqliteJobStore(file);
    expect(store.schemaVersion()).to.equal(3);
    expect((await store.ledger()).map((e) => [e.batchNumber, e.jobId])).to.deep.equal([[1, undefined], [2, b.id]]);
    const check = new Database(file, { readonly: true });
    try {
      expect(check.pragma("foreign_key_check")).to.deep.equal([]);
    } finally {
      check.close();
    }
  });

  it("keeps every job and state after the writing process is killed (kill -9)", async function () {
    await store.close();
    // A child process writes jobs and transitions, then dies without closing the database.
    const child = fork(path.join(__dirname, "crash-writer.ts"), [file], { execArgv: ["-r", "ts-node/register/transpile-only"], stdio: "pipe" });
    const written = await new Promise<string>((resolve, reject) => {
      child.on("message", (m) => resolve(String(m)));
      child.on("error", reject);
      child.on("exit", (code) => reject(new Error(`writer exited with ${code} before reporting`)));
    });
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const ids = JSON.parse(written) as string[];
    store = new SqliteJobStore(file);
    expect((await store.list()).map((j) => j.id).sort()).to.deep.equal([...ids].sort());
    expect((await store.unfinished()).map((j) => j.state)).to.deep.equal(["proving", "submitting"]);
    expect(await store.ledger()).to.have.length(3);
  });
});
