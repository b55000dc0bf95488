/**
 * The operator dashboard (docs/ui.md) in a real headless Chromium (Debian's
 * /usr/bin/chromium driven by playwright-core; nothing is downloaded) against the
 * API over the fake engine of test/prover/api/fakes.ts, listening on 127.0.0.1: a
 * batch posted through POST /v1/batches is driven queued → witness → proving →
 * verifying → submitting → confirmed and the page shows every stage; the screenshot
 * out/ui/dashboard.png is decoded and must not be blank; a bad API key gives a clear
 * banner and the read-only panels keep working; a missing build answers 503.
 */
import fs from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { expect } from "chai";
import Fastify, { type FastifyInstance } from "fastify";
import { chromium, type Browser, type Page } from "playwright-core";
import { buildApp, type AppContext } from "../../prover/api/app";
import { hashApiKey } from "../../prover/api/auth";
import type { Job, JobState } from "../../prover/service/engine-port";
import { uiRoutes } from "../../prover/api/routes/ui";
import { SHARED_SCHEMAS } from "../../prover/api/schemas";
import { encodeBatch } from "../../prover/api/wire";
import { depositNew, devGenesis } from "../../prover/dev/fixtures";
import { riskRoutes, type RiskSource } from "../../prover/api/routes/risk";
import type { RiskPlan } from "../../prover/risk/plan";
import { defaultConfig } from "../../prover/service/config";
import { createLogger } from "../../prover/log/logger";
import { ServiceMetrics } from "../../prover/service/metrics";
import type { Batch } from "../../prover/state/batch";
import type { State } from "../../prover/state/state";
import { ensureUiBuilt } from "../../scripts/build-ui";
import { API_KEY, AUTH, FakeEngine, PARAMS, headerFor } from "../prover/api/fakes";
import { decodePng, pixelStats } from "./png";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const OUT = path.resolve(__dirname, "..", "..", "out", "ui");
const USDC = 1_000_000n;
const PIPELINE: JobState[] = ["queued", "witness", "proving", "verifying", "submitting", "confirmed"];
/** Each wait on the page, ms (the page polls every 1.5 s). */
const WAIT = 15_000;

/** The fake engine plus what the dashboard reads: a job list, stage times, a tx, metrics. */
class DemoEngine extends FakeEngine {
  constructor(
    state: State,
    private readonly metrics: ServiceMetrics,
  ) {
    super(state);
  }

  listJobs(limit: number): Job[] {
    return [...this.jobs.values()].sort((a, b) => b.batchNumber - a.batchNumber).slice(0, limit);
  }

  /** Moves a job to `state`, recording the time spent in the stage it leaves (as the engine does). */
  override set(id: string, state: JobState): void {
    const before = this.jobs.get(id)!;
    super.set(id, state);
    const now = Date.now();
    const spent = Math.max(1, now - before.updatedAt);
    const stageMs = { ...before.stageMs, [before.state]: spent };
    this.metrics.observeStage(before.state, spent);
    if (state === "verifying") this.metrics.proofDone();
    const tx = state === "confirmed" ? { txHash: "0x" + before.batchNumber.toString(16).padStart(4, "0") + "ab".repeat(30), blockNumber: 100 + before.batchNumber, gasUsed: "312456" } : {};
    if (state === "confirmed") this.metrics.gas(312456);
    this.jobs.set(id, { ...this.jobs.get(id)!, ...tx, stageMs, updatedAt: now });
  }
}

