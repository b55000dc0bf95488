/**
 * Margin under injected latency, measured (issue 9's experiment): `zksettle serve` in
 * sequencer mode (in this process, --dev-oracle, ci circuit, one prover thread) against
 * a hardhat node on 127.0.0.1 mining a block every second, through a JSON-RPC proxy.
 * One trade per batch; after each batch is confirmed the service's own risk loop has
 * recorded the batch's stage latencies and planned the next arrays, which the dev oracle
 * signs into the next header, so the arrays in force on chain follow the latency.
 *
 * Phases (B batches each):
 *   baseline               block every 1 s, 2 confirmations
 *   slow blocks            block every 6 s (evm_setIntervalMining)
 *   delayed confirmations  the proxy reports the head 12 blocks behind
 *   slow proving           one busy-loop process per core competes with the prover
 *   recovery               as baseline
 * The venue opens (genesis `riskPnl`) with the arrays the policy sets at the seed
 * latency, so that the run shows margin moving with latency rather than converging
 * from the 10% placeholder arrays.
 *
 * Per batch it records the stage samples, T (window p50/p95/p99), market 0's target and
 * applied scan range, and the margin of a sample portfolio (1 BTC long perpetual, 0.5
 * BTC short future) under the arrays in force in the ledger and under the unbounded
 * target. Writes bench/latency.json in the shape of the report's experiment
 * (bench/report/experiment.ts), which draws it as fig-margin-live.
 *
 * Usage: npx ts-node bench/latency.ts [--quick]   (quick: B = 1, window 2)
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
import { LATENCY_STAGES, LatencyWindow, type LatencyStage } from "../prover/risk/latency-window";
import { NO_OVERRIDES } from "../prover/risk/overrides";
import { planRisk, underlyingPrices } from "../prover/risk/plan";
import { startService } from "../prover/service/bootstrap";
import { defaultConfig, type Config } from "../prover/service/config";
import { genesisFileOf } from "../prover/service/genesis-file";
import { createLogger } from "../prover/service/log";
import { ServiceMetrics } from "../prover/service/metrics";
import { EMPTY_SLOT, emptyAccount, type Account } from "../prover/state/account";
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

type Phase = "baseline" | Injection["name"] | "recovery";
const PHASES: readonly Phase[] = ["baseline", "slow blocks", "delayed confirmations", "slow proving", "recovery"];
const EFFECT: Record<Injection["name"], string> = {
  "slow blocks": "block interval ×6 (1 → 6 s)",
  "delayed confirmations": "the node's head reported 12 blocks (≈ 12 s) late",
  "slow proving": "one busy process per core beside the prover",
};

/** 1 BTC long on the perpetual, 0.5 BTC short on the future (1,000 and 500 lots of 0.001). */
function samplePortfolio(): Account {
  const P = CI_PARAMS.positionSlots;
  const empty = emptyAccount(P);
  return { ...empty, collateral: 10_000n * BigInt(USDC), positions: empty.positions.map((s, j) => (j === 0 ? { ...EMPTY_SLOT, marketId: 1, size: 1000n } : j === 1 ? { ...EMPTY_SLOT, marketId: 2, size: -500n } : s)) };
}

