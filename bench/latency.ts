/**
 * Margin under injected latency, measured (issue 14, item 8): `zksettle serve` in
 * sequencer mode (in this process, --dev-oracle, ci circuit, one prover thread) against
 * a hardhat node on 127.0.0.1 mining a block every second, through a JSON-RPC proxy.
 * One trade per batch; after each batch is confirmed the service's own risk loop has
 * recorded the batch's stage latencies and planned the next arrays, which the dev oracle
 * signs into the next header, so the arrays in force on chain follow the latency.
 *
 * The risk config is the SHIPPED DEFAULT (nothing tuned for the bench). After a warm-up
 * baseline (until margin has reached its target under the measured latency), each condition is injected in turn for B batches, then the bench waits (up
 * to R batches) for margin to come back within 2% of the baseline:
 *   slow blocks     block every 6 s (evm_setIntervalMining)
 *   late finality   the proxy answers the `finalized` / `safe` tags 12 blocks behind the head
 *   slow proving    one busy-loop process per core competes with the prover
 *   prover stall    the engine stands down with a batch cut and waiting; every 5 s the bench
 *                   plans the header the dev oracle would sign (risk loop, chained arrays)
 *                   until the stall's age has set T for STALL_INTERVALS headers (at most
 *                   10 min), then the engine resumes
 *   upgrade window  an upgrade window (scan ×1.5) opens, scheduled at run time
 *                   (RiskLoop.scheduleUpgrades), and is cleared after B batches
 *
 * bench/latency.json keeps `rows`: per batch `{ step, condition, tP99Seconds,
 * endToEndSeconds, initialMarginUsdc }`, with `condition` "baseline" (warm-up and every
 * recovery) or the condition's name; `endToEndSeconds` is that batch's own job, created →
 * confirmed. `steps`, `parameters` and `summary` keep the report's experiment shape
 * (fig-margin-live) and `conditions` says, per condition, whether margin rose above the
 * baseline and came back within 2%.
 *
 * Usage: npx ts-node bench/latency.ts [--quick]   (quick: warm-up 2–8, B = 1, R = 2; full: 6–40, 3, 30)
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { hashApiKey } from "../prover/api/auth";
import { encodeOrder } from "../prover/api/wire";
import { CI_PARAMS, depositNew, devGenesis, devOrder } from "../prover/dev/fixtures";
import { parseRiskConfig, sigmasOf } from "../prover/risk/controls";
import { LATENCY_STAGES, type LatencyStage } from "../prover/risk/latency-window";
import { openingRisk, underlyingPrices } from "../prover/risk/plan";
import { SAMPLE_PORTFOLIO, samplePortfolio } from "../prover/dev/sample-portfolio";
import type { Risk } from "../prover/state/global";
import { startService } from "../prover/service/bootstrap";
import { defaultConfig, type Config } from "../prover/service/config";
import { genesisFileOf } from "../prover/service/genesis-file";
import { createLogger } from "../prover/service/log";
import { ServiceMetrics } from "../prover/service/metrics";
import { initialMargin, maintenanceMargin } from "../prover/state/margin";
import type { Job } from "../prover/store/job-store";
import { terminateCurves } from "../prover/zk/prover";
import { deployDevContracts, hardhatKey, hardhatSigner, l1Deposit, startHardhatNode } from "../scripts/lib/dev-chain";
import { rowsWithinStep, summarize, type ExperimentResult, type ExperimentStep, type Injection } from "./report/experiment";
import { startLagProxy } from "./report/rpc-lag-proxy";
import { benchOut } from "./out";

const USDC = 1_000_000;
const BLOCK_MS = 1000;
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Condition = "slow blocks" | "late finality" | "slow proving" | "prover stall" | "upgrade window";
const CONDITIONS: readonly Condition[] = ["slow blocks", "late finality", "slow proving", "prover stall", "upgrade window"];
const EFFECT: Record<Condition, string> = {
  "slow blocks": "block interval ×6 (1 → 6 s)",
  "late finality": "the finalized / safe tags answered 12 blocks (≈ 12 s) behind the head",
  "slow proving": "one busy process per core beside the prover",
  "prover stall": "the engine stands down with a batch waiting until the stall has set T for 4 headers 5 s apart",
  "upgrade window": "an upgrade window opens: scan ×1.5",
};
const STALL_INTERVALS = 4;
const STALL_INTERVAL_MS = 5000;

/** One row of bench/latency.json (issue 14's format). */
export interface LatencyRow {
  readonly step: number;
  readonly condition: "baseline" | Condition;
  readonly tP99Seconds: number;
  readonly endToEndSeconds: number;
  readonly initialMarginUsdc: number;
}

