/**
 * `Idempotency-Key` on every write (issue 19 item 3): the same body with its JSON keys
 * in another order is the same request, the risk-override route honours the key, and
 * a retry after a restart (records in the job store: SQLite, Redis) is still a replay
 * that makes nothing new.
 */
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { canonicalJson, requestHash } from "../../../prover/api/idempotency";
import { encodeBatch } from "../../../prover/api/wire";
import { depositNew } from "../../../prover/dev/fixtures";
import { RedisRecords } from "../../../prover/store/redis-records";
import type { ServiceRecords } from "../../../prover/store/records";
import { SqliteRecords } from "../../../prover/store/sqlite-records";
import { ensureRedis } from "../../helpers/redis-server";
import { AUTH, FakeEngine, headerFor, testService, memoryRisk } from "./fakes";

const USDC = 1_000_000n;

/** The same value with every object's keys in a random order. */
function shuffled(v: unknown, rnd: () => number): unknown {
  if (Array.isArray(v)) return v.map((x) => shuffled(x, rnd));
  if (typeof v !== "object" || v === null) return v;
  const entries = Object.entries(v as Record<string, unknown>);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [entries[i], entries[j]] = [entries[j], entries[i]];
  }
  return Object.fromEntries(entries.map(([k, x]) => [k, shuffled(x, rnd)]));
}


describe("# api idempotency", function () {
  it("compares bodies canonically: any order of the JSON keys is the same request, any other value is not (property)", function () {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer(), (v, seed) => {
        let s = seed;
        const rnd = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
        return requestHash("POST /x", shuffled(v, rnd)) === requestHash("POST /x", v) && canonicalJson(shuffled(v, rnd)) === canonicalJson(v);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        fc.pre(canonicalJson(a) !== canonicalJson(b));
        return requestHash("POST /x", a) !== requestHash("POST /x", b);
      }),
      { numRuns: 300 },
    );
  });

  it("replays a batch posted again with its keys reordered, and refuses the key with another body", async function () {
    const { app, engine, genesis } = await testService();
    try {
      const body = encodeBatch({ header: headerFor(genesis, 2000n), ops: [{ type: "DEPOSIT" }], deposits: [depositNew(1, USDC)] });
      const headers = { ...AUTH, "idempotency-key": "reorder-1" };
      const first = await app.inject({ method: "POST", url: "/v1/batches", payload: body, headers });
      expect(first.statusCode, first.body).to.equal(202);
      const reordered = JSON.parse(JSON.stringify({ deposits: body.deposits, ops: body.ops, header: Object.fromEntries(Object.entries(body.header).reverse()) }));
      const again = await app.inject({ method: "POST", url: "/v1/batches", payload: reordered, headers });
      expect(again.statusCode, again.body).to.equal(202);
      expect(again.headers["idempotent-replayed"]).to.equal("true");
      expect(again.json().id).to.equal(first.json().id);
      expect(engine.submitCalls).to.equal(1);
      const other = await app.inject({ method: "POST", url: "/v1/batches", payload: { ...body, deposits: [] }, headers });
      expect(other.json().code).to.equal("PRV_ERR_IDEMPOTENCY_MISMATCH");
    } finally {
      await app.close();
    }
  });

  it("POST /v1/risk/overrides honours the key: a retry appends nothing to the audit log", async function () {
    const risk = memoryRisk();
    const { app } = await testService({ risk });
    try {
      const headers = { ...AUTH, "idempotency-key": "override-1" };
      const payload = { key: "z", value: 3, reason: "volatile open" };
      const a = await app.inject({ method: "POST", url: "/v1/risk/overrides", payload, headers });
      expect(a.statusCode, a.body).to.equal(200);
      const b = await app.inject({ method: "POST", url: "/v1/risk/overrides", payload: { reason: "volatile open", value: 3, key: "z" }, headers });
      expect(b.headers["idempotent-replayed"]).to.equal("true");
      expect(b.json()).to.deep.equal(a.json());
      expect(risk.current.log).to.have.length(1);
      const c = await app.inject({ method: "POST", url: "/v1/risk/overrides", payload: { ...payload, value: 4 }, headers });
      expect(c.json().code).to.equal("PRV_ERR_IDEMPOTENCY_MISMATCH");
      expect(risk.current.log).to.have.length(1);
    } finally {
      await app.close();
    }
  });

  const stores: [string, () => Promise<{ open: () => ServiceRecords; done: () => Promise<void> }>][] = [
    [
      "SQLite",
      async () => {
        const file = join(mkdtempSync(join(tmpdir(), "zksettle-idem-")), "jobs.sqlite");
        return { open: () => new SqliteRecords(file), done: async () => undefined };
      },
    ],
    [
      "Redis",
      async () => {
        const url = await ensureRedis();
        const prefix = `idem-test-${process.pid}-${Date.now()}`;
        return { open: () => new RedisRecords({ url, prefix, retentionS: 60 }), done: async () => undefined };
      },
    ],
  ];
  for (const [name, make] of stores) {
    it(`${name}: a retry after a restart answers Idempotent-Replayed: true and makes nothing new (cancel, batch)`, async function () {
      this.timeout(60_000);
      const { open, done } = await make();
      let engine: FakeEngine | undefined;
      const boot = async () => {
        const records = open();
        const svc = await testService({ records, engine: (g) => (engine ??= new FakeEngine(g)) });
        return { ...svc, records };
      };
      const first = await boot();
      const body = encodeBatch({ header: headerFor(first.genesis, 2000n), ops: [{ type: "DEPOSIT" }], deposits: [depositNew(1, USDC)] });
      const headers = { ...AUTH, "idempotency-key": "after-restart" };
      const a = await first.app.inject({ method: "POST", url: "/v1/batches", payload: body, headers });
      expect(a.statusCode, a.body).to.equal(202);
      const cancelKey = { ...AUTH, "idempotency-key": "cancel-after-restart" };
      const c = await first.app.inject({ method: "POST", url: `/v1/jobs/${a.json().id}/cancel`, headers: cancelKey });
      expect(c.json().state).to.equal("cancelled");
      await first.app.close();
      await first.records.close();

      const second = await boot(); // a new app: its memory cache is empty
      try {
        const b = await second.app.inject({ method: "POST", url: "/v1/batches", payload: body, headers });
        expect(b.statusCode, b.body).to.equal(202);
        expect(b.headers["idempotent-replayed"]).to.equal("true");
        expect(b.json().id).to.equal(a.json().id);
        expect(engine!.submitCalls).to.equal(1);
        const c2 = await second.app.inject({ method: "POST", url: `/v1/jobs/${a.json().id}/cancel`, headers: cancelKey });
        expect(c2.headers["idempotent-replayed"]).to.equal("true");
        const wrong = await second.app.inject({ method: "POST", url: "/v1/batches", payload: { ...body, deposits: [] }, headers });
        expect(wrong.json().code).to.equal("PRV_ERR_IDEMPOTENCY_MISMATCH");
      } finally {
        await second.app.close();
        await second.records.close();
        await done();
      }
    });
  }
});
