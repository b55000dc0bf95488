/**
 * Every route of the API over fakes (fastify `inject`, no sockets): batch mode,
 * jobs and proofs, idempotency, 429, the sequencer's ops, accounts, health,
 * metrics, the OpenAPI document, and the error catalogue's answers.
 */
import { expect } from "chai";
import { API_ERRORS } from "../../../prover/api/errors";
import { encodeBatch, encodeDeposit, encodeHeader, encodeOp, encodeOrder } from "../../../prover/api/wire";
import { depositNew, devLiquidation, devOrder, devWithdrawal, forcedRequest, insecureDevAccountKey, signedHeader } from "../../../prover/dev/fixtures";
import type { Batch } from "../../../prover/state/batch";
import { rootFromPath } from "../../../prover/state/tree";
import { AUTH, headerFor, testService } from "./fakes";

const USDC = 1_000_000n;

function depositBatch(s: Parameters<typeof headerFor>[0], ts: bigint, accounts: number[]): Batch {
  return { header: headerFor(s, ts), ops: accounts.map(() => ({ type: "DEPOSIT" as const })), deposits: accounts.map((i) => depositNew(i, 1000n * USDC)) };
}

describe("# api routes", function () {
  it("batch mode: submit, status, proof (snarkjs and calldata), cancel, idempotency", async function () {
    const { app, engine, genesis } = await testService();
    try {
      const body = encodeBatch(depositBatch(genesis, 2000n, [1, 2]));
      const unauth = await app.inject({ method: "POST", url: "/v1/batches", payload: body });
      expect(unauth.statusCode).to.equal(401);
      expect(unauth.json().code).to.equal("PRV_ERR_UNAUTHORIZED");

      const headers = { ...AUTH, "idempotency-key": "batch-1" };
      const first = await app.inject({ method: "POST", url: "/v1/batches", payload: body, headers });
      expect(first.statusCode, first.body).to.equal(202);
      const job = first.json();
      expect(job).to.include({ state: "queued", batchNumber: 1, hasProof: false });
      const again = await app.inject({ method: "POST", url: "/v1/batches", payload: body, headers });
      expect(again.json().id).to.equal(job.id);
      expect(again.headers["idempotent-replayed"]).to.equal("true");
      expect(engine.jobs.size).to.equal(1);
      const other = await app.inject({ method: "POST", url: "/v1/batches", payload: encodeBatch(depositBatch(genesis, 2000n, [3])), headers });
      expect(other.statusCode).to.equal(422);
      expect(other.json().code).to.equal("PRV_ERR_IDEMPOTENCY_MISMATCH");

      const status = await app.inject({ url: `/v1/jobs/${job.id}` });
      expect(status.json()).to.include({ id: job.id, state: "queued" });
      const early = await app.inject({ url: `/v1/jobs/${job.id}/proof` });
      expect(early.statusCode).to.equal(409);
      expect(early.json().code).to.equal("PRV_ERR_PROOF_NOT_READY");

      engine.set(job.id, "submitting");
      const snark = (await app.inject({ url: `/v1/jobs/${job.id}/proof` })).json();
      expect(snark.proof.protocol).to.equal("groth16");
      expect(snark.publicSignals).to.deep.equal(["12345"]);
      const cd = (await app.inject({ url: `/v1/jobs/${job.id}/proof?format=calldata` })).json();
      expect(cd.proof).to.have.length(8);
      expect(BigInt(cd.proof[2])).to.equal(4n); // b.x1 first (EIP-197 order)
      expect(cd.calldata).to.match(/^\[0x[0-9a-f]{64}(,0x[0-9a-f]{64}){7}\],\[0x[0-9a-f]{64}\]$/);

      const cancel = await app.inject({ method: "POST", url: `/v1/jobs/${job.id}/cancel`, headers: AUTH });
      expect(cancel.json().state).to.equal("cancelled");
      engine.set(job.id, "confirmed");
      const late = await app.inject({ method: "POST", url: `/v1/jobs/${job.id}/cancel`, headers: AUTH });
      expect(late.statusCode).to.equal(409);
      expect(late.json().code).to.equal("PRV_ERR_JOB_FINAL");
      const missing = await app.inject({ url: "/v1/jobs/nope" });
      expect(missing.json().code).to.equal("PRV_ERR_JOB_NOT_FOUND");
    } finally {
      await app.close();
    }
  });

  it("refuses a batch the rules refuse (422 naming the rule), a full queue (429 + Retry-After), the wrong mode (409)", async function () {
    const { app, engine, genesis } = await testService({ maxQueued: 1, config: { retryAfter: 7 } });
    try {
      const stale = encodeBatch(depositBatch(genesis, 0n, [1]));
      const r = await app.inject({ method: "POST", url: "/v1/batches", payload: stale, headers: AUTH });
      expect(r.statusCode).to.equal(422);
      expect(r.json()).to.deep.include({ code: "PRV_ERR_RULE" });
      expect(r.json().details.rule).to.equal("ORACLE_TIMESTAMP");
      expect(r.json().message).to.match(/timestamp 0/);

      const ok = await app.inject({ method: "POST", url: "/v1/batches", payload: encodeBatch(depositBatch(genesis, 2000n, [1])), headers: AUTH });
      expect(ok.statusCode).to.equal(202);
      const full = await app.inject({ method: "POST", url: "/v1/batches", payload: encodeBatch(depositBatch(engine.state, 2001n, [2])), headers: AUTH });
      expect(full.statusCode).to.equal(429);
      expect(full.headers["retry-after"]).to.equal("7");
      expect(full.json().code).to.equal("PRV_ERR_QUEUE_FULL");

      const op = await app.inject({ method: "POST", url: "/v1/ops", payload: { type: "DEPOSIT", entry: encodeDeposit(depositNew(1, 1n)) }, headers: AUTH });
      expect(op.statusCode).to.equal(409);
      expect(op.json().code).to.equal("PRV_ERR_WRONG_MODE");
    } finally {
      await app.close();
    }
  });

  it("sequencer mode: deposits and orders, matching, cutting into the engine, pending view; close hands over the rest", async function () {
    const { app, engine, genesis, sequencer } = await testService({ mode: "sequencer" });
    const post = (payload: object) => app.inject({ method: "POST", url: "/v1/ops", payload, headers: AUTH });
    let closed = false;
    try {
      const noHeader = await post(encodeOp(devWithdrawal(genesis, 1, 1n)));
      expect(noHeader.json().code).to.equal("PRV_ERR_NO_ORACLE_HEADER");
      const h = await app.inject({ method: "POST", url: "/v1/oracle/headers", payload: encodeHeader(signedHeader(genesis, 2000n)), headers: AUTH });
      expect(h.statusCode, h.body).to.equal(200);
      // deposits come from the L1 queue (the deposit feeder calls the sequencer), never from the API
      for (const i of [1, 2]) expect(sequencer!.submitDeposit(depositNew(i, 100_000n * USDC)).status).to.equal("accepted");
      const pending = sequencer!.pendingState();
      const sell = await post({ type: "ORDER", order: encodeOrder(devOrder(pending, { accountIndex: 1, marketId: 1, isBuy: false, size: 2n, limitPrice: 60_000_000n })) });
      expect(sell.json()).to.include({ status: "resting", pendingOps: 2 });
      const book = (await app.inject({ url: "/v1/markets/1/book" })).json();
      expect(book).to.include({ ask: "60000000", asks: 1, bids: 0 });
      const buy = await post({ type: "ORDER", order: encodeOrder(devOrder(pending, { accountIndex: 2, marketId: 1, isBuy: true, size: 5n, limitPrice: 61_000_000n })) });
      expect(buy.json()).to.deep.include({ status: "filled", trade: { makerOrderId: sell.json().orderId, q: "2", price: "60000000" } });
      const acct = (await app.inject({ url: "/v1/accounts/2?view=pending" })).json();
      expect(acct.positions[0]).to.deep.equal({ marketId: 1, size: "2", fundingSnapshot: "0" });
      expect((await app.inject({ url: "/v1/accounts/2" })).json().exists).to.equal(false); // ledger: nothing cut yet
      const batch = await app.inject({ method: "POST", url: "/v1/batches", payload: {}, headers: AUTH });
      expect(batch.json().code).to.equal("PRV_ERR_WRONG_MODE");
      await app.close();
      closed = true;
      expect(engine.jobs.size).to.equal(1);
      expect([...engine.jobs.values()][0].batch.ops.map((o) => o.type)).to.deep.equal(["DEPOSIT", "DEPOSIT", "TRADE"]);
      expect(engine.state.stateRoot()).to.equal(sequencer!.pendingState().stateRoot());
    } finally {
      if (!closed) await app.close();
    }
  });

  it("sequencer mode: withdrawals, liquidations, settlements and forced withdrawals; headers with signed funding rates; refusals change nothing", async function () {
    const { app, engine, genesis, sequencer } = await testService({ mode: "sequencer", config: { batchInterval: 3600 } });
    const seq = sequencer!;
    const post = (payload: object) => app.inject({ method: "POST", url: "/v1/ops", payload, headers: AUTH });
    const fingerprint = () => ({ root: seq.pendingState().stateRoot().toString(), pending: seq.pendingOps, outbox: seq.outbox.length, jobs: engine.jobs.size });
    try {
      // a header with a negative funding rate for the perpetual travels with its minus sign
      const rates = genesis.global.markets.map((_, j) => (j === 0 ? -5n : 0n));
      const hj = encodeHeader(signedHeader(genesis, 2000n, undefined, undefined, rates));
      expect(hj.fundingRates[0]).to.equal("-5");
      const { fundingRates: _omit, ...noRates } = hj;
      void _omit;
      const missing = await app.inject({ method: "POST", url: "/v1/oracle/headers", payload: noRates, headers: AUTH });
      expect(missing.statusCode).to.equal(400);
      expect(missing.json().message).to.match(/body must have required property 'fundingRates'/);
      const short = await app.inject({ method: "POST", url: "/v1/oracle/headers", payload: { ...hj, fundingRates: hj.fundingRates.slice(1) }, headers: AUTH });
      expect(short.statusCode).to.equal(400);
      expect(short.json()).to.deep.include({ code: "PRV_ERR_VALIDATION" });
      expect(short.json().message).to.match(/^body\.fundingRates: 3 funding rates for 4 mark prices/);
      const h = await app.inject({ method: "POST", url: "/v1/oracle/headers", payload: hj, headers: AUTH });
      expect(h.statusCode, h.body).to.equal(200);
      expect(seq.currentHeader()?.fundingRates[0]).to.equal(-5n);

      for (const i of [1, 2]) expect(seq.submitDeposit(depositNew(i, 10_000n * USDC)).status).to.equal("accepted");
      const s = seq.pendingState();

      // refusals: 422 naming the rule, 400 naming the field; nothing changes
      const before = fingerprint();
      const forged = await post(encodeOp(devWithdrawal(s, 1, USDC, undefined, insecureDevAccountKey(2))));
      expect(forged.statusCode).to.equal(422);
      expect(forged.json().details).to.include({ rule: "BAD_SIGNATURE", op: "WITHDRAW" });
      const healthy = await post(encodeOp(devLiquidation(s, { liquidatorIndex: 2, liquidateeIndex: 1, marketId: 1 }, 1n)));
      expect(healthy.json().details).to.include({ rule: "NOT_LIQUIDATABLE", op: "LIQUIDATE" });
      const live = await post({ type: "SETTLE", accountIndex: 1, marketId: 1 });
      expect(live.json().details).to.include({ rule: "MARKET_NOT_SETTLED", op: "SETTLE" });
      const fromApi = await post({ type: "FORCED_WITHDRAW", entry: encodeDeposit(forcedRequest(2, 50n * USDC)) });
      expect(fromApi.statusCode).to.equal(403);
      expect(fromApi.json().code).to.equal("PRV_ERR_L1_QUEUE_ONLY");
      const noSig = await post({ type: "WITHDRAW", accountIndex: 1, amount: "1", nonce: "0" });
      expect(noSig.statusCode).to.equal(400);
      expect(noSig.json().message).to.match(/^body must have required property 'signature'/);
      const neg = await post({ ...encodeOp(devWithdrawal(s, 1, USDC)), amount: "-1" });
      expect(neg.statusCode).to.equal(400);
      expect(neg.json().message).to.match(/body\/amount must match pattern/);
      const deleverage = await post({ type: "DELEVERAGE", bankrupt: 1, counterparty: 2, marketId: 1, q: "1", price: "1" });
      expect(deleverage.statusCode, "DELEVERAGE is the sequencer's to plan").to.equal(400);
      expect(fingerprint()).to.deep.equal(before);

      const w = await post(encodeOp(devWithdrawal(s, 1, 100n * USDC)));
      expect(w.statusCode, w.body).to.equal(200);
      expect(w.json()).to.deep.include({ status: "accepted", op: "WITHDRAW", pendingOps: 3 });
      const f = seq.submitForcedWithdraw(forcedRequest(2, 50n * USDC));
      expect(f).to.deep.include({ status: "accepted", op: "FORCED_WITHDRAW", pendingOps: 0 });
      await app.inject({ method: "POST", url: "/v1/oracle/headers", payload: encodeHeader(signedHeader(seq.pendingState(), 2001n)), headers: AUTH }); // hands the cut batch over
      await new Promise((r) => setTimeout(r, 50));
      expect(engine.jobs.size).to.equal(1);
      const job = [...engine.jobs.values()][0];
      expect(job.batch.ops.map((o) => o.type)).to.deep.equal(["DEPOSIT", "DEPOSIT", "WITHDRAW", "FORCED_WITHDRAW"]);
      expect(job.batch.header.fundingRates[0]).to.equal(-5n);
      const a1 = (await app.inject({ url: "/v1/accounts/1" })).json();
      expect(a1).to.include({ nonce: "1", collateral: String(9_900n * USDC) });
    } finally {
      await app.close();
    }
  });

  it("batch mode: a batch of lifecycle ops goes through the codec and the rules", async function () {
    const { app, engine, genesis } = await testService();
    try {
      const first = await app.inject({ method: "POST", url: "/v1/batches", payload: encodeBatch(depositBatch(genesis, 2000n, [1, 2])), headers: AUTH });
      expect(first.statusCode, first.body).to.equal(202);
      const s = engine.state;
      const batch: Batch = {
        header: headerFor(s, 2001n),
        ops: [devWithdrawal(s, 1, 5n * USDC), { type: "FORCED_WITHDRAW" }, { type: "NOOP" }],
        deposits: [forcedRequest(2, 7n * USDC)],
      };
      const r = await app.inject({ method: "POST", url: "/v1/batches", payload: encodeBatch(batch), headers: AUTH });
      expect(r.statusCode, r.body).to.equal(202);
      expect(engine.state.account(1).collateral).to.equal(995n * USDC);
      expect(engine.state.account(2).collateral).to.equal(993n * USDC);
      const job = [...engine.jobs.values()][1];
      expect(job.batch).to.deep.equal(batch);

      const bad = JSON.parse(JSON.stringify(encodeBatch({ ...batch, header: headerFor(engine.state, 2002n) })));
      bad.ops[0].signature.S = "-3";
      const refused = await app.inject({ method: "POST", url: "/v1/batches", payload: bad, headers: AUTH });
      expect(refused.statusCode).to.equal(400);
      expect(refused.json().message).to.match(/^body\/ops\/0/);
    } finally {
      await app.close();
    }
  });

  it("many machines: a follower serves reads and answers writes with 503 PRV_ERR_NOT_LEADER naming the leader", async function () {
    let leading = false;
    const leadership = { isLeader: () => leading, leader: async () => "10.0.0.7:8080#a1b2" };
    const { app, genesis } = await testService({ leadership });
    try {
      const body = encodeBatch(depositBatch(genesis, 2000n, [1]));
      const refused = await app.inject({ method: "POST", url: "/v1/batches", payload: body, headers: AUTH });
      expect(refused.statusCode).to.equal(503);
      expect(refused.json()).to.deep.include({ code: "PRV_ERR_NOT_LEADER", details: { leader: "10.0.0.7:8080#a1b2" } });
      expect(refused.json().message).to.contain("10.0.0.7:8080#a1b2");
      // no key, no answer about the leader: the key is checked first
      expect((await app.inject({ method: "POST", url: "/v1/batches", payload: body })).statusCode).to.equal(401);
      expect((await app.inject({ url: "/ready" })).statusCode).to.equal(200);
      expect((await app.inject({ url: "/v1/capacity" })).json()).to.include({ role: "follower", accepting: false });
      expect((await app.inject({ url: "/v1/jobs" })).statusCode).to.equal(200);
      expect((await app.inject({ url: "/metrics" })).body).to.contain("zksettle_leader 0");
      leading = true;
      const taken = await app.inject({ method: "POST", url: "/v1/batches", payload: body, headers: AUTH });
      expect(taken.statusCode, taken.body).to.equal(202);
      expect((await app.inject({ url: "/v1/capacity" })).json()).to.include({ role: "leader", accepting: true });
    } finally {
      await app.close();
    }
  });

  it("many machines, sequencer mode: a follower's sequencer is empty, so it sends op statuses and the book to the leader (503), never an 'unknown op' 404", async function () {
    let leading = false;
    const leadership = { isLeader: () => leading, leader: async () => "10.0.0.7:8080#a1b2" };
    const { app } = await testService({ mode: "sequencer", leadership });
    try {
      const id = "0x" + "ab".repeat(32);
      for (const url of [`/v1/ops/${id}`, "/v1/markets/1/book"]) {
        const r = await app.inject({ url });
        expect(r.statusCode, url).to.equal(503);
        expect(r.json()).to.deep.include({ code: "PRV_ERR_NOT_LEADER", details: { leader: "10.0.0.7:8080#a1b2" } });
      }
      leading = true;
      expect((await app.inject({ url: `/v1/ops/${id}` })).statusCode, "the leader knows which ops it has").to.equal(404);
      expect((await app.inject({ url: "/v1/markets/1/book" })).statusCode).to.equal(200);
    } finally {
      await app.close();
    }
  });

  it("accounts and Merkle proofs from the ledger; health, readiness, capacity, metrics, OpenAPI", async function () {
    const { app, engine, genesis } = await testService();
    try {
      await app.inject({ method: "POST", url: "/v1/batches", payload: encodeBatch(depositBatch(genesis, 2000n, [5])), headers: AUTH });
      const a = (await app.inject({ url: "/v1/accounts/5" })).json();
      expect(a).to.include({ index: 5, exists: true, collateral: "1000000000", nonce: "0" });
      const p = (await app.inject({ url: "/v1/accounts/5/proof" })).json();
      expect(p.accountsRoot).to.equal(engine.state.accountsRoot().toString());
      const siblings = p.siblings.map((l: string[]) => l.map((x) => BigInt(x)));
      expect(rootFromPath(5, BigInt(p.leaf), siblings).toString()).to.equal(p.accountsRoot);
      const out = await app.inject({ url: "/v1/accounts/16" });
      expect(out.statusCode).to.equal(400);
      expect(out.json().message).to.match(/outside the tree \(0\.\.15\)/);

      expect((await app.inject({ url: "/health" })).json().status).to.equal("ok");
      expect((await app.inject({ url: "/ready" })).json().ready).to.equal(true);
      expect((await app.inject({ url: "/v1/capacity" })).json()).to.include({ queued: 1, accepting: true, mode: "batch" });
      const m = await app.inject({ url: "/metrics" });
      expect(m.headers["content-type"]).to.match(/text\/plain/);
      expect(m.body).to.contain("zksettle_queue_depth 1").and.contain('zksettle_jobs{state="queued"} 1').and.contain("zksettle_http_requests_total");

      const doc = (await app.inject({ url: "/docs/json" })).json();
      expect(Object.keys(doc.paths)).to.include.members([
        "/v1/batches",
        "/v1/ops",
        "/v1/oracle/headers",
        "/v1/jobs/{id}",
        "/v1/jobs/{id}/proof",
        "/v1/jobs/{id}/cancel",
        "/v1/accounts/{index}",
        "/v1/accounts/{index}/proof",
        "/v1/capacity",
        "/health",
        "/ready",
        "/metrics",
      ]);
      expect((await app.inject({ url: "/docs" })).statusCode).to.be.oneOf([200, 302]);
    } finally {
      await app.close();
    }
  });

  it("answers bad bodies with the catalogue: 400 not JSON, 400 schema naming the field, 413 too large, 415, 404", async function () {
    const { app } = await testService({ config: { bodyLimit: 4096 } });
    try {
      const bad = await app.inject({ method: "POST", url: "/v1/batches", headers: { ...AUTH, "content-type": "application/json" }, payload: "{not json" });
      expect(bad.json().code).to.equal("PRV_ERR_BAD_JSON");
      const field = await app.inject({ method: "POST", url: "/v1/batches", headers: AUTH, payload: { header: {}, ops: [], deposits: [] } });
      expect(field.statusCode).to.equal(400);
      expect(field.json().code).to.equal("PRV_ERR_VALIDATION");
      expect(field.json().message).to.match(/body\/header must have required property 'timestamp'/);
      const big = await app.inject({ method: "POST", url: "/v1/batches", headers: AUTH, payload: { pad: "x".repeat(5000) } });
      expect(big.statusCode).to.equal(413);
      expect(big.json().code).to.equal("PRV_ERR_BODY_TOO_LARGE");
      const media = await app.inject({ method: "POST", url: "/v1/batches", headers: { ...AUTH, "content-type": "text/csv" }, payload: "a,b" });
      expect(media.statusCode).to.equal(415);
      const none = await app.inject({ url: "/v2/nothing" });
      expect(none.json()).to.include({ code: "PRV_ERR_NOT_FOUND", message: "no route GET /v2/nothing" });
      for (const code of ["PRV_ERR_BAD_JSON", "PRV_ERR_VALIDATION", "PRV_ERR_BODY_TOO_LARGE", "PRV_ERR_UNSUPPORTED_MEDIA"]) expect(API_ERRORS).to.have.property(code);
    } finally {
      await app.close();
    }
  });

  it("rate limit: 429 PRV_ERR_RATE_LIMITED with Retry-After", async function () {
    const { app } = await testService({ config: { rateLimit: 3 } });
    try {
      const codes: number[] = [];
      let last;
      for (let i = 0; i < 4; i++) {
        last = await app.inject({ url: "/v1/capacity" });
        codes.push(last.statusCode);
      }
      expect(codes).to.deep.equal([200, 200, 200, 429]);
      expect(last!.json().code).to.equal("PRV_ERR_RATE_LIMITED");
      expect(Number(last!.headers["retry-after"])).to.be.above(0);
      // probes and the scrape are exempt: a limited client address is not locked out of them
      for (const url of ["/health", "/ready", "/metrics"]) {
        for (let i = 0; i < 5; i++) expect((await app.inject({ url })).statusCode, url).to.equal(200);
      }
    } finally {
      await app.close();
    }
  });
});