function cpuHogs(): ChildProcess[] {
  return Array.from({ length: os.cpus().length }, () => spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" }));
}

/** What the run gives: the report's experiment shape plus the issue's rows and a verdict per condition. */
export interface LiveResult extends ExperimentResult {
  readonly rows: readonly LatencyRow[];
  readonly conditions: readonly { readonly condition: Condition; readonly baselineUsdc: number; readonly peakUsdc: number; readonly rose: boolean; readonly backWithin2Pct: boolean }[];
}

export async function runLiveExperiment(quick: boolean): Promise<LiveResult> {
  // warm-up: at least `warmUp` batches, then until margin has reached its target (≤ maxWarm)
  const [warmUp, maxWarm, B, R] = quick ? [2, 8, 1, 2] : [6, 40, 3, 30];
  const cfg = parseRiskConfig({}, CI_PARAMS.markets);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-latency-"));
  const now = BigInt(Math.floor(Date.now() / 1000));

  // The venue opens with the arrays the policy sets at the seed latency (openingRisk).
  const base = await devGenesis(CI_PARAMS, { timestamp: now - 10n });
  const markets = base.global.markets;
  const opening = openingRisk(cfg, { markets, underlyingPrice: underlyingPrices(markets), sigmaPerSecond: sigmasOf(cfg), now: Number(now), scenarios: CI_PARAMS.scenarios, mmBps: base.global.risk.mmBps });
  const genesis = await devGenesis(CI_PARAMS, { timestamp: now - 10n, risk: opening });
  const genesisFile = path.join(work, "genesis.json");
  fs.writeFileSync(genesisFile, JSON.stringify(genesisFileOf(genesis, "ci")));

  const chain = await startHardhatNode();
  const contracts = await deployDevContracts(hardhatSigner(0, chain.provider), CI_PARAMS, genesis);
  await chain.provider.send("evm_setAutomine", [false]);
  await chain.provider.send("evm_setIntervalMining", [BLOCK_MS]);
  const proxy = await startLagProxy(chain.url);
  const key = "bench-key";
  const config: Config = {
    ...defaultConfig(),
    mode: "sequencer",
    port: 0,
    dataDir: path.join(work, "data"),
    genesis: genesisFile,
    devOracle: true,
    apiKeyHashes: [hashApiKey(key)],
    rateLimit: 0,
    batchInterval: 1,
    workers: 1,
    rpcUrl: proxy.url,
    settlement: contracts.settlement.target as string,
    signerKey: hardhatKey(0),
    fromBlock: contracts.deployBlock,
    pollInterval: 200,
    riskConfig: "",
    logLevel: "warn",
  };
  const svc = await startService(config, createLogger("warn"), new ServiceMetrics({ defaults: false }), { exit: () => undefined });
  const created = new Map<number, number>();
  const confirmed = new Map<number, number>();
  svc.engine.on("job", (j: Job) => {
    if (!created.has(j.batchNumber)) created.set(j.batchNumber, j.createdAt);
    if (j.state === "confirmed") confirmed.set(j.batchNumber, j.updatedAt);
    if (j.state === "failed") console.error(`batch ${j.batchNumber} failed: ${j.error?.message}`);
  });
  const until = async (pred: () => boolean, ms: number, what: string): Promise<void> => {
    const t0 = Date.now();
    while (!pred()) {
      if (Date.now() - t0 > ms) throw new Error(`latency bench: timed out waiting for ${what}`);
      await sleep(50);
    }
  };
  const post = async (order: ReturnType<typeof devOrder>): Promise<string> => {
    const res = await fetch(`${svc.url}/v1/ops`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify({ type: "ORDER", order: encodeOrder(order) }) });
    const body = (await res.json()) as { status: string };
    if (res.status !== 200) throw new Error(`order refused: ${JSON.stringify(body)}`);
    return body.status;
  };
  /** Posts one crossing trade; returns its batch number. */
  const trade = async (): Promise<number> => {
    const seq = svc.sequencer!;
    const s = seq.pendingState();
    const sell = steps.length % 2 === 0;
    await post(devOrder(s, { accountIndex: 1, marketId: 1, isBuy: !sell, size: 1n, limitPrice: 60n * BigInt(USDC) }));
    if ((await post(devOrder(s, { accountIndex: 2, marketId: 1, isBuy: sell, size: 1n, limitPrice: 60n * BigInt(USDC) }))) !== "filled") throw new Error("the trade did not fill");
    return svc.ledger.height + seq.outbox.length + (seq.pendingOps > 0 ? 1 : 0);
  };

  const account = samplePortfolio(CI_PARAMS.positionSlots);
  const usdc = (x: bigint): number => round(Number(x) / USDC, 2);
  const steps: ExperimentStep[] = [];
  const rows: LatencyRow[] = [];
  const injections: Injection[] = [];
  let hogs: ChildProcess[] = [];
  let rowsOk = true;
  let previous = svc.ledger.pendingState().global.risk;
  /** Records one step: margin of the sample portfolio under `inForce` (default: the ledger's arrays). */
  const record = (condition: LatencyRow["condition"], endToEnd: number, inForce: Risk = svc.ledger.pendingState().global.risk): void => {
    const plan = svc.risk.plan()!;
    if (!rowsWithinStep(previous, inForce, cfg)) rowsOk = false;
    previous = inForce;
    const latency = svc.risk.window.timeToFinality();
    const last = (stage: LatencyStage): number => round(svc.risk.window.samples(stage).at(-1) ?? 0);
    steps.push({
      step: steps.length,
      active: condition === "baseline" ? [] : [condition],
      sample: { proving: last("proving"), submission: last("submission"), inclusion: last("inclusion"), confirmations: last("confirmations") },
      stageP99: Object.fromEntries(LATENCY_STAGES.map((st) => [st, latency.stages[st].p99])) as Record<LatencyStage, number>,
      stageP50: Object.fromEntries(LATENCY_STAGES.map((st) => [st, latency.stages[st].p50])) as Record<LatencyStage, number>,
      T: { p50: round(latency.p50), p95: round(latency.p95), p99: round(plan.T) },
      targetScan: round(plan.markets[0].targetScan, 7),
      appliedScan: round(plan.markets[0].appliedScan, 7),
      published: plan.publish,
      initialMarginUSDC: usdc(initialMargin(account, inForce)),
      maintenanceMarginUSDC: usdc(maintenanceMargin(account, inForce)),
      targetInitialMarginUSDC: usdc(initialMargin(account, plan.target)),
      initialMarginUnits: Number(initialMargin(account, inForce)),
    });
    const st = steps.at(-1)!;
    rows.push({ step: st.step, condition, tP99Seconds: round(plan.T), endToEndSeconds: round(endToEnd), initialMarginUsdc: st.initialMarginUSDC });
    console.log(`${condition.padEnd(15)} step ${st.step}: T ${st.T.p99} s (${plan.horizon.source}), this batch ${round(endToEnd)} s, scan ${(st.appliedScan * 100).toFixed(3)}%, margin ${st.initialMarginUSDC} USDC`);
  };
  /** One batch end to end: trade, wait until final, record. */
  const batch = async (condition: LatencyRow["condition"]): Promise<void> => {
    const n = await trade();
    await until(() => confirmed.has(n), 900_000, `batch ${n}`);
    record(condition, ((confirmed.get(n) ?? 0) - (created.get(n) ?? 0)) / 1000);
  };

  const verdicts: LiveResult["conditions"][number][] = [];
  try {
    for (const i of [1, 2]) await l1Deposit(contracts, hardhatSigner(i, chain.provider), depositNew(i, 100_000n * BigInt(USDC)));
    await until(() => confirmed.has(1), 600_000, "the deposit batch");
    previous = svc.ledger.pendingState().global.risk;
    const settled = (): boolean => {
      const st = steps.at(-1);
      return st !== undefined && Math.abs(st.initialMarginUSDC / st.targetInitialMarginUSDC - 1) <= 0.02;
    };
    for (let k = 0; k < maxWarm && (k < warmUp || !settled()); k++) await batch("baseline");
    for (const condition of CONDITIONS) {
      const baseline = steps.at(-1)!.initialMarginUSDC;
      const from = steps.length;
      if (condition === "slow blocks") await chain.provider.send("evm_setIntervalMining", [6 * BLOCK_MS]);
      if (condition === "late finality") proxy.finalizedLag = 12;
      if (condition === "slow proving") hogs = cpuHogs();
      if (condition === "upgrade window") {
        const t = Math.floor(Date.now() / 1000);
        svc.risk.scheduleUpgrades([{ name: "bench-upgrade", fromTime: t, toTime: t + 86_400, marginMultiplier: 1.5 }]);
      }
      if (condition === "prover stall") {
        const n = await trade();
        await until(() => created.has(n), 60_000, `batch ${n}'s job`);
        svc.engine.standDown();
        // every interval, the header the dev oracle would sign now, on the arrays of the one
        // before; the stall lasts until its age has set T for STALL_INTERVALS headers
        const state = svc.ledger.pendingState().clone();
        const t0 = Date.now();
        for (let stalled = 0; stalled < STALL_INTERVALS && Date.now() - t0 < 600_000; ) {
          await sleep(STALL_INTERVAL_MS);
          const plan = svc.risk.update(state);
          state.setGlobal({ ...state.global, risk: plan.next });
          if (plan.horizon.source === "stall") stalled++;
          record(condition, (Date.now() - (created.get(n) ?? Date.now())) / 1000, plan.next);
        }
        await svc.engine.resume();
        await until(() => confirmed.has(n), 900_000, `batch ${n} after the stall`);
        record(condition, ((confirmed.get(n) ?? 0) - (created.get(n) ?? 0)) / 1000);
      } else {
        for (let b = 0; b < B; b++) await batch(condition);
      }
      injections.push({ name: condition, from, to: steps.length, effect: EFFECT[condition] });
      const peak = Math.max(...steps.slice(from).map((x) => x.initialMarginUSDC));
      await chain.provider.send("evm_setIntervalMining", [BLOCK_MS]);
      proxy.finalizedLag = 0;
      for (const h of hogs) h.kill("SIGKILL");
      hogs = [];
      svc.risk.scheduleUpgrades([]);
      let back = false;
      for (let r = 0; r < R && !back; r++) {
        await batch("baseline");
        back = Math.abs(steps.at(-1)!.initialMarginUSDC / baseline - 1) <= 0.02;
      }
      verdicts.push({ condition, baselineUsdc: baseline, peakUsdc: peak, rose: peak > baseline, backWithin2Pct: back });
      console.log(`${condition}: margin ${baseline} → peak ${peak} USDC (${peak > baseline ? "rose" : "DID NOT RISE"}), ${back ? "back within 2%" : `NOT back within 2% after ${R} batches`}`);
    }
  } finally {
    for (const h of hogs) h.kill("SIGKILL");
    await svc.server.shutdown("bench done");
    await proxy.close();
    await chain.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  return {
    parameters: {
      params: "ci",
      markets: CI_PARAMS.markets,
      marketNames: ["BTC-PERP", "BTC-FUT", "BTC-CALL", "BTC-PUT"].slice(0, CI_PARAMS.markets),
      scenarios: CI_PARAMS.scenarios,
      steps: steps.length,
      windowSize: cfg.windowSize,
      percentile: cfg.percentile,
      z: cfg.z,
      sigmaAnnual: cfg.markets.map((m) => (m.volatility.mode === "fixed" ? m.volatility.sigmaAnnual : NaN)),
      floor: cfg.floor,
      maxStepUp: cfg.maxStepUp,
      maxStepDown: cfg.maxStepDown,
      referenceSeconds: cfg.referenceSeconds,
      baseline: { blockIntervalS: BLOCK_MS / 1000, provingS: NaN, submissionS: NaN },
      confirmations: cfg.confirmations,
      injections,
      portfolio: SAMPLE_PORTFOLIO,
      start: "genesis riskPnl = openingRisk (the shipped defaults' arrays at the seed latency), then a warm-up baseline",
      seed: 0,
    },
    steps,
    summary: summarize(steps, { injections }, cfg, rowsOk),
    rows,
    conditions: verdicts,
  };
}

async function main(): Promise<void> {
  const o = new Command("bench-latency").option("--quick", "one batch per phase").parse().opts<{ quick?: boolean }>();
  const quick = o.quick === true;
  const result = await runLiveExperiment(quick);
  const out = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? "unknown", memGiB: round(os.totalmem() / 2 ** 30, 1), node: process.version },
    quick,
    ...result,
  };
  fs.writeFileSync(benchOut("latency.json"), JSON.stringify(out, null, 1) + "\n");
  const s = result.summary;
  for (const c of result.conditions) console.log(`${c.condition}: ${c.baselineUsdc} → ${c.peakUsdc} USDC, rose ${c.rose}, back within 2% ${c.backWithin2Pct}`);
  console.log(`T_p99 ${s.baselineT99} → peak ${s.peakT99} → ${s.finalT99} s; margin ${s.baselineMarginUSDC} → peak ${s.peakMarginUSDC} (×${s.rise}) → ${s.finalMarginUSDC} USDC; rows within the step bound: ${s.rowsWithinStepBound}`);
  await terminateCurves();
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  });
}
