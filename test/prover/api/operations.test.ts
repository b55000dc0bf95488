/**
 * Operations (issue 19 item 4), over fakes: with the store not answering every request
 * still answers (503 PRV_ERR_STORE_UNAVAILABLE with Retry-After) and the service
 * carries on by itself once it answers again; the op latency histogram follows an op
 * from acknowledgement to cut, proven and final; the outbox gauge; `zksettle_leader`
 * only where there is a lease.
 */
import { expect } from "chai";
import { Histogram, Registry } from "prom-client";
import { withStoreTimeout } from "../../../prover/api/store-timeout";
import { encodeHeader, encodeOrder } from "../../../prover/api/wire";
import { depositNew, devOrder, signedHeader } from "../../../prover/dev/fixtures";
import { OpLatency } from "../../../prover/service/op-latency";
import type { Job } from "../../../prover/service/engine-port";
import { AUTH, FakeEngine, testService } from "./fakes";

const USDC = 1_000_000n;

/** A FakeEngine whose store can be switched off: its calls then never settle (Redis down, commands queued). */
class StalledEngine extends FakeEngine {
  down = false;
  private readonly waiting: (() => void)[] = [];
  private gate<T>(f: () => T): T | Promise<T> {
    if (!this.down) return f();
    return new Promise<T>((resolve) => this.waiting.push(() => resolve(f())));
  }
  /** Redis is back: the queued commands complete. */
  up(): void {
    this.down = false;
    for (const w of this.waiting.splice(0)) w();
  }
  override getJob(id: string): Job | undefined {
    return this.gate(() => super.getJob(id)) as Job | undefined;
  }
  override capacity() {
    return this.gate(() => super.capacity()) as ReturnType<FakeEngine["capacity"]>;
  }
  override counts() {
    return this.gate(() => super.counts()) as ReturnType<FakeEngine["counts"]>;
  }
}

async function sum(registry: Registry, name: string, stage: string): Promise<number> {
  const m = (await registry.getSingleMetric(name)!.get()) as { values: { metricName?: string; labels: Record<string, unknown>; value: number }[] };
  return m.values.find((v) => v.metricName === `${name}_count` && v.labels.stage === stage)?.value ?? 0;
}