function cpuHogs(): ChildProcess[] {
  return Array.from({ length: os.cpus().length }, () => spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" }));
}

export async function runLiveExperiment(quick: boolean): Promise<ExperimentResult> {
  const B = quick ? 1 : 3;
  const risk = { windowSize: quick ? 2 : 4, percentile: "p99", floor: 0.0001, maxStepUp: 0.25, maxStepDown: 0.25, publishThreshold: 0.001, confirmations: 2, seedSeconds: { proving: 15, submission: 0.5, inclusion: 1, confirmations: 2 } };
  const cfg = parseRiskConfig(risk, CI_PARAMS.markets);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-latency-"));
  const now = BigInt(Math.floor(Date.now() / 1000));

  // The venue opens with the arrays the policy sets at the seed latency.
  const base = await devGenesis(CI_PARAMS, { timestamp: now - 10n });
  const seed = planRisk({
    config: cfg,
    overrides: NO_OVERRIDES,
    latency: new LatencyWindow(cfg.windowSize, cfg.seedSeconds).timeToFinality(),
    markets: base.global.markets,
    underlyingPrice: underlyingPrices(base.global.markets),
    sigmaPerSecond: sigmasOf(cfg),
    now: Number(now),
    scenarios: CI_PARAMS.scenarios,
    current: base.global.risk,
  });
  const genesis = await devGenesis(CI_PARAMS, { timestamp: now - 10n, risk: seed.target });
  const genesisFile = path.join(work, "genesis.json");
  fs.writeFileSync(genesisFile, JSON.stringify(genesisFileOf(genesis, "ci")));
  const riskFile = path.join(work, "risk.json");
  fs.writeFileSync(riskFile, JSON.stringify(risk));

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
    confirmations: cfg.confirmations,
    riskConfig: riskFile,
    logLevel: "warn",
  };
  const svc = await startService(config, createLogger("warn"), new ServiceMetrics({ defaults: false }), { exit: () => undefined });
  const confirmed = new Set<number>();
  svc.engine.on("job", (j: Job) => {
    if (j.state === "confirmed") confirmed.add(j.batchNumber);
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

  const account = samplePortfolio();
  const usdc = (x: bigint): number => round(Number(x) / USDC, 2);
  const steps: ExperimentStep[] = [];
  const injections: Injection[] = [];
  let hogs: ChildProcess[] = [];
  let rowsOk = true;
  try {
    for (const i of [1, 2]) await l1Deposit(contracts, hardhatSigner(i, chain.provider), depositNew(i, 100_000n * BigInt(USDC)));
    await until(() => confirmed.has(1), 600_000, "the deposit batch");
    let previous = svc.ledger.pendingState().global.risk;
    for (const phase of PHASES) {
      await chain.provider.send("evm_setIntervalMining", [phase === "slow blocks" ? 6 * BLOCK_MS : BLOCK_MS]);
      proxy.lag = phase === "delayed confirmations" ? 12 : 0;
      if (phase === "slow proving") hogs = cpuHogs();
      if (phase !== "baseline" && phase !== "recovery") injections.push({ name: phase, from: steps.length, to: steps.length + B, effect: EFFECT[phase] });
      for (let b = 0; b < B; b++) {
        const seq = svc.sequencer!;
        const s = seq.pendingState();
        const sell = steps.length % 2 === 0;
        await post(devOrder(s, { accountIndex: 1, marketId: 1, isBuy: !sell, size: 1n, limitPrice: 60n * BigInt(USDC) }));
        if ((await post(devOrder(s, { accountIndex: 2, marketId: 1, isBuy: sell, size: 1n, limitPrice: 60n * BigInt(USDC) }))) !== "filled") throw new Error("the trade did not fill");
        const batch = svc.ledger.height + seq.outbox.length + (seq.pendingOps > 0 ? 1 : 0);
        await until(() => confirmed.has(batch), 900_000, `batch ${batch}`);
        const plan = svc.risk.plan()!;
        const inForce = svc.ledger.pendingState().global.risk;
        if (!rowsWithinStep(previous, inForce, cfg)) rowsOk = false;
        previous = inForce;
        const latency = svc.risk.window.timeToFinality();
        const last = (stage: LatencyStage): number => round(svc.risk.window.samples(stage).at(-1) ?? 0);
        steps.push({
          step: steps.length,
          active: phase === "baseline" || phase === "recovery" ? [] : [phase],
          sample: { proving: last("proving"), submission: last("submission"), inclusion: last("inclusion"), confirmations: last("confirmations") },
          stageP99: Object.fromEntries(LATENCY_STAGES.map((st) => [st, latency.stages[st].p99])) as Record<LatencyStage, number>,
          stageP50: Object.fromEntries(LATENCY_STAGES.map((st) => [st, latency.stages[st].p50])) as Record<LatencyStage, number>,
          T: { p50: round(latency.p50), p95: round(latency.p95), p99: round(latency.p99) },
          targetScan: round(plan.markets[0].targetScan, 7),
          appliedScan: round(plan.markets[0].appliedScan, 7),
          published: plan.publish,
          initialMarginUSDC: usdc(initialMargin(account, inForce)),
          maintenanceMarginUSDC: usdc(maintenanceMargin(account, inForce)),
          targetInitialMarginUSDC: usdc(initialMargin(account, plan.target)),
          initialMarginUnits: Number(initialMargin(account, inForce)),
        });
        const st = steps.at(-1)!;
        console.log(`${phase.padEnd(22)} batch ${batch}: T_p99 ${st.T.p99} s, scan ${(st.appliedScan * 100).toFixed(3)}% (target ${(st.targetScan * 100).toFixed(3)}%), margin ${st.initialMarginUSDC} USDC`);
      }
      for (const h of hogs) h.kill("SIGKILL");
      hogs = [];
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
      portfolio: "1 BTC long (1,000 BTC-PERP lots), 0.5 BTC short (500 BTC-FUT lots)",
      start: "genesis riskPnl = the arrays the policy sets at the seed latency",
      seed: 0,
    },
    steps,
    summary: summarize(steps, { injections }, cfg, rowsOk),
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
  console.log(`T_p99 ${s.baselineT99} → peak ${s.peakT99} → ${s.finalT99} s; margin ${s.baselineMarginUSDC} → peak ${s.peakMarginUSDC} (×${s.rise}) → ${s.finalMarginUSDC} USDC; rows within the step bound: ${s.rowsWithinStepBound}`);
  await terminateCurves();
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  });
}
