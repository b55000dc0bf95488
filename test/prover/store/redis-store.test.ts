/**
 * RedisJobStore: the shared JobStore specification (job-store.suite.ts) on the test
 * Redis under a prefix of its own, then what only Redis has: a Redis that crashes and
 * restarts (append-only file, fsync always) loses nothing and the open store goes on,
 * the configuration check, the leader fence on writes, and keys only under the
 * deployment's prefix.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import { expect } from "chai";
import Redis from "ioredis";
import { StoreFencedError, type JobStore } from "../../../prover/store/job-store";
import { RedisJobStore } from "../../../prover/store/redis-store";
import { ensureRedis, freePort, startRedis, type RedisServer } from "../../helpers/redis-server";
import { tempDir } from "../service/fixtures";
import { describeJobStore, newJob } from "./job-store.suite";

describeJobStore("prover/store: RedisJobStore", async () => {
  const url = await ensureRedis();
  const prefix = `zksettle-test:${randomUUID()}`;
  const first = new RedisJobStore({ url, prefix });
  const handles: JobStore[] = [first];
  return {
    store: first,
    async open() {
      const s = new RedisJobStore({ url, prefix });
      handles.push(s);
      return s;
    },
    async destroy() {
      const cleaner = new RedisJobStore({ url, prefix });
      await cleaner.destroy();
      await cleaner.close();
      for (const h of handles) await h.close();
    },
  };
});

describe("prover/store: RedisJobStore and its Redis", function () {
  let server: RedisServer;
  let store: RedisJobStore;

  before(async function () {
    await ensureRedis(); // shared suite's Redis (also proves the helper starts one)
    server = await startRedis({ port: await freePort(), dir: tempDir("zksettle-redis-own-") });
  });

  after(async function () {
    await server.stop();
    fs.rmSync(server.dir, { recursive: true, force: true });
  });

  beforeEach(function () {
    store = new RedisJobStore({ url: server.url, prefix: `zksettle-test:${randomUUID()}` });
  });

  afterEach(async function () {
    await store.destroy();
    await store.close();
  });

  it("loses no acknowledged write when Redis is killed, and the open store goes on after the restart", async function () {
    const a = await store.create(newJob(1, { idempotencyKey: "ka" }));
    const b = await store.create(newJob(2));
    await store.transition(a.id, ["queued"], "submitting", { txHash: "0xaa" });
    await store.transition(b.id, ["queued"], "proving", { attempts: 1 });
    await server.restart({ kill: true });
    // the restarted Redis has forgotten the scripts: the store loads them again
    const c = await store.create(newJob(3));
    const other = new RedisJobStore({ url: server.url, prefix: store.prefix });
    try {
      expect((await other.unfinished()).map((j) => [j.batchNumber, j.state])).to.deep.equal([
        [1, "submitting"],
        [2, "proving"],
        [3, "queued"],
      ]);
      expect((await other.get(a.id))?.txHash).to.equal("0xaa");
      expect((await other.findByIdempotencyKey("ka"))?.id).to.equal(a.id);
      expect((await other.ledger()).map((e) => e.jobId)).to.deep.equal([a.id, b.id, c.id]);
    } finally {
      await other.close();
    }
  });

  it("says when Redis would lose job states on a restart", async function () {
    expect(await store.durabilityProblems()).to.deep.equal([]);
    const admin = new Redis(server.url);
    try {
      await admin.config("SET", "appendfsync", "everysec");
      expect((await store.durabilityProblems()).join()).to.match(/appendfsync|fsyncs the append-only file 'everysec'/);
      await admin.config("SET", "appendonly", "no");
      expect((await store.durabilityProblems()).join()).to.match(/appendonly no/);
    } finally {
      await admin.config("SET", "appendonly", "yes");
      await admin.config("SET", "appendfsync", "always");
      // turning the AOF back on rewrites it in the background; wait for that to end
      while (/aof_rewrite_in_progress:1|aof_rewrite_scheduled:1/.test(await admin.info("persistence"))) await new Promise((r) => setTimeout(r, 50));
      await admin.quit();
    }
  });

  it("with a fence, writes only while the leader lease holds this process's owner id", async function () {
    const admin = new Redis(server.url);
    try {
      const job = await store.create(newJob(1));
      store.fence("me#1");
      // no lease, or someone else's: every write is refused and nothing changes
      expect(await store.transition(job.id, ["queued"], "witness").catch((e: unknown) => e)).to.be.instanceOf(StoreFencedError).with.property("code", "PRV_ERR_NOT_LEADER");
      await admin.set(`${store.prefix}:leader`, "other#2");
      expect(await store.create(newJob(2)).catch((e: unknown) => e)).to.be.instanceOf(StoreFencedError);
      expect(await store.cancelNewest(job.id, ["queued"]).catch((e: unknown) => e)).to.be.instanceOf(StoreFencedError);
      expect((await store.get(job.id))?.state).to.equal("queued");
      expect(await store.ledger()).to.have.length(1);
      // the lease is ours: writes go through
      await admin.set(`${store.prefix}:leader`, "me#1");
      expect((await store.transition(job.id, ["queued"], "witness")).state).to.equal("witness");
      expect((await store.create(newJob(2))).batchNumber).to.equal(2);
    } finally {
      await admin.quit();
    }
  });

  it("keeps every key under the deployment's prefix", async function () {
    const job = await store.create(newJob(1, { idempotencyKey: "k" }));
    await store.cancelNewest(job.id, ["queued"]);
    const admin = new Redis(server.url);
    try {
      const keys = await admin.keys("*");
      expect(keys.length).to.be.greaterThan(0);
      for (const k of keys) expect(k.startsWith(`${store.prefix}:`), k).to.equal(true);
      await store.destroy();
      expect(await admin.keys("*")).to.deep.equal([]);
    } finally {
      await admin.quit();
    }
  });
});
