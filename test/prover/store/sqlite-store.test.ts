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
    expect(store.schemaVersion()).to.equal(2);
    await store.close();
    // reopening applies no migration twice
    store = new SqliteJobStore(file);
    expect(store.schemaVersion()).to.equal(2);
    // journal_mode is a property of the file: any other connection sees it
    const other = new Database(file, { readonly: true });
    try {
      expect(other.pragma("journal_mode", { simple: true })).to.equal("wal");
    } finally {
      other.close();
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