/** A risk plan with what `planView` reads; the multiplier moves a little at each read. */
function riskSource(): RiskSource {
  let reads = 0;
  return {
    plan() {
      reads++;
      const wobble = 0.02 * Math.sin(reads / 3);
      return {
        latency: { p50: 4.2, p95: 7.9, p99: 9.5, stages: {} },
        T: 9.5,
        horizon: { T: 9.5, windowSeconds: 4.1, stallSeconds: 9.5, reorgSeconds: 0, upgradeSeconds: 0, source: "stall" },
        upgrade: { multiplier: 1.5, latencySeconds: 0, windows: [{ name: "fork-x", phase: "ahead" }] },
        emergency: true,
        percentile: "p99",
        z: 3,
        next: { mmBps: 5000n },
        publish: false,
        atRisk: [{ index: 3, equity: 950n * USDC, maintenanceNow: 900n * USDC, maintenanceNext: 1010n * USDC, shortfall: 60n * USDC }],
        markets: [
          { market: 0, sigmaAnnual: 0.62, targetScan: 0.081, appliedScan: 0.078, multiplier: 1.04 + wobble, pinned: false },
          { market: 1, sigmaAnnual: 0.85, targetScan: 0.112, appliedScan: 0.105, multiplier: 0.97 - wobble, pinned: true },
        ],
      } as unknown as RiskPlan;
    },
    overrides: () => ({ values: {}, log: [] }),
    setOverride: () => ({ values: {}, log: [] }),
    clientVersion: () => ({ current: "Geth/v1.15.0", previous: "Geth/v1.14.0", changedAt: 1 }),
  };
}

function depositBatch(s: State, ts: bigint, accounts: number[]): Batch {
  return { header: headerFor(s, ts), ops: accounts.map(() => ({ type: "DEPOSIT" as const })), deposits: accounts.map((i) => depositNew(i, 1000n * USDC)) };
}

async function rowState(page: Page, batch: number): Promise<string | null> {
  return page.getAttribute(`tr[data-testid="job-row"][data-batch="${batch}"]`, "data-state", { timeout: WAIT });
}

