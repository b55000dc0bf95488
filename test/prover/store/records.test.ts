/**
 * The service's records next to the jobs (issue 19 item 4), on SQLite and on Redis:
 * finished jobs are pruned after the retention while the ledger keeps every batch and
 * the newest confirmed job stays for the engine; the risk overrides' log is shared by
 * every process on the store, and two processes appending at once lose nothing.
 */
import { expect } from "chai";
import Database from "better-sqlite3";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CI_PARAMS } from "../../../prover/dev/fixtures";
import { defaultRiskConfig } from "../../../prover/risk/controls";
import { serializeBatch } from "../../../prover/codec/batch-codec";
import { pruneOnce } from "../../../prover/service/housekeeping";
import { RiskLoop } from "../../../prover/service/risk-loop";
import type { JobStore } from "../../../prover/store/job-store";
import { RedisJobStore } from "../../../prover/store/redis-store";
import { RedisRecords } from "../../../prover/store/redis-records";
import type { ServiceRecords } from "../../../prover/store/records";
import { SqliteJobStore } from "../../../prover/store/sqlite-store";
import { SqliteRecords } from "../../../prover/store/sqlite-records";
import { ensureRedis } from "../../helpers/redis-server";
import { ciGenesis, scenario } from "../service/fixtures";
import type { NewJob } from "../../../prover/store/job-store";
import type { SerializedBatch } from "../../../prover/codec/batch-codec";

let batches: SerializedBatch[] = [];
function newJob(n: number, extra: Partial<NewJob> = {}): NewJob {
  return { batchNumber: n, batch: batches[(n - 1) % batches.length], batchData: "0x00", oldStateRoot: `${n - 1}`, newStateRoot: `${n}`, inputHash: `${1000 + n}`, ...extra };
}

interface Backend {
  store: JobStore;
  /** A new records handle on the same storage (another process). */
  records(): ServiceRecords;
  reopen(): Promise<JobStore>;
  /** SQLite: what `PRAGMA foreign_key_check` finds. */
  foreignKeyProblems?(): unknown[];
}