describe("# api operations", function () {
  it("with the store not answering, reads, writes and the scrape answer 503 with Retry-After; they recover when it answers", async function () {
    this.timeout(30_000);
    let stalled: StalledEngine | undefined;
    const { app } = await testService({ config: { storeTimeout: 200, retryAfter: 3 }, engine: (g) => (stalled = new StalledEngine(g)) });
    try {
      stalled!.down = true;
      for (const r of [{ url: "/v1/jobs/abc" }, { url: "/v1/capacity" }, { url: "/metrics" }, { method: "POST" as const, url: "/v1/batches", payload: {}, headers: AUTH }]) {
        const res = await app.inject(r);
        if (r.url === "/v1/batches") {
          expect(res.statusCode).to.equal(400); // the body is checked before the store is asked
          continue;
        }
        expect(res.statusCode, `${r.url}: ${res.body}`).to.equal(503);
        expect(res.json().code).to.equal("PRV_ERR_STORE_UNAVAILABLE");
        expect(res.headers["retry-after"]).to.equal("3");
      }
      expect((await app.inject({ url: "/health" })).statusCode).to.equal(200);
      stalled!.up();
      expect((await app.inject({ url: "/v1/jobs/abc" })).json().code).to.equal("PRV_ERR_JOB_NOT_FOUND");
      expect((await app.inject({ url: "/v1/capacity" })).statusCode).to.equal(200);
      expect((await app.inject({ url: "/metrics" })).statusCode).to.equal(200);
    } finally {
      await app.close();
    }
  });

  it("withStoreTimeout leaves synchronous methods and answers in time untouched", async function () {
    const target = { n: 1, sync: () => 7, quick: async () => 8, on: function () { return this; } };
    const t = withStoreTimeout(target, 1000, 1);
    expect(t.n).to.equal(1);
    expect(t.sync()).to.equal(7);
    expect(await t.quick()).to.equal(8);
    expect(t.on()).to.equal(target);
  });

  it("op latency: each acknowledged op is observed once at cut, proven and final, in its own batch", async function () {
    const registry = new Registry();
    const h = new Histogram({ name: "lat", help: "h", labelNames: ["stage"], buckets: [1, 10, 100], registers: [registry] });
    let now = 0;
    const lat = new OpLatency(h, () => now);
    const a = lat.mark();
    lat.acknowledged(a);
    now = 2000;
    const b1 = {};
    lat.cut(b1); // op a: cut after 2 s
    const m = lat.mark();
    const b2 = {};
    lat.cut(b2); // the op's own call cut b2 (it filled it)
    lat.acknowledged(m);
    lat.handedOver(b1, 1);
    lat.handedOver(b2, 2);
    now = 5000;
    lat.job({ batchNumber: 1, state: "proving" });
    lat.job({ batchNumber: 1, state: "submitting", proof: {} });
    lat.job({ batchNumber: 1, state: "submitting", proof: {} }); // twice: observed once
    now = 9000;
    lat.job({ batchNumber: 1, state: "confirmed", proof: {} });
    lat.job({ batchNumber: 2, state: "cancelled" });
    lat.job({ batchNumber: 2, state: "confirmed", proof: {} }); // forgotten once cancelled
    const v = (await h.get()).values;
    const count = (stage: string) => v.find((x) => x.metricName === "lat_count" && x.labels.stage === stage)?.value ?? 0;
    const total = (stage: string) => v.find((x) => x.metricName === "lat_sum" && x.labels.stage === stage)?.value ?? 0;
    expect([count("cut"), count("proven"), count("final")]).to.deep.equal([2, 1, 1]);
    expect(total("cut")).to.equal(2); // a: 2 s; m: 0 s
    expect(total("proven")).to.equal(5);
    expect(total("final")).to.equal(9);
  });

  it("op latency: an op acknowledged after the journal write, when its batch is a job already, is still observed proven and final", async function () {
    const registry = new Registry();
    const h = new Histogram({ name: "lat2", help: "h", labelNames: ["stage"], buckets: [1, 10, 100], registers: [registry] });
    let now = 0;
    const lat = new OpLatency(h, () => now);
    const m = lat.mark();
    const b = {};
    lat.cut(b); // the op's own call cut b
    lat.handedOver(b, 1); // the intake stored it before the request was answered
    now = 1000;
    lat.acknowledged(m);
    now = 9000;
    lat.job({ batchNumber: 1, state: "confirmed", proof: {} });
    const v = (await h.get()).values;
    const count = (stage: string) => v.find((x) => x.metricName === "lat2_count" && x.labels.stage === stage)?.value ?? 0;
    expect([count("cut"), count("proven"), count("final")]).to.deep.equal([1, 1, 1]);
  });

  it("sequencer: /metrics has the outbox and the op latency from the API's acknowledgements; no zksettle_leader on one machine", async function () {
    const { app, genesis, sequencer, metrics } = await testService({ mode: "sequencer", config: { batchInterval: 3600 } });
    try {
      await app.inject({ method: "POST", url: "/v1/oracle/headers", payload: encodeHeader(signedHeader(genesis, 2000n)), headers: AUTH });
      sequencer!.submitDeposit(depositNew(1, 10_000n * USDC));
      sequencer!.submitDeposit(depositNew(2, 10_000n * USDC));
      const s = sequencer!.pendingState();
      await app.inject({ method: "POST", url: "/v1/ops", payload: { type: "ORDER", order: encodeOrder(devOrder(s, { accountIndex: 1, marketId: 1, isBuy: false, size: 1n, limitPrice: 60_000_000n })) }, headers: AUTH });
      const fill = await app.inject({ method: "POST", url: "/v1/ops", payload: { type: "ORDER", order: encodeOrder(devOrder(s, { accountIndex: 2, marketId: 1, isBuy: true, size: 1n, limitPrice: 60_000_000n })) }, headers: AUTH });
      expect(fill.json().status).to.equal("filled");
      expect(await sum(metrics.registry, "zksettle_op_latency_seconds", "cut")).to.equal(0);
      sequencer!.cutNow(); // as the batch-interval timer does
      expect(await sum(metrics.registry, "zksettle_op_latency_seconds", "cut")).to.equal(1); // the fill; deposits and the resting order are not API acknowledgements of a pending op
      const text = (await app.inject({ url: "/metrics" })).body;
      expect(text).to.match(/^zksettle_sequencer_outbox \d+$/m);
      expect(text).to.not.match(/^zksettle_leader /m);
    } finally {
      await app.close();
    }
  });
});
