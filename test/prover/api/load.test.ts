/**
 * A bounded load test on 127.0.0.1: many concurrent clients post batches to a small
 * queue that drains slowly. The service answers 429 with Retry-After when full,
 * memory stays bounded, and every accepted batch is a job (nothing accepted is
 * lost, no retry makes a second job).
 */
import { expect } from "chai";
import type { AddressInfo } from "node:net";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import type { Job } from "../../../prover/service/engine-port";
import { encodeBatch } from "../../../prover/api/wire";
import { signedHeader } from "../../../prover/dev/fixtures";
import type { Batch } from "../../../prover/state/batch";
import { AUTH, FakeEngine, testService } from "./fakes";

const CLIENTS = 48;
const PER_CLIENT = 15;
const DEADLINE_MS = 60_000;

/** A forced garbage collection (V8's gc exposed at run time). */
function collect(): void {
  v8.setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

/** Takes any batch without the rules (the load is on the HTTP layer) and drains one job per tick. */
class SlowEngine extends FakeEngine {
  override submitBatch(batch: Batch, key?: string): Job {
    if (key !== undefined) {
      const known = [...this.jobs.values()].find((j) => j.idempotencyKey === key);
      if (known !== undefined) return known;
    }
    if (this.capacity().queued >= this.maxQueued) throw Object.assign(new Error("queue full"), { code: "QUEUE_FULL" });
    const now = Date.now();
    const job = { id: `job-${this.jobs.size + 1}`, batchNumber: this.jobs.size + 1, state: "queued" as const, progress: 0, attempts: 0, idempotencyKey: key, oldStateRoot: "0", newStateRoot: "0", inputHash: "0", createdAt: now, updatedAt: now, stageMs: {}, batch };
    this.jobs.set(job.id, job);
    return job;
  }

  drainOne(): void {
    for (const j of this.jobs.values()) {
      if (j.state === "queued") {
        this.set(j.id, "confirmed");
        return;
      }
    }
  }
}

describe("# api load (127.0.0.1)", function () {
  this.timeout(DEADLINE_MS + 30_000);

  it("answers 429 when full, keeps memory bounded, loses nothing accepted", async function () {
    let engine!: SlowEngine;
    const t = await testService({ config: { retryAfter: 1, rateLimit: 0, maxQueue: 8 }, engine: (g) => (engine = new SlowEngine(g, 8)) });
    const app = t.app;
    await app.listen({ host: "127.0.0.1", port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    const drain = setInterval(() => {
      engine.drainOne();
      engine.drainOne();
    }, 5);
    const body = JSON.stringify(encodeBatch({ header: signedHeader(t.genesis, 2000n), ops: [{ type: "NOOP" }], deposits: [] }));

    const accepted = new Map<string, string>(); // idempotency key → job id
    let tooMany = 0;
    let retryAfterMissing = 0;
    const started = Date.now();
    const client = async (c: number): Promise<void> => {
      for (let k = 0; k < PER_CLIENT && Date.now() - started < DEADLINE_MS; ) {
        const key = `c${c}-k${k}`;
        const r = await fetch(`${base}/v1/batches`, { method: "POST", body, headers: { ...AUTH, "content-type": "application/json", "idempotency-key": key } });
        const json = (await r.json()) as { id?: string; code?: string };
        if (r.status === 202) {
          // a retry with the same key must give the same job
          const again = await fetch(`${base}/v1/batches`, { method: "POST", body, headers: { ...AUTH, "content-type": "application/json", "idempotency-key": key } });
          expect(((await again.json()) as { id: string }).id).to.equal(json.id);
          accepted.set(key, json.id!);
          k++;
        } else {
          expect(r.status, JSON.stringify(json)).to.equal(429);
          expect(json.code).to.equal("PRV_ERR_QUEUE_FULL");
          if (r.headers.get("retry-after") !== "1") retryAfterMissing++;
          tooMany++;
          await new Promise((res) => setTimeout(res, 5 + (c % 7)));
        }
      }
    };
    try {
      collect();
      const heapBefore = process.memoryUsage().heapUsed;
      await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
      const elapsed = Date.now() - started;
      expect(elapsed).to.be.below(DEADLINE_MS);
      expect(accepted.size).to.equal(CLIENTS * PER_CLIENT);
      expect(tooMany, "the queue must have been full at times").to.be.above(0);
      expect(retryAfterMissing).to.equal(0);
      // nothing accepted is lost, and no retry made a second job
      expect(engine.jobs.size).to.equal(accepted.size);
      expect(new Set(accepted.values()).size).to.equal(accepted.size);
      for (const id of accepted.values()) expect(engine.jobs.has(id)).to.equal(true);
      // memory: what the run left on the heap (the fake keeps every job) stays small
      collect();
      const grown = process.memoryUsage().heapUsed - heapBefore;
      expect(grown).to.be.below(64 * 1024 * 1024);
      const cap = (await (await fetch(`${base}/v1/capacity`)).json()) as { queued: number; maxQueued: number };
      expect(cap.queued).to.be.at.most(cap.maxQueued);
      console.log(`      ${accepted.size} accepted, ${tooMany} × 429 in ${elapsed} ms; heap +${(grown / 2 ** 20).toFixed(1)} MiB after gc`);
    } finally {
      clearInterval(drain);
      await app.close();
    }
  });
});
