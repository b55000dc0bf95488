/**
 * fast-check over every write route and the parameters of the read routes, through
 * fastify `inject` (no sockets): thousands of malformed, oversized, wrongly typed,
 * unauthenticated and wrongly signed requests. Every answer is a 4xx from the
 * PRV_ERR_* catalogue with a message naming the problem; the service stays up and
 * its state (jobs, ledger, sequencer, book) is unchanged.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { API_ERRORS } from "../../../prover/api/errors";
import { encodeBatch, encodeHeader, encodeOp, encodeOrder } from "../../../prover/api/wire";
import {
  INSECURE_DEV_ORACLE_KEYS,
  depositNew,
  devLiquidation,
  devOrder,
  devWithdrawal,
  forcedRequest,
  insecureDevAccountKey,
  signedHeader,
} from "../../../prover/dev/fixtures";
import { riskHash } from "../../../prover/state/global";
import { signOracle } from "../../../prover/state/signing";
import type { State } from "../../../prover/state/state";
import type { BatchHeader } from "../../../prover/state/trace";
import { AUTH, testService, type TestService } from "./fakes";

const USDC = 1_000_000n;
const BODY_LIMIT = 64 * 1024;
const RUNS = Number(process.env.FUZZ_RUNS ?? 1200);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A header signed by the wrong oracle keys (no single mutation can make it valid). */
function forgedHeader(s: State, ts: bigint): BatchHeader {
  const prices = s.global.markets.map((m) => m.markPrice);
  const rates = s.global.markets.map((_, j) => (j === 0 ? -7n : 0n)); // a signed rate travels with its minus sign
  const rh = riskHash(s.global.risk);
  return { timestamp: ts, markPrices: prices, fundingRates: rates, signatures: [0, 1].map((k) => signOracle(INSECURE_DEV_ORACLE_KEYS[k + 5], k, ts, prices, rates, rh)) };
}

/** Every path to a leaf or a container of a JSON value. */
function paths(v: Json, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

type Mutation = { kind: "replace"; value: Json } | { kind: "delete" } | { kind: "extra"; key: string; value: Json } | { kind: "huge" };

function mutate(base: Json, path: (string | number)[], m: Mutation): Json {
  const copy = JSON.parse(JSON.stringify(base)) as Json;
  if (path.length === 0) return m.kind === "replace" ? m.value : m.kind === "huge" ? "9".repeat(BODY_LIMIT) : copy;
  let parent = copy as { [k: string]: Json } | Json[];
  for (const p of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[p] as { [k: string]: Json };
  const last = path[path.length - 1];
  const rec = parent as Record<string | number, Json>;
  if (m.kind === "replace") rec[last] = m.value;
  else if (m.kind === "huge") rec[last] = "9".repeat(BODY_LIMIT);
  else if (m.kind === "delete") {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete rec[last];
  } else if (typeof rec[last] === "object" && rec[last] !== null && !Array.isArray(rec[last])) (rec[last] as Record<string, Json>)[`x${m.key}`] = m.value;
  else rec[last] = { [m.key]: m.value };
  return copy;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((value) => ({ kind: "replace" as const, value: value as Json })) },
  { weight: 2, arbitrary: fc.constant({ kind: "delete" as const }) },
  { weight: 2, arbitrary: fc.tuple(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 })).map(([key, value]) => ({ kind: "extra" as const, key, value: value as Json })) },
  { weight: 1, arbitrary: fc.constant({ kind: "huge" as const }) },
);

/** A request to a write route: a mutated base body, any JSON, non-JSON text, or a wrong key. */
function writeRequest(bases: Json[]) {
  const mutated = fc
    .tuple(fc.constantFrom(...bases), fc.nat(), mutation)
    .map(([b, i, m]) => {
      const ps = paths(b);
      return { payload: JSON.stringify(mutate(b, ps[i % ps.length], m)), auth: true };
    });
  const anyJson = fc.jsonValue({ maxDepth: 3 }).map((v) => ({ payload: JSON.stringify(v) ?? "null", auth: true }));
  const text = fc.string({ maxLength: 40 }).map((s) => ({ payload: s, auth: true }));
  const pristine = fc.constantFrom(...bases).map((b) => ({ payload: JSON.stringify(b), auth: true }));
  const noKey = fc.constantFrom(...bases).map((b) => ({ payload: JSON.stringify(b), auth: false }));
  return fc.oneof({ weight: 8, arbitrary: mutated }, { weight: 2, arbitrary: anyJson }, { weight: 1, arbitrary: text }, { weight: 1, arbitrary: pristine }, { weight: 1, arbitrary: noKey });
}

