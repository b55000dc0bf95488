/**
 * API keys carry roles (issue 19 item 3): each role is refused what it may not do (401
 * without a valid key, 403 PRV_ERR_FORBIDDEN with a key that lacks the route's role),
 * deposits and forced withdrawals come only from the L1 queue, and oracle headers are
 * checked before they are accepted. A refusal changes nothing.
 */
import { expect } from "chai";
import { hashApiKey, KEY_ENTRY } from "../../../prover/api/auth";
import { encodeBatch, encodeDeposit, encodeHeader, encodeOp, encodeOrder } from "../../../prover/api/wire";
import { depositNew, devOrder, devWithdrawal, forcedRequest, signedHeader } from "../../../prover/dev/fixtures";
import { headerFor, testService, memoryRisk } from "./fakes";

const USDC = 1_000_000n;
const KEYS = { trader: "k-trader", operator: "k-operator", oracle: "k-oracle", readOnly: "k-read", all: "k-all" } as const;
const API_KEY_HASHES = [
  `trader:${hashApiKey(KEYS.trader)}`,
  `operator:${hashApiKey(KEYS.operator)}`,
  `oracle:${hashApiKey(KEYS.oracle)}`,
  `read-only:${hashApiKey(KEYS.readOnly)}`,
  hashApiKey(KEYS.all), // a bare digest: trader+operator+oracle
];
const as = (key: string) => ({ authorization: `Bearer ${key}` });


type Who = keyof typeof KEYS | "none" | "unknown";
const ALL: readonly Who[] = ["trader", "operator", "oracle", "readOnly", "all", "none", "unknown"];
const headersOf = (who: Who): Record<string, string> => (who === "none" ? {} : who === "unknown" ? as("not-a-key") : as(KEYS[who]));

/** The answer class: 401, 403, or through the key check (anything else). */
function gate(status: number, code: string | undefined): "401" | "403" | "pass" {
  if (status === 401) return "401";
  if (status === 403 && code === "PRV_ERR_FORBIDDEN") return "403";
  return "pass";
}