const backends: [string, () => Promise<Backend>][] = [
  [
    "SQLite",
    async () => {
      const file = join(mkdtempSync(join(tmpdir(), "zksettle-records-")), "jobs.sqlite");
      const foreignKeyProblems = (): unknown[] => {
        const db = new Database(file, { readonly: true });
        try {
          return db.pragma("foreign_key_check") as unknown[];
        } finally {
          db.close();
        }
      };
      return { store: new SqliteJobStore(file), records: () => new SqliteRecords(file), reopen: async () => new SqliteJobStore(file), foreignKeyProblems };
    },
  ],
  [
    "Redis",
    async () => {
      const url = await ensureRedis();
      const prefix = `records-test-${process.pid}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
      return {
        store: new RedisJobStore({ url, prefix }),
        records: () => new RedisRecords({ url, prefix, retentionS: 60 }),
        reopen: async () => new RedisJobStore({ url, prefix }),
      };
    },
  ],
];

for (const [name, make] of backends) {
  describe(`# ${name}: service records`, function () {
    this.timeout(60_000);
    before(async function () {
      if (batches.length === 0) batches = scenario(await ciGenesis(), 2).batches.map(serializeBatch);
    });

    it("prunes cancelled jobs and confirmed jobs below the newest confirmed one after the retention; keeps failed, unfinished, the newest confirmed and the whole ledger, whose entries drop the pruned jobs' ids", async function () {
      const b = await make();
      const records = b.records();
      const s = b.store;
      try {
        const ids: string[] = [];
        for (let n = 1; n <= 5; n++) ids.push((await s.create(newJob(n, { idempotencyKey: `k${n}` }))).id);
        for (const id of ids.slice(0, 3)) await s.transition(id, ["queued"], "confirmed");
        await s.transition(ids[3], ["queued"], "failed");
        const cancelled = await s.cancelNewest(ids[4], ["queued"]);
        expect(cancelled.state).to.equal("cancelled");
        const ledgerBefore = await s.ledger();

        expect(await pruneOnce(records, 3600, Date.now()), "nothing is older than an hour").to.deep.equal({ jobs: 0, replies: 0 });
        const pruned = await pruneOnce(records, 1, Date.now() + 5000);
        expect(pruned.jobs).to.equal(3); // batches 1 and 2 (confirmed, below 3) and the cancelled 5
        expect(await s.get(ids[0])).to.equal(undefined);
        expect(await s.get(ids[1])).to.equal(undefined);
        expect((await s.get(ids[2]))?.state).to.equal("confirmed");
        expect((await s.getByBatchNumber(3))?.id).to.equal(ids[2]);
        expect((await s.get(ids[3]))?.state).to.equal("failed");
        expect(await s.get(ids[4])).to.equal(undefined);
        expect(await s.findByIdempotencyKey("k1")).to.equal(undefined);
        expect((await s.counts()).confirmed).to.equal(1);
        // the ledger keeps every batch; the entries of pruned jobs no longer name them
        const ledgerAfter = await s.ledger();
        expect(ledgerAfter.map(({ jobId: _, ...e }) => e)).to.deep.equal(ledgerBefore.map(({ jobId: _, ...e }) => e));
        expect(ledgerAfter.map((e) => e.jobId)).to.deep.equal([undefined, undefined, ids[2], ids[3]]);
        for (const e of ledgerAfter) if (e.jobId !== undefined) expect(await s.get(e.jobId), `ledger batch ${e.batchNumber} names job ${e.jobId}`).to.not.equal(undefined);
        expect(b.foreignKeyProblems?.() ?? [], "no dangling reference").to.deep.equal([]);
        // the store opens again with the pruned ledger references
        const again = await b.reopen();
        expect((await again.ledger()).map((e) => e.batchNumber)).to.deep.equal([1, 2, 3, 4]);
        await again.close();
        // a new batch after the prune is still accepted
        expect((await s.create(newJob(5))).batchNumber).to.equal(5);
      } finally {
        await records.close();
        await s.close();
      }
    });

    it("prunes idempotency records after the retention", async function () {
      const b = await make();
      const records = b.records();
      try {
        await records.putReply("old", { bodyHash: "h", statusCode: 200, body: { a: 1n }, at: Date.now() - 10_000 });
        expect(await records.getReply("old")).to.deep.include({ statusCode: 200, body: { a: "1" } });
        await records.putReply("old", { bodyHash: "other", statusCode: 201, body: {}, at: Date.now() });
        expect((await records.getReply("old"))?.bodyHash, "the first answer stays").to.equal("h");
        if (name === "SQLite") {
          expect(await records.pruneReplies(Date.now() - 5000)).to.equal(1);
          expect(await records.getReply("old")).to.equal(undefined);
        }
      } finally {
        await records.close();
        await b.store.close();
      }
    });

    it("two serve processes share the risk overrides: one's change is the other's after a refresh, and concurrent changes both land in order", async function () {
      const b = await make();
      const ra = b.records();
      const rb = b.records();
      const loop = (r: ServiceRecords) => new RiskLoop({ config: defaultRiskConfig(CI_PARAMS.markets), params: CI_PARAMS, overridesLog: r });
      const a = loop(ra);
      const c = loop(rb);
      try {
        await a.setOverride({ who: "alice", when: 1, key: "z", value: 4, reason: "volatile open" });
        expect(c.overrides().values).to.deep.equal({});
        await c.refreshOverrides();
        expect(c.overrides().values).to.deep.equal({ z: 4 });
        // both change at once: neither overwrites the other's entry
        await Promise.all([
          a.setOverride({ who: "alice", when: 2, key: "scan.1", value: 0.02, reason: "thin book" }),
          c.setOverride({ who: "bob", when: 3, key: "timeToFinality", value: 120, reason: "chain incident" }),
        ]);
        await a.refreshOverrides();
        await c.refreshOverrides();
        expect(a.overrides()).to.deep.equal(c.overrides());
        expect(a.overrides().log.map((e) => e.seq)).to.deep.equal([1, 2, 3]);
        expect(a.overrides().values).to.deep.equal({ z: 4, "scan.1": 0.02, timeToFinality: 120 });
        // a refused change appends nothing
        let refused = false;
        try {
          await a.setOverride({ who: "alice", when: 4, key: "scan.99", value: 0.1, reason: "r" });
        } catch {
          refused = true;
        }
        expect(refused).to.equal(true);
        expect(await ra.readOverrides()).to.have.length(3);
      } finally {
        await ra.close();
        await rb.close();
        await b.store.close();
      }
    });
  });
}

describe("# Redis down: records behind the store timeout", function () {
  this.timeout(60_000);

  it("answers 503 PRV_ERR_STORE_UNAVAILABLE while Redis is down and works again, on the same connection, once it is back", async function () {
    const { startRedis, freePort } = await import("../../helpers/redis-server");
    const { withStoreTimeout } = await import("../../../prover/api/store-timeout");
    const { ApiError } = await import("../../../prover/api/errors");
    const server = await startRedis({ port: await freePort(), dir: mkdtempSync(join(tmpdir(), "zksettle-redis-down-")) });
    const raw = new RedisRecords({ url: server.url, prefix: "down", retentionS: 60 });
    const records = withStoreTimeout(raw, 300, 2);
    try {
      await records.putReply("a", { bodyHash: "h", statusCode: 200, body: { ok: true }, at: Date.now() });
      await server.stop({ kill: true });
      let refused: unknown;
      try {
        await records.getReply("a");
      } catch (e) {
        refused = e;
      }
      expect(refused).to.be.instanceOf(ApiError);
      expect((refused as InstanceType<typeof ApiError>).code).to.equal("PRV_ERR_STORE_UNAVAILABLE");
      expect((refused as InstanceType<typeof ApiError>).headers).to.deep.equal({ "retry-after": "2" });
      await server.restart();
      let back: unknown;
      for (let i = 0; i < 50 && back === undefined; i++) {
        back = await records.getReply("a").catch(() => undefined);
        if (back === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      expect(back, "the append-only file kept the record and the connection came back by itself").to.deep.include({ statusCode: 200 });
    } finally {
      await raw.close();
      await server.stop();
    }
  });
});