function expectCatalogued(r: LightMyRequestResponse, what: string): void {
  expect(r.statusCode, `${what}: ${r.body.slice(0, 300)}`).to.be.within(400, 499);
  const body = r.json() as { code: keyof typeof API_ERRORS; message: string; statusCode: number };
  expect(API_ERRORS, what).to.have.property(body.code);
  expect(body.statusCode).to.equal(r.statusCode);
  expect(API_ERRORS[body.code][0]).to.equal(r.statusCode);
  expect(body.message, what).to.be.a("string").with.length.above(8);
  if (body.code === "PRV_ERR_VALIDATION") expect(body.message, what).to.match(/^(body|params|querystring|headers)\b/);
  if (body.code === "PRV_ERR_RULE") expect(body.message, what).to.match(/^[A-Z_]+: (HEADER|TRADE|DEPOSIT|WITHDRAW|LIQUIDATE|SETTLE|DELEVERAGE|FORCED_WITHDRAW|BATCH|FEES|NOOP) /);
}

function fingerprint(t: TestService) {
  const s = t.sequencer;
  return {
    jobs: t.engine.jobs.size,
    ledger: t.engine.state.stateRoot().toString(),
    pending: s?.pendingState().stateRoot().toString(),
    pendingOps: s?.pendingOps,
    resting: s?.restingOrders,
    header: s?.currentHeader()?.timestamp.toString(),
  };
}

async function fuzzRoute(t: TestService, url: string, bases: Json[], runs: number, mustSee = ["PRV_ERR_VALIDATION", "PRV_ERR_UNAUTHORIZED"]): Promise<void> {
  const before = fingerprint(t);
  const seen = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(writeRequest(bases), async (req) => {
      const r = await t.app.inject({ method: "POST", url, payload: req.payload, headers: { "content-type": "application/json", ...(req.auth ? AUTH : {}) } });
      expectCatalogued(r, `POST ${url} ${req.payload.slice(0, 200)}`);
      const code = (r.json() as { code: string }).code;
      seen.set(code, (seen.get(code) ?? 0) + 1);
    }),
    { numRuns: runs },
  );
  expect(fingerprint(t)).to.deep.equal(before);
  expect((await t.app.inject({ url: "/health" })).statusCode).to.equal(200);
  for (const code of mustSee) expect([...seen.keys()], url).to.include(code);
}