describe("# api roles", function () {
  it("batch mode: only the operator submits batches, cancels jobs and sets risk overrides", async function () {
    const risk = memoryRisk();
    const { app, engine, genesis } = await testService({ config: { apiKeyHashes: API_KEY_HASHES }, risk });
    try {
      const job = engine.submitBatch({ header: headerFor(genesis, 2000n), ops: [{ type: "DEPOSIT" }], deposits: [depositNew(1, USDC)] });
      const routes = [
        { url: "/v1/batches", payload: encodeBatch({ header: headerFor(engine.state, 2001n), ops: [], deposits: [] }) },
        { url: `/v1/jobs/${job.id}/cancel`, payload: undefined },
        { url: "/v1/risk/overrides", payload: { key: "z", value: 3, reason: "test" } },
      ];
      for (const r of routes) {
        for (const who of ALL) {
          const jobs = engine.jobs.size;
          const state = engine.jobs.get(job.id)!.state;
          const log = risk.current.log.length;
          const res = await app.inject({ method: "POST", url: r.url, payload: r.payload, headers: headersOf(who) });
          const g = gate(res.statusCode, res.json().code);
          const expected = who === "operator" || who === "all" ? "pass" : who === "none" || who === "unknown" ? "401" : "403";
          expect(g, `${who} → POST ${r.url}: ${res.body}`).to.equal(expected);
          if (g !== "pass") {
            expect([engine.jobs.size, engine.jobs.get(job.id)!.state, risk.current.log.length], `${who} changed nothing`).to.deep.equal([jobs, state, log]);
            if (g === "403") expect(res.json().details).to.include({ role: "operator" });
          }
        }
      }
    } finally {
      await app.close();
    }
  });

  it("sequencer mode: only a trader posts ops and only the oracle posts headers", async function () {
    const { app, genesis, sequencer } = await testService({ mode: "sequencer", config: { apiKeyHashes: API_KEY_HASHES, batchInterval: 3600 } });
    const seq = sequencer!;
    try {
      for (const who of ALL) {
        const root = seq.pendingState().stateRoot();
        const header = seq.currentHeader();
        const res = await app.inject({ method: "POST", url: "/v1/oracle/headers", payload: encodeHeader(signedHeader(genesis, 2000n)), headers: headersOf(who) });
        const expected = who === "oracle" || who === "all" ? "pass" : who === "none" || who === "unknown" ? "401" : "403";
        expect(gate(res.statusCode, res.json().code), `${who} → header: ${res.body}`).to.equal(expected);
        if (expected !== "pass") expect(seq.currentHeader()).to.equal(header);
        expect(seq.pendingState().stateRoot()).to.equal(root);
      }
      seq.submitDeposit(depositNew(1, 10_000n * USDC));
      seq.submitDeposit(depositNew(2, 10_000n * USDC));
      const s = seq.pendingState();
      let account = 1;
      for (const who of ALL) {
        const pending = seq.pendingOps;
        const order = devOrder(s, { accountIndex: account, marketId: 1, isBuy: false, size: 1n, limitPrice: 60_000_000n });
        const res = await app.inject({ method: "POST", url: "/v1/ops", payload: { type: "ORDER", order: encodeOrder(order) }, headers: headersOf(who) });
        const expected = who === "trader" || who === "all" ? "pass" : who === "none" || who === "unknown" ? "401" : "403";
        expect(gate(res.statusCode, res.json().code), `${who} → order: ${res.body}`).to.equal(expected);
        if (expected === "pass") {
          expect(res.statusCode, res.body).to.equal(200);
          account++;
        } else {
          expect(seq.pendingOps).to.equal(pending);
          expect(res.json().details?.role ?? "none").to.be.oneOf(["trader", "none"]);
        }
      }
      expect(seq.restingOrders).to.equal(2); // the trader's and the bare key's
    } finally {
      await app.close();
    }
  });

  it("read-only: refused every write, its roles shown by /v1/auth/check", async function () {
    const { app } = await testService({ config: { apiKeyHashes: API_KEY_HASHES } });
    try {
      const check = await app.inject({ url: "/v1/auth/check", headers: as(KEYS.readOnly) });
      expect(check.json()).to.deep.equal({ valid: true, roles: ["read-only"] });
      expect((await app.inject({ url: "/v1/auth/check", headers: as(KEYS.all) })).json().roles).to.have.members(["trader", "operator", "oracle"]);
      expect((await app.inject({ url: "/v1/auth/check" })).statusCode).to.equal(401);
      const w = await app.inject({ method: "POST", url: "/v1/batches", payload: {}, headers: as(KEYS.readOnly) });
      expect(w.statusCode).to.equal(403);
      expect(w.json()).to.deep.include({ code: "PRV_ERR_FORBIDDEN", details: { role: "operator", roles: "read-only" } });
    } finally {
      await app.close();
    }
  });

  it("sequencer mode: DEPOSIT and FORCED_WITHDRAW are refused from the API for every key, changing nothing", async function () {
    const { app, genesis, sequencer } = await testService({ mode: "sequencer", config: { apiKeyHashes: API_KEY_HASHES } });
    const seq = sequencer!;
    try {
      await app.inject({ method: "POST", url: "/v1/oracle/headers", payload: encodeHeader(signedHeader(genesis, 2000n)), headers: as(KEYS.oracle) });
      const root = seq.pendingState().stateRoot();
      for (const who of ["trader", "operator", "oracle", "all"] as const) {
        for (const payload of [
          { type: "DEPOSIT", entry: encodeDeposit(depositNew(1, 10_000n * USDC)) },
          { type: "FORCED_WITHDRAW", entry: encodeDeposit(forcedRequest(1, USDC)) },
        ]) {
          const res = await app.inject({ method: "POST", url: "/v1/ops", payload, headers: as(KEYS[who]) });
          const expected = who === "trader" || who === "all" ? "PRV_ERR_L1_QUEUE_ONLY" : "PRV_ERR_FORBIDDEN";
          expect(res.statusCode, `${who} ${payload.type}`).to.equal(403);
          expect(res.json().code, `${who} ${payload.type}`).to.equal(expected);
        }
      }
      expect(seq.pendingOps).to.equal(0);
      expect(seq.pendingState().stateRoot()).to.equal(root);
    } finally {
      await app.close();
    }
  });

  it("oracle headers: refused without a quorum, with a forged signature, or too far ahead of the clock; nothing changes", async function () {
    const { app, genesis, sequencer } = await testService({ mode: "sequencer", config: { apiKeyHashes: API_KEY_HASHES, maxOracleDrift: 60 } });
    const seq = sequencer!;
    const post = (payload: object) => app.inject({ method: "POST", url: "/v1/oracle/headers", payload, headers: as(KEYS.oracle) });
    try {
      const good = encodeHeader(signedHeader(genesis, 2000n));
      const unsigned = await post({ ...good, signatures: [] });
      expect(unsigned.statusCode).to.equal(400); // the schema wants at least one signature
      expect(unsigned.json().message).to.contain("signatures");
      const oneSig = await post({ ...good, signatures: good.signatures.slice(0, 1) });
      expect(oneSig.json().details.rule).to.equal("ORACLE_QUORUM");
      const forged = await post({ ...good, markPrices: good.markPrices.map((p, m) => (m === 0 ? String(BigInt(p) + 1n) : p)) });
      expect(forged.statusCode).to.equal(422);
      expect(forged.json().details.rule).to.equal("BAD_SIGNATURE");
      const now = BigInt(Math.floor(Date.now() / 1000));
      const ahead = await post(encodeHeader(signedHeader(genesis, now + 3600n)));
      expect(ahead.statusCode).to.equal(422);
      expect(ahead.json().code).to.equal("PRV_ERR_ORACLE_DRIFT");
      expect(seq.currentHeader()).to.equal(undefined);
      const ok = await post(encodeHeader(signedHeader(genesis, now + 30n)));
      expect(ok.statusCode, ok.body).to.equal(200);
      expect(seq.currentHeader()?.timestamp).to.equal(now + 30n);
    } finally {
      await app.close();
    }
  });

  it("a withdrawal signed by its account needs the trader role too", async function () {
    const { app, genesis, sequencer } = await testService({ mode: "sequencer", config: { apiKeyHashes: API_KEY_HASHES } });
    try {
      await app.inject({ method: "POST", url: "/v1/oracle/headers", payload: encodeHeader(signedHeader(genesis, 2000n)), headers: as(KEYS.oracle) });
      sequencer!.submitDeposit(depositNew(1, 100n * USDC));
      const w = encodeOp(devWithdrawal(sequencer!.pendingState(), 1, USDC));
      expect((await app.inject({ method: "POST", url: "/v1/ops", payload: w, headers: as(KEYS.operator) })).statusCode).to.equal(403);
      expect((await app.inject({ method: "POST", url: "/v1/ops", payload: w, headers: as(KEYS.trader) })).json()).to.include({ status: "accepted", op: "WITHDRAW" });
    } finally {
      await app.close();
    }
  });

  describe("private reads: once a key is bound to accounts, a trader reads its own", function () {
    const BOUND = { ...KEYS, bound: "k-bound" } as const;
    const HASHES = [...API_KEY_HASHES, `trader@1@3:${hashApiKey(BOUND.bound)}`];
    type Reader = keyof typeof BOUND | "none" | "unknown";
    const READERS: readonly Reader[] = ["bound", "trader", "operator", "oracle", "readOnly", "all", "none", "unknown"];
    const headers = (who: Reader): Record<string, string> => (who === "none" ? {} : who === "unknown" ? as("not-a-key") : as(BOUND[who]));

    it("accounts: operator, read-only and bare keys read all; the bound trader its accounts 1 and 3; anyone else is refused", async function () {
      const { app } = await testService({ config: { apiKeyHashes: HASHES } });
      try {
        for (const url of ["/v1/accounts/1", "/v1/accounts/2", "/v1/accounts/3/proof", "/v1/accounts/2/proof"]) {
          const own = url.startsWith("/v1/accounts/1") || url.startsWith("/v1/accounts/3");
          for (const who of READERS) {
            const res = await app.inject({ url, headers: headers(who) });
            const expected = who === "none" || who === "unknown" ? "401" : who === "operator" || who === "readOnly" || who === "all" || (who === "bound" && own) ? "pass" : "403";
            expect(gate(res.statusCode, res.json().code), `${who} → ${url}: ${res.body}`).to.equal(expected);
            if (expected === "pass") expect(res.statusCode, `${who} → ${url}`).to.equal(200);
            if (expected === "403" && who === "bound") expect(res.json().message).to.contain("not bound to this key (bound: 1, 3)");
          }
        }
      } finally {
        await app.close();
      }
    });

    it("jobs: any valid key reads a job by its id; the job list and the accounts at risk only operator and read-only keys", async function () {
      const { app, engine, genesis } = await testService({ config: { apiKeyHashes: HASHES }, risk: memoryRisk() });
      try {
        for (const who of ["bound", "trader", "oracle"] as const) expect(gate((await app.inject({ url: "/v1/risk/at-risk", headers: headers(who) })).statusCode, "PRV_ERR_FORBIDDEN"), `${who} → at-risk`).to.equal("403");
        for (const who of ["readOnly", "operator"] as const) expect((await app.inject({ url: "/v1/risk/at-risk", headers: headers(who) })).statusCode, `${who} → at-risk`).to.not.be.oneOf([401, 403]);
        const job = engine.submitBatch({ header: headerFor(genesis, 2000n), ops: [{ type: "DEPOSIT" }], deposits: [depositNew(1, USDC)] });
        for (const who of READERS) {
          const byId = await app.inject({ url: `/v1/jobs/${job.id}`, headers: headers(who) });
          expect(gate(byId.statusCode, byId.json().code), `${who} → job by id`).to.equal(who === "none" || who === "unknown" ? "401" : "pass");
          const list = await app.inject({ url: "/v1/jobs?limit=5", headers: headers(who) });
          const expected = who === "none" || who === "unknown" ? "401" : who === "operator" || who === "readOnly" || who === "all" ? "pass" : "403";
          expect(gate(list.statusCode, list.json().code), `${who} → job list: ${list.body}`).to.equal(expected);
        }
        // market data and aggregates stay public
        expect((await app.inject({ url: "/v1/capacity" })).statusCode).to.equal(200);
      } finally {
        await app.close();
      }
    });

    it("sequencer mode: an op's status needs a valid key (its id is the capability); the book stays public", async function () {
      const { app, sequencer } = await testService({ mode: "sequencer", devOracle: true, config: { apiKeyHashes: HASHES, batchInterval: 3600 } });
      try {
        sequencer!.submitDeposit(depositNew(1, 10_000n * USDC));
        const order = devOrder(sequencer!.pendingState(), { accountIndex: 1, marketId: 1, isBuy: false, size: 1n, limitPrice: 60_000_000n });
        const posted = await app.inject({ method: "POST", url: "/v1/ops", payload: { type: "ORDER", order: encodeOrder(order) }, headers: headers("bound") });
        expect(posted.statusCode, posted.body).to.equal(200);
        const id = posted.json().orderId as string;
        for (const who of READERS) {
          const res = await app.inject({ url: `/v1/ops/${id}`, headers: headers(who) });
          expect(gate(res.statusCode, res.json().code), `${who} → op status`).to.equal(who === "none" || who === "unknown" ? "401" : "pass");
        }
        expect((await app.inject({ url: "/v1/markets/1/book" })).statusCode).to.equal(200);
      } finally {
        await app.close();
      }
    });

    it("without any bound key, reads stay public as before", async function () {
      const { app } = await testService({ config: { apiKeyHashes: API_KEY_HASHES } });
      try {
        expect((await app.inject({ url: "/v1/accounts/2" })).statusCode).to.equal(200);
        expect((await app.inject({ url: "/v1/jobs" })).statusCode).to.equal(200);
      } finally {
        await app.close();
      }
    });

    it("a binding is part of the entry's syntax: malformed ones are refused at start", function () {
      const d = hashApiKey("x");
      for (const good of [`trader@0:${d}`, `trader+read-only@5@6:${d}`]) expect(KEY_ENTRY.test(good), good).to.equal(true);
      for (const bad of [`trader@:${d}`, `trader@01:${d}`, `@1:${d}`, `trader@-1:${d}`, `trader@1,2:${d}`]) expect(KEY_ENTRY.test(bad), bad).to.equal(false);
    });
  });
});
