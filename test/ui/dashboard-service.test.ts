/**
 * The dashboard against the real `zksettle serve` (child process, batch mode, `ci`
 * circuit, one prover thread) on a hardhat node on 127.0.0.1 with the dev deployment:
 * two batches of the demo scenario are posted and the page, in headless Chromium
 * (/usr/bin/chromium via playwright-core), shows each move along the pipeline to
 * confirmed with its proof links, transaction and latency bars, listed through the
 * engine's job events, and the risk loop's margin per market and at-risk accounts.
 * Takes about 30 s.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { chromium, type Browser } from "playwright-core";
import { hashApiKey } from "../../prover/api/auth";
import { serializeBatch } from "../../prover/codec/batch-codec";
import { ensureUiBuilt } from "../../scripts/build-ui";
import { deployDevContracts, hardhatKey, hardhatSigner, l1Deposit, startHardhatNode, type DevChain } from "../../scripts/lib/dev-chain";
import { http, startServiceProcess, type ServiceProcess } from "../helpers/service-process";
import { CI_PARAMS, ciGenesis, scenario } from "../prover/service/fixtures";
import { decodePng, pixelStats } from "./png";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const OUT = path.resolve(__dirname, "..", "..", "out", "ui");
const KEY = "ui-e2e-key";
const ORDER = ["queued", "witness", "proving", "verifying", "submitting", "confirmed"];

describe("# ui dashboard against zksettle serve on a hardhat node", function () {
  this.timeout(300_000);
  let chain: DevChain | undefined;
  let svc: ServiceProcess | undefined;
  let browser: Browser | undefined;
  let dataDir: string | undefined;

  after(async function () {
    await browser?.close();
    if (svc !== undefined) {
      svc.kill("SIGTERM");
      await svc.exited;
    }
    await chain?.stop();
    if (dataDir !== undefined) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("shows the demo batches move from queued to confirmed", async function () {
    await ensureUiBuilt({ quiet: true });
    const genesis = await ciGenesis();
    const batches = scenario(genesis, 2).batches;
    chain = await startHardhatNode();
    const contracts = await deployDevContracts(hardhatSigner(0, chain.provider), CI_PARAMS, genesis);
    const wallets = [1, 2].map((i) => hardhatSigner(i, chain!.provider));
    for (const b of batches) for (const d of b.deposits) await l1Deposit(contracts, wallets[d.accountIndex - 1], d);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-ui-"));
    svc = await startServiceProcess(
      ["--mode", "batch", "--data-dir", dataDir, "--dev-genesis", "--params", "ci", "--rpc-url", chain.url, "--settlement", contracts.settlement.target as string,
        "--from-block", String(contracts.deployBlock), "--workers", "1", "--poll-interval", "200", "--api-key-hashes", hashApiKey(KEY), "--rate-limit", "0"],
      { ZKSETTLE_SIGNER_KEY: hardhatKey(0) },
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, timeout: 30_000 });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(`${svc.url}/ui/`);
    await page.waitForSelector('[data-testid="no-jobs"]', { timeout: 15_000 });

    for (const [i, b] of batches.entries()) {
      const r = await http<{ batchNumber: number }>(`${svc.url}/v1/batches`, { body: serializeBatch(b), key: KEY, headers: { "idempotency-key": `ui-${i}` } });
      expect(r.status, JSON.stringify(r.body)).to.equal(202);
    }
    // What the page shows for each batch, sampled every 250 ms until both are confirmed.
    const seen: Record<string, string[]> = {};
    const deadline = Date.now() + 240_000;
    for (;;) {
      const rows = await page.$$eval('tr[data-testid="job-row"]', (trs) => trs.map((r) => [r.getAttribute("data-batch") ?? "", r.getAttribute("data-state") ?? ""]));
      for (const [n, s] of rows) if (seen[n]?.at(-1) !== s) (seen[n] ??= []).push(s);
      if (rows.length === 2 && rows.every(([, s]) => s === "confirmed")) break;
      if (rows.some(([, s]) => s === "failed") || Date.now() > deadline) {
        const jobs = await http<{ jobs: { batchNumber: number; state: string; error?: unknown }[] }>(`${svc.url}/v1/jobs`);
        throw new Error(`the batches did not confirm: ${JSON.stringify(seen)}; ${JSON.stringify(jobs.body.jobs.map((j) => [j.batchNumber, j.state, j.error]))}`);
      }
      await page.waitForTimeout(250);
    }
    for (const n of ["1", "2"]) {
      expect(seen[n].length, `batch ${n}: ${seen[n].join(" → ")}`).to.be.at.least(2); // seen before it was confirmed
      expect(seen[n].map((s) => ORDER.indexOf(s)), `batch ${n} in pipeline order`).to.deep.equal([...seen[n].map((s) => ORDER.indexOf(s))].sort((a, b) => a - b));
    }
    expect(seen["2"][0]).to.equal("queued"); // one prover thread: batch 2 waits for batch 1

    for (const n of [1, 2]) {
      const row = `tr[data-testid="job-row"][data-batch="${n}"]`;
      expect(await page.textContent(`${row} [data-testid="tx"]`)).to.match(/0x[0-9a-f]{8}/);
      await page.waitForSelector(`${row} [data-testid="proof-link"]`);
    }
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="latency-chart"] g > rect').length >= 2, undefined, { timeout: 10_000 });
    // The risk loop measured both batches: margin per market and the at-risk list are live.
    const risk = await http<{ timeToFinality: { stages: Record<string, { count: number }> }; markets: unknown[] }>(`${svc.url}/v1/risk`);
    expect(risk.status).to.equal(200);
    expect(risk.body.timeToFinality.stages.proving.count, "proving samples").to.be.at.least(2);
    await page.waitForFunction((m) => document.querySelectorAll('[data-testid="margin-table"] tbody tr').length === m, CI_PARAMS.markets, { timeout: 10_000 });
    expect(await page.$('[data-testid="panel-at-risk"] [data-testid="not-available"]')).to.equal(null);
    expect(await page.$('[data-testid="panel-margin"] [data-testid="not-available"]')).to.equal(null);
    fs.mkdirSync(OUT, { recursive: true });
    const file = path.join(OUT, "dashboard-service.png");
    await page.screenshot({ path: file, fullPage: true });
    const stats = pixelStats(decodePng(fs.readFileSync(file)));
    expect(stats.colours).to.be.greaterThan(50);
    expect(stats.lumaStd).to.be.greaterThan(5);
    expect(pageErrors).to.deep.equal([]);
  });
});