describe("# api fuzz (fast-check)", function () {
  this.timeout(600_000);

  it("sequencer routes: /v1/ops and /v1/oracle/headers refuse every malformed or wrongly signed body and change nothing", async function () {
    const t = await testService({ mode: "sequencer", config: { bodyLimit: BODY_LIMIT, batchInterval: 3600 } });
    const app: FastifyInstance = t.app;
    try {
      const seq = t.sequencer!;
      seq.setHeader(signedHeader(t.genesis, 2000n));
      for (const i of [1, 2]) seq.submitDeposit(depositNew(i, 1000n * USDC));
      const s = seq.pendingState();
      const wrongKey = devOrder(s, { accountIndex: 1, marketId: 1, isBuy: false, size: 1n, limitPrice: 60_000_000n }, insecureDevAccountKey(2));
      const badDeposit = { accountIndex: 1, ax: "0", ay: "5", amount: "0" };
      // every base is refused, and no single mutation makes it valid (forged signatures, two faults at once)
      const forgedWithdrawal = encodeOp(devWithdrawal(s, 1, USDC, undefined, insecureDevAccountKey(2)));
      const forgedLiquidation = encodeOp(devLiquidation(s, { liquidatorIndex: 2, liquidateeIndex: 1, marketId: 1 }, 1n, insecureDevAccountKey(3)));
      const liveSettle = { type: "SETTLE", accountIndex: 1, marketId: 2 }; // BTC-FUT expires a day after genesis
      const notARequest = { type: "FORCED_WITHDRAW", entry: { accountIndex: 9, ax: "0", ay: "2", amount: "0" } }; // empty account, deposit key
      const bases = [
        { type: "ORDER", order: encodeOrder(wrongKey) },
        { type: "DEPOSIT", entry: badDeposit },
        forgedWithdrawal,
        forgedLiquidation,
        liveSettle,
        notARequest,
      ] as unknown as Json[];
      await fuzzRoute(t, "/v1/ops", bases, RUNS, ["PRV_ERR_VALIDATION", "PRV_ERR_UNAUTHORIZED", "PRV_ERR_RULE"]);
      await fuzzRoute(t, "/v1/oracle/headers", [encodeHeader(forgedHeader(s, 2500n)) as unknown as Json], Math.ceil(RUNS / 3));
      // still working: a valid op is accepted afterwards
      const ok = await app.inject({ method: "POST", url: "/v1/ops", headers: AUTH, payload: encodeOp(devWithdrawal(seq.pendingState(), 1, USDC)) });
      expect(ok.json().status, ok.body).to.equal("accepted");
    } finally {
      await app.close();
    }
  });

  it("batch routes: /v1/batches and cancel refuse every malformed or wrongly signed body and change nothing", async function () {
    const t = await testService({ config: { bodyLimit: BODY_LIMIT } });
    try {
      const g = t.genesis;
      const batch = { header: forgedHeader(g, 2000n), ops: [{ type: "DEPOSIT" as const }], deposits: [depositNew(1, 10n * USDC)] };
      const trade = devOrder(g, { accountIndex: 1, marketId: 1, isBuy: true, size: 1n, limitPrice: 1n });
      const withTrade = { header: forgedHeader(g, 2000n), ops: [{ type: "TRADE" as const, maker: trade, taker: trade, q: 1n, makerFeeBps: 0n, takerFeeBps: 0n }], deposits: [] };
      const lifecycle = {
        header: forgedHeader(g, 2000n),
        ops: [
          devWithdrawal(g, 1, 5n),
          devLiquidation(g, { liquidatorIndex: 2, liquidateeIndex: 1, marketId: 1 }, 1n),
          { type: "SETTLE" as const, accountIndex: 1, marketId: 2 },
          { type: "DELEVERAGE" as const, bankrupt: 1, counterparty: 2, marketId: 1, q: 1n, price: 59_000_000n },
          { type: "FORCED_WITHDRAW" as const },
        ],
        deposits: [forcedRequest(1, 3n)],
      };
      const bases = [encodeBatch(batch), encodeBatch(withTrade), encodeBatch(lifecycle)] as unknown as Json[];
      await fuzzRoute(t, "/v1/batches", bases, RUNS);
      await fuzzRoute(t, "/v1/jobs/00000000-0000-4000-8000-000000000000/cancel", [{}], Math.ceil(RUNS / 6), ["PRV_ERR_JOB_NOT_FOUND", "PRV_ERR_UNAUTHORIZED"]);
    } finally {
      await t.app.close();
    }
  });

  it("read routes: malformed ids, indices and queries get catalogued 4xx answers", async function () {
    const t = await testService({ mode: "sequencer" });
    try {
      const before = fingerprint(t);
      const segment = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom("-1", "99999999999", "16", "1e3", "0x10", "%00", "..", "00"));
      const query = fc.oneof(fc.constant(""), fc.string({ maxLength: 20 }).map((q) => `?${encodeURIComponent(q)}=1`), fc.constantFrom("?view=other", "?format=pdf", "?view=pending&x=1"));
      const url = fc.tuple(fc.constantFrom("/v1/jobs/", "/v1/accounts/", "/v1/markets/"), segment, fc.constantFrom("", "/proof", "/book"), query).map(([a, s, b, q]) => `${a}${encodeURIComponent(s)}${b}${q}`);
      await fc.assert(
        fc.asyncProperty(url, async (u) => {
          const r = await t.app.inject({ url: u });
          if (r.statusCode < 400) return; // a well-formed read (e.g. /v1/accounts/3) may answer
          expectCatalogued(r, `GET ${u}`);
        }),
        { numRuns: Math.ceil(RUNS / 2) },
      );
      expect(fingerprint(t)).to.deep.equal(before);
    } finally {
      await t.app.close();
    }
  });
});
