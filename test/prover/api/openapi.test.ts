/**
 * The OpenAPI document against what the routes answer (issue 19 item 5): fast-check
 * requests to every route of /docs/json (random path parameters, bodies and keys of
 * every role) in batch and sequencer mode, with the store not answering, and past
 * the client rate limit. Every status answered is one the document lists for that
 * route, every error body is a catalogued `Error`, and /metrics is text.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { LightMyRequestResponse } from "fastify";
import { hashApiKey } from "../../../prover/api/auth";
import { API_ERRORS } from "../../../prover/api/errors";
import type { Job } from "../../../prover/service/engine-port";
import { encodeBatch, encodeHeader, encodeOrder } from "../../../prover/api/wire";
import { depositNew, devOrder, signedHeader } from "../../../prover/dev/fixtures";
import type { Config } from "../../../prover/service/config";
import { FakeEngine, headerFor, testService, memoryRisk } from "./fakes";

const RUNS = Number(process.env.OPENAPI_RUNS ?? 250);
const KEYS = ["k-trader", "k-operator", "k-oracle", "k-read", "k-all"];
const HASHES = [`trader:${hashApiKey(KEYS[0])}`, `operator:${hashApiKey(KEYS[1])}`, `oracle:${hashApiKey(KEYS[2])}`, `read-only:${hashApiKey(KEYS[3])}`, hashApiKey(KEYS[4])];

interface Spec {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
}

/** A FakeEngine whose store never answers while `down`. */
class DownEngine extends FakeEngine {
  down = true;
  private never<T>(f: () => T): T {
    return (this.down ? new Promise<T>(() => undefined) : f()) as T;
  }
  override getJob(id: string): Job | undefined {
    return this.never(() => super.getJob(id));
  }
  override capacity() {
    return this.never(() => super.capacity());
  }
  override counts() {
    return this.never(() => super.counts());
  }
  override cancel(id: string): Job | undefined {
    return this.never(() => super.cancel(id));
  }
}


/** `/v1/jobs/{id}` → a concrete URL with `value` for every parameter. */
function fill(path: string, value: string): string {
  return path.replace(/\{[^}]+\}/g, encodeURIComponent(value));
}

function check(spec: Spec, path: string, method: string, r: LightMyRequestResponse): void {
  const op = spec.paths[path][method];
  const what = `${method.toUpperCase()} ${path} → ${r.statusCode} ${r.body.slice(0, 200)}`;
  expect(Object.keys(op.responses), what).to.include(String(r.statusCode));
  if (r.statusCode >= 400) {
    const body = r.json() as { code: keyof typeof API_ERRORS; statusCode: number };
    expect(API_ERRORS, what).to.have.property(body.code);
    expect(API_ERRORS[body.code][0], what).to.equal(r.statusCode);
    expect(body.statusCode, what).to.equal(r.statusCode);
  }
  if (path === "/metrics" && r.statusCode === 200) {
    expect(r.headers["content-type"]).to.match(/^text\/plain/);
    expect(Object.keys(op.responses["200"].content ?? {})).to.deep.equal(["text/plain"]);
  }
}

async function fuzzSpec(opts: { mode: Config["mode"]; config?: Partial<Config>; down?: boolean }): Promise<Set<number>> {
  let engine: DownEngine | undefined;
  const t = await testService({
    mode: opts.mode,
    config: { apiKeyHashes: HASHES, batchInterval: 3600, storeTimeout: 50, ...opts.config },
    risk: memoryRisk(),
    engine: opts.down ? (g) => (engine = new DownEngine(g)) : undefined,
  });
  const seen = new Set<number>();
  try {
    if (engine === undefined && opts.mode === "sequencer") {
      t.sequencer!.setHeader(signedHeader(t.genesis, 2000n));
      t.sequencer!.submitDeposit(depositNew(1, 10_000_000_000n));
    }
    const spec = (await t.app.inject({ url: "/docs/json" })).json() as Spec;
    const routes = Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => ({ path, method })));
    expect(routes.length).to.be.above(15);
    const order = opts.mode === "sequencer" && !opts.down ? encodeOrder(devOrder(t.sequencer!.pendingState(), { accountIndex: 1, marketId: 1, isBuy: false, size: 1n, limitPrice: 60_000_000n })) : undefined;
    const bodies: unknown[] = [
      {},
      { junk: 1 },
      encodeBatch({ header: headerFor(t.genesis, 2000n), ops: [{ type: "DEPOSIT" }], deposits: [depositNew(1, 1n)] }),
      encodeHeader(signedHeader(t.genesis, 2001n)),
      { key: "z", value: 3, reason: "r" },
      ...(order ? [{ type: "ORDER", order }] : []),
    ];
    const req = fc.record({
      route: fc.constantFrom(...routes),
      param: fc.constantFrom("1", "3", "0", "16", "x", "00000000-0000-4000-8000-000000000000", "%%", "1e3"),
      query: fc.constantFrom("", "?format=calldata", "?view=pending", "?limit=5", "?limit=0", "?x=1"),
      body: fc.oneof(fc.constantFrom(...bodies), fc.jsonValue({ maxDepth: 2 })),
      text: fc.boolean(),
      key: fc.constantFrom(undefined, "nope", ...KEYS),
      idem: fc.constantFrom(undefined, "same-key", "k2"),
    });
    await fc.assert(
      fc.asyncProperty(req, async (q) => {
        const method = q.route.method.toUpperCase() as "GET" | "POST";
        const headers: Record<string, string> = {};
        if (q.key !== undefined) headers.authorization = `Bearer ${q.key}`;
        if (q.idem !== undefined && method === "POST") headers["idempotency-key"] = q.idem;
        const payload = method === "POST" ? (q.text ? "not json" : JSON.stringify(q.body)) : undefined;
        if (payload !== undefined) headers["content-type"] = q.text && q.body === null ? "text/plain" : "application/json";
        const r = await t.app.inject({ method, url: fill(q.route.path, q.param) + q.query, headers, payload });
        check(spec, q.route.path, q.route.method, r);
        seen.add(r.statusCode);
      }),
      { numRuns: RUNS },
    );
  } finally {
    await t.app.close();
  }
  return seen;
}

describe("# api OpenAPI document against the answers", function () {
  this.timeout(600_000);

  it("batch mode: every answer is documented for its route", async function () {
    const seen = await fuzzSpec({ mode: "batch" });
    for (const s of [200, 400, 401, 403, 404, 409]) expect([...seen], `status ${s} seen`).to.include(s);
  });

  it("sequencer mode: every answer is documented for its route", async function () {
    const seen = await fuzzSpec({ mode: "sequencer" });
    for (const s of [200, 400, 401, 403, 409]) expect([...seen], `status ${s} seen`).to.include(s);
  });

  it("with the store not answering: the 503s are documented", async function () {
    const seen = await fuzzSpec({ mode: "batch", down: true });
    expect([...seen]).to.include(503);
  });

  it("past the client rate limit: the 429s are documented (and never on /health, /ready, /metrics)", async function () {
    const seen = await fuzzSpec({ mode: "sequencer", config: { rateLimit: 20 } });
    expect([...seen]).to.include(429);
  });
});