describe("# ui dashboard (headless chromium)", function () {
  this.timeout(180_000);
  let app: FastifyInstance;
  let engine: DemoEngine;
  let base: string;
  let browser: Browser | undefined;
  const pageErrors: string[] = [];

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    await ensureUiBuilt({ quiet: true });
    const genesis = await devGenesis(PARAMS);
    const metrics = new ServiceMetrics({ defaults: false });
    engine = new DemoEngine(genesis, metrics);
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    const config = { ...defaultConfig(), mode: "batch" as const, apiKeyHashes: [hashApiKey(API_KEY)], rateLimit: 0, logLevel: "silent" as const };
    app = await buildApp({ engine, ledger: engine, config, metrics, logger: createLogger("silent", sink) });
    await app.register(riskRoutes(riskSource()));
    base = await app.listen({ host: "127.0.0.1", port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, timeout: 30_000 });
  });

  after(async function () {
    await browser?.close();
    await app?.close();
  });

  async function openPage(): Promise<Page> {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.setDefaultTimeout(WAIT);
    await page.goto(`${base}/ui/`, { waitUntil: "load" });
    return page;
  }

  it("serves the built dashboard at /ui (redirect from /ui, hashed assets)", async function () {
    const redirect = await fetch(`${base}/ui`, { redirect: "manual" });
    expect(redirect.status).to.equal(302);
    expect(redirect.headers.get("location")).to.equal("/ui/");
    const html = await (await fetch(`${base}/ui/`)).text();
    expect(html).to.include('<div id="root">');
    const asset = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(html);
    expect(asset, html).to.not.equal(null);
    const js = await fetch(`${base}${asset![1]}`);
    expect(js.status).to.equal(200);
    expect(js.headers.get("content-type")).to.match(/javascript/);
    await js.arrayBuffer();
  });

  it("shows a batch moving from queued to confirmed, live, and writes a non-blank screenshot", async function () {
    const page = await openPage();
    await page.waitForSelector('[data-testid="no-jobs"]');
    // Read-only panels work without a key.
    expect(await page.textContent('[data-testid="key-status"]')).to.equal("read-only");
    await page.waitForSelector('[data-testid="margin-table"]');
    await page.waitForSelector('[data-testid="at-risk-table"]');
    // what sets T, the emergency override, an upgrade window and a client change are on show
    expect(await page.textContent('[data-testid="risk-emergency"]')).to.include("EMERGENCY override in force");
    expect(await page.textContent('[data-testid="risk-horizon"]')).to.include("T set by stall");
    expect(await page.textContent('[data-testid="risk-upgrade"]')).to.include("fork-x (ahead)");
    expect(await page.textContent('[data-testid="risk-client"]')).to.include("changed from Geth/v1.14.0");

    const res = await fetch(`${base}/v1/batches`, { method: "POST", headers: { ...AUTH, "content-type": "application/json" }, body: JSON.stringify(encodeBatch(depositBatch(engine.state, 2000n, [1, 2]))) });
    expect(res.status).to.equal(202);
    const job = (await res.json()) as { id: string; batchNumber: number };

    const seen: string[] = [];
    for (const [i, state] of PIPELINE.entries()) {
      if (i > 0) {
        await new Promise((r) => setTimeout(r, 150 + 100 * i)); // some time in each stage for the chart
        engine.set(job.id, state);
      }
      await page.waitForSelector(`tr[data-testid="job-row"][data-batch="${job.batchNumber}"][data-state="${state}"]`);
      seen.push((await rowState(page, job.batchNumber))!);
    }
    expect(seen).to.deep.equal(PIPELINE);

    const row = `tr[data-batch="${job.batchNumber}"]`;
    expect(await page.textContent(`${row} [data-testid="job-state"]`)).to.equal("confirmed");
    expect(await page.textContent(`${row} [data-testid="tx"]`)).to.match(/0x0001abab/);
    expect(await page.textContent(row)).to.include("2 deposits");
    const proofHref = await page.getAttribute(`${row} [data-testid="proof-link"]`, "href");
    const proof = await fetch(`${base}${proofHref}`);
    expect(proof.status).to.equal(200);
    expect(((await proof.json()) as { format: string }).format).to.equal("snarkjs");
    await page.waitForSelector('[data-testid="latency-chart"] rect');
    await page.waitForFunction(() => document.querySelector('[data-testid="queue-depth"]')?.textContent === "0");
    expect(await page.textContent('[data-testid="workers"]')).to.equal("0/1");

    fs.mkdirSync(OUT, { recursive: true });
    const file = path.join(OUT, "dashboard.png");
    await page.screenshot({ path: file, fullPage: true });
    const img = decodePng(fs.readFileSync(file));
    const stats = pixelStats(img);
    expect(img.width).to.be.at.least(1000);
    expect(stats.colours, "distinct colours").to.be.greaterThan(50);
    expect(stats.lumaStd, "luminance spread").to.be.greaterThan(5);
    expect(pageErrors).to.deep.equal([]);
    await page.close();
  });

  it("a bad API key shows a clear message, read-only panels keep working, a good key cancels", async function () {
    const page = await openPage();
    const res = await fetch(`${base}/v1/batches`, { method: "POST", headers: { ...AUTH, "content-type": "application/json" }, body: JSON.stringify(encodeBatch(depositBatch(engine.state, 3000n, [4]))) });
    expect(res.status).to.equal(202);
    const job = (await res.json()) as { id: string; batchNumber: number };
    const row = `tr[data-testid="job-row"][data-batch="${job.batchNumber}"]`;
    await page.waitForSelector(`${row}[data-state="queued"]`);

    // Cancel without a key: told to enter one.
    await page.click(`${row} [data-testid="cancel"]`);
    await page.waitForSelector('[data-testid="banner"][data-kind="auth"]');
    expect(await page.textContent('[data-testid="banner"]')).to.match(/enter the API key/);

    // A wrong key: refused at once, with the status and code.
    await page.fill('[data-testid="api-key"]', "not-the-key");
    await page.click('[data-testid="api-key-save"]');
    await page.waitForFunction(() => /refused/.test(document.querySelector('[data-testid="banner"]')?.textContent ?? ""));
    const msg = (await page.textContent('[data-testid="banner"]'))!;
    expect(msg).to.match(/API key was refused \(401 PRV_ERR_UNAUTHORIZED\)/);
    expect(await page.textContent('[data-testid="key-status"]')).to.equal("key refused");
    expect(await page.evaluate(() => sessionStorage.getItem("zksettle.apiKey"))).to.equal("not-the-key");

    // The operator route with the wrong key: the same clear message, nothing changed.
    await page.click('[data-testid="banner"] button');
    await page.click(`${row} [data-testid="cancel"]`);
    await page.waitForFunction(() => /Cancelling batch \d+: the API key was refused \(401/.test(document.querySelector('[data-testid="banner"]')?.textContent ?? ""));
    expect(engine.getJob(job.id)!.state).to.equal("queued");
    await page.screenshot({ path: path.join(OUT, "bad-key.png") });

    // The page is not broken: panels still render and keep updating.
    engine.set(job.id, "witness");
    await page.waitForSelector(`${row}[data-state="witness"]`);
    await page.waitForSelector('[data-testid="margin-table"]');

    // The right key: accepted, and the cancel goes through.
    await page.fill('[data-testid="api-key"]', API_KEY);
    await page.click('[data-testid="api-key-save"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="key-status"]')?.textContent === "operator");
    await page.click(`${row} [data-testid="cancel"]`);
    await page.waitForSelector(`${row}[data-state="cancelled"]`);
    expect(engine.getJob(job.id)!.state).to.equal("cancelled");
    expect(pageErrors).to.deep.equal([]);
    await page.close();
  });

  it("GET /v1/jobs lists the newest jobs; /v1/auth/check checks the key", async function () {
    const list = (await (await fetch(`${base}/v1/jobs?limit=1`)).json()) as { jobs: { batchNumber: number; batch?: unknown; hasProof: boolean }[]; ops: Record<string, { total: number }> };
    expect(list.jobs.map((j) => j.batchNumber)).to.deep.equal([2]);
    expect(list.jobs[0]).to.not.have.property("batch");
    expect(Object.values(list.ops)[0].total).to.equal(1);
    expect((await fetch(`${base}/v1/jobs?limit=0`)).status).to.equal(400);
    expect((await fetch(`${base}/v1/jobs?limit=201`)).status).to.equal(400);
    expect((await fetch(`${base}/v1/auth/check`)).status).to.equal(401);
    expect((await fetch(`${base}/v1/auth/check`, { headers: { "x-api-key": "nope" } })).status).to.equal(401);
    const ok = await fetch(`${base}/v1/auth/check`, { headers: AUTH });
    expect(ok.status).to.equal(200);
    expect(await ok.json()).to.deep.include({ valid: true, roles: ["trader", "operator", "oracle"] });
  });

  it("a service without the risk routes: those panels say 'not available' and are not polled every time", async function () {
    const genesis = await devGenesis(PARAMS);
    const metrics = new ServiceMetrics({ defaults: false });
    const plain = new FakeEngine(genesis);
    const config = { ...defaultConfig(), mode: "batch" as const, apiKeyHashes: [hashApiKey(API_KEY)], rateLimit: 0, logLevel: "silent" as const };
    const other = await buildApp({ engine: plain, ledger: plain, config, metrics, logger: createLogger("silent", new Writable({ write: (_c, _e, cb) => cb() })) });
    const url = await other.listen({ host: "127.0.0.1", port: 0 });
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      page.on("pageerror", (e) => pageErrors.push(e.message));
      page.setDefaultTimeout(WAIT);
      await page.goto(`${url}/ui/`);
      await page.waitForSelector('[data-testid="panel-margin"] [data-testid="not-available"]');
      await page.waitForSelector('[data-testid="panel-at-risk"] [data-testid="not-available"]');
      expect(await page.textContent('[data-testid="panel-margin"]')).to.match(/not available/);
      await page.waitForSelector('[data-testid="no-jobs"]');
      await new Promise((r) => setTimeout(r, 4000)); // ~3 polls
      const notFound = /zksettle_errors_total\{code="PRV_ERR_NOT_FOUND"\} (\d+)/.exec(await metrics.text());
      expect(Number(notFound?.[1] ?? 0), "404s of the absent risk routes (4 routes, asked once)").to.be.at.most(4);
      expect(pageErrors).to.deep.equal([]);
    } finally {
      await page.close();
      await other.close();
    }
  });

  it("without a build, /ui answers 503 naming the build command", async function () {
    const bare = Fastify();
    for (const s of SHARED_SCHEMAS) bare.addSchema(s);
    await bare.register(uiRoutes({ engine } as unknown as AppContext, { dir: path.join(OUT, "no-such-build") }));
    try {
      const r = await bare.inject({ method: "GET", url: "/ui/" });
      expect(r.statusCode).to.equal(503);
      expect(r.headers["content-type"]).to.match(/text\/plain/);
      expect(r.body).to.include("scripts/build-ui.ts");
    } finally {
      await bare.close();
    }
  });
});
