/**
 * The prover service's numbers (issue 7), on the `ci` circuit:
 *
 * 1. Proving throughput: the service's ProverPool (threads that load wasm and zkey once)
 *    against plain `snarkjs groth16 fullprove` run from the command line, one process per
 *    proof, on the same circuit and the same inputs, in the same run. Proofs per minute,
 *    ops per second (N ops per proof) and their ratio (goal ≥ 1.0).
 * 2. Latency from op accepted to batch confirmed: `zksettle serve` in sequencer mode
 *    (started in this process, --dev-oracle, --dev-genesis) against a hardhat node on
 *    127.0.0.1; trades are posted as crossing orders over HTTP, one trade every
 *    `--gap` seconds; an op's latency runs from the HTTP answer that accepted it (the
 *    filling order) to the engine's `confirmed` event of its batch. p50 and p99.
 * 3. Peak memory per worker: process RSS sampled every 20 ms while the pool proves
 *    (each pool configuration in a fresh process), minus the RSS before the pool
 *    started, divided by its threads; and the peak RSS of one snarkjs CLI process
 *    (/usr/bin/time).
 *
 * Writes bench/service.json and prints a table. `--quick`: 2 proofs per side, one pool
 * configuration, 4 trades.
 *
 * Usage: npx ts-node bench/service.ts [--quick]
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { hashApiKey } from "../prover/api/auth";
import { encodeOrder } from "../prover/api/wire";
import { ProverPool } from "../prover/pool/prover-pool";
import { resolveBackend } from "../prover/zk/load-backend";
import { applyBatch } from "../prover/state/batch";
import { CI_PARAMS, depositNew, devGenesis, devOrder } from "../prover/dev/fixtures";
import type { State } from "../prover/state/state";
import { startService } from "../prover/service/bootstrap";
import { defaultConfig, type Config } from "../prover/service/config";
import { createLogger } from "../prover/service/log";
import { ServiceMetrics } from "../prover/service/metrics";
import type { Job } from "../prover/store/job-store";
import { buildBatchInput } from "../prover/witness/batch-input";
import { terminateCurves, verify, type SetupRecord, type VerificationKey } from "../prover/zk/prover";
import type { CircuitInput } from "../prover/zk/witness";
import { deployDevContracts, hardhatKey, hardhatSigner, l1Deposit, startHardhatNode } from "../scripts/lib/dev-chain";
import { scenario } from "../test/prover/service/fixtures";
import { benchOut } from "./out";

const REPO_ROOT = path.resolve(__dirname, "..");
const CIRCUIT_DIR = path.join(REPO_ROOT, "build", "ci");
const SNARKJS = path.join(REPO_ROOT, "node_modules", ".bin", "snarkjs");
const USDC = 1_000_000n;

const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

function jsonInput(input: CircuitInput): string {
  return JSON.stringify(input, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/** `snarkjs groth16 fullprove` once per input, one after the other; wall time and peak RSS of a process. */
function cliRun(inputs: CircuitInput[], vkeyPublic: string[][], tmp: string): { ms: number; peakRssMiB: number } {
  const record = JSON.parse(fs.readFileSync(path.join(CIRCUIT_DIR, "setup.json"), "utf8")) as SetupRecord;
  const wasm = path.join(CIRCUIT_DIR, `${record.circuit}_js`, `${record.circuit}.wasm`);
  const zkey = path.resolve(CIRCUIT_DIR, record.zkey);
  let peakKiB = 0;
  const t0 = performance.now();
  inputs.forEach((input, i) => {
    const inFile = path.join(tmp, `input-${i}.json`);
    fs.writeFileSync(inFile, jsonInput(input));
    const args = ["groth16", "fullprove", inFile, wasm, zkey, path.join(tmp, `proof-${i}.json`), path.join(tmp, `public-${i}.json`)];
    const r = spawnSync("/usr/bin/time", ["-f", "%M", SNARKJS, ...args], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`snarkjs fullprove failed: ${r.stderr}`);
    peakKiB = Math.max(peakKiB, Number(r.stderr.trim().split("\n").at(-1)));
    const pub = JSON.parse(fs.readFileSync(path.join(tmp, `public-${i}.json`), "utf8")) as string[];
    if (JSON.stringify(pub) !== JSON.stringify(vkeyPublic[i])) throw new Error(`snarkjs CLI public signals ${pub} ≠ the pool's ${vkeyPublic[i]}`);
  });
  return { ms: performance.now() - t0, peakRssMiB: peakKiB / 1024 };
}

/** The pool proves every input (all submitted at once); wall time from the first task, peak RSS over the baseline. */
async function poolRun(inputs: CircuitInput[], threads: number, vkey: VerificationKey): Promise<{ ms: number; peakRssPerWorkerMiB: number; warmupMs: number; publicSignals: string[][] }> {
  const base = process.memoryUsage.rss();
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const pool = new ProverPool({ maxThreads: threads });
  try {
    // warm-up: each thread loads the circuit once, as a running service does at its first proof
    const tw = performance.now();
    await Promise.all(Array.from({ length: threads }, () => pool.prove(CIRCUIT_DIR, inputs[0])));
    const warmupMs = performance.now() - tw;
    const t0 = performance.now();
    const outs = await Promise.all(inputs.map((input) => pool.prove(CIRCUIT_DIR, input)));
    const ms = performance.now() - t0;
    for (const o of outs) if (!(await verify(vkey, o.publicSignals, o.proof))) throw new Error("a pool proof does not verify");
    return { ms, warmupMs, peakRssPerWorkerMiB: (peak - base) / threads / 2 ** 20, publicSignals: outs.map((o) => o.publicSignals) };
  } finally {
    clearInterval(sampler);
    await pool.close();
  }
}

/** Sequencer-mode latency, op accepted → batch confirmed, on a local hardhat node. */
async function latencyRun(trades: number, gapMs: number, workers: number): Promise<{ samples: number[]; batches: number; depositBatchMs: number }> {
  const chain = await startHardhatNode();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-bench-"));
  const genesis = await devGenesis(CI_PARAMS);
  const c = await deployDevContracts(hardhatSigner(0, chain.provider), CI_PARAMS, genesis);
  const key = "bench-key";
  const config: Config = {
    ...defaultConfig(),
    mode: "sequencer",
    port: 0,
    dataDir,
    devGenesis: true,
    devOracle: true,
    apiKeyHashes: [hashApiKey(key)],
    rateLimit: 0,
    batchInterval: 5,
    workers,
    rpcUrl: chain.url,
    settlement: c.settlement.target as string,
    signerKey: hardhatKey(0),
    fromBlock: c.deployBlock,
    pollInterval: 200,
    confirmations: 1,
    logLevel: "warn",
  };
  const svc = await startService(config, createLogger("warn"), new ServiceMetrics({ defaults: false }), { exit: () => undefined });
  const confirmedAt = new Map<number, number>();
  const waiters: (() => void)[] = [];
  svc.engine.on("job", (j: Job) => {
    if (j.state === "confirmed") confirmedAt.set(j.batchNumber, performance.now());
    if (j.state === "failed") console.error(`job ${j.batchNumber} failed: ${j.error?.message}`);
    waiters.splice(0).forEach((w) => w());
  });
  const until = async (pred: () => boolean, ms: number, what: string): Promise<void> => {
    const t0 = Date.now();
    while (!pred()) {
      if (Date.now() - t0 > ms) throw new Error(`bench: timed out waiting for ${what}`);
      await sleep(50);
    }
  };
  try {
    // accounts 1 and 2 open through the L1 deposit queue: the service's deposit feed cuts batch 1
    const t0 = performance.now();
    for (const i of [1, 2]) await l1Deposit(c, hardhatSigner(i, chain.provider), depositNew(i, 10_000n * USDC));
    await until(() => confirmedAt.has(1), 600_000, "the deposit batch");
    const depositBatchMs = confirmedAt.get(1)! - t0;

    const seq = svc.sequencer!;
    const post = async (order: ReturnType<typeof devOrder>): Promise<{ status: string }> => {
      const res = await fetch(`${svc.url}/v1/ops`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ type: "ORDER", order: encodeOrder(order) }),
      });
      const body = (await res.json()) as { status: string };
      if (res.status !== 200) throw new Error(`order refused: ${JSON.stringify(body)}`);
      return body;
    };
    const accepted: { at: number; batch: number }[] = [];
    for (let t = 0; t < trades; t++) {
      const s: State = seq.pendingState();
      const sell = t % 2 === 0;
      await post(devOrder(s, { accountIndex: 1, marketId: 1, isBuy: !sell, size: 1n, limitPrice: 60n * USDC }));
      const r = await post(devOrder(s, { accountIndex: 2, marketId: 1, isBuy: sell, size: 1n, limitPrice: 60n * USDC }));
      const at = performance.now();
      if (r.status !== "filled") throw new Error(`trade ${t} did not fill: ${r.status}`);
      const batch = svc.ledger.height + seq.outbox.length + (seq.pendingOps > 0 ? 1 : 0);
      accepted.push({ at, batch });
      if (t + 1 < trades) await sleep(gapMs);
    }
    const last = Math.max(...accepted.map((a) => a.batch));
    await until(() => confirmedAt.has(last), 1_200_000, `batch ${last}`);
    return { samples: accepted.map((a) => confirmedAt.get(a.batch)! - a.at), batches: last - 1, depositBatchMs };
  } finally {
    await svc.server.shutdown("bench done");
    await chain.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** `poolRun` in a fresh process, so that each configuration's RSS starts from a clean baseline. */
function poolRunInChild(K: number, threads: number): { ms: number; peakRssPerWorkerMiB: number; warmupMs: number; publicSignals: string[][] } {
  const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", __filename, "--pool-run", String(threads), "--proofs", String(K)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (r.status !== 0) throw new Error(`pool run with ${threads} thread(s) failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as ReturnType<typeof poolRunInChild>;
}

/** The same inputs for both sides: the first K scenario batches of the service tests. */
async function benchInputs(K: number): Promise<CircuitInput[]> {
  const genesis = await devGenesis(CI_PARAMS);
  const { batches, states } = scenario(genesis, K);
  return batches.map((b, i) => buildBatchInput(CI_PARAMS, applyBatch(states[i], b).trace));
}

async function main(): Promise<void> {
  const poolOnly = process.argv.indexOf("--pool-run");
  if (poolOnly > 0) {
    const threads = Number(process.argv[poolOnly + 1]);
    const K = Number(process.argv[process.argv.indexOf("--proofs") + 1]);
    const record = JSON.parse(fs.readFileSync(path.join(CIRCUIT_DIR, "setup.json"), "utf8")) as SetupRecord;
    const vkey = JSON.parse(fs.readFileSync(path.resolve(CIRCUIT_DIR, record.verificationKey), "utf8")) as VerificationKey;
    process.stdout.write(JSON.stringify(await poolRun(await benchInputs(K), threads, vkey)) + "\n");
    return;
  }
  const o = new Command()
    .description("zksettle prover service: proving throughput vs the snarkjs CLI, op→confirmed latency, memory per worker")
    .option("--quick", "the smallest run (2 proofs per side, one pool configuration, 4 trades)")
    .option("--proofs <n>", "proofs per side for the throughput comparison")
    .option("--trades <n>", "trades for the latency run")
    .option("--gap <s>", "seconds between two trades of the latency run", "2")
    .option("--pool-run <threads>", "internal: one pool measurement, printed as JSON")
    .parse()
    .opts<{ quick?: boolean; proofs?: string; trades?: string; gap: string }>();
  const quick = o.quick === true;
  const K = Number(o.proofs ?? (quick ? 2 : 4));
  const trades = Number(o.trades ?? (quick ? 4 : 8));
  const cores = os.availableParallelism();
  const threadOptions = quick ? [Math.max(1, cores - 1)] : [...new Set([Math.max(1, cores - 1), cores])];
  const record = JSON.parse(fs.readFileSync(path.join(CIRCUIT_DIR, "setup.json"), "utf8")) as SetupRecord;
  const snarkjsVersion = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "node_modules", "snarkjs", "package.json"), "utf8")) as { version: string }).version;

  const inputs = await benchInputs(K);
  const N = CI_PARAMS.batchSize;

  console.log(`service bench: ci circuit (N = ${N}), ${K} proofs per side, ${cores} cores, pool threads ${threadOptions.join("/")}`);
  const pools: Record<string, unknown>[] = [];
  let publicSignals: string[][] = [];
  for (const threads of threadOptions) {
    const r = poolRunInChild(K, threads);
    publicSignals = r.publicSignals;
    const ppm = (K / r.ms) * 60_000;
    pools.push({ threads, proofs: K, wallMs: Math.round(r.ms), warmupMs: Math.round(r.warmupMs), proofsPerMinute: round(ppm), opsPerSecond: round((ppm * N) / 60, 3), peakRssPerWorkerMiB: round(r.peakRssPerWorkerMiB, 1) });
    console.log(`  pool ${threads} thread(s): ${K} proofs in ${(r.ms / 1000).toFixed(1)} s, ${ppm.toFixed(2)} proofs/min, peak RSS/worker ${r.peakRssPerWorkerMiB.toFixed(0)} MiB`);
  }
  await terminateCurves();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-cli-"));
  const cli = cliRun(inputs, publicSignals, tmp);
  fs.rmSync(tmp, { recursive: true, force: true });
  const cliPpm = (K / cli.ms) * 60_000;
  console.log(`  snarkjs ${snarkjsVersion} CLI groth16 fullprove: ${K} proofs in ${(cli.ms / 1000).toFixed(1)} s, ${cliPpm.toFixed(2)} proofs/min, peak RSS ${cli.peakRssMiB.toFixed(0)} MiB/process`);
  const best = pools.reduce((a, b) => ((a.proofsPerMinute as number) >= (b.proofsPerMinute as number) ? a : b));
  const def = pools[0];
  const ratio = (def.proofsPerMinute as number) / cliPpm;
  console.log(`  ratio service/CLI: ${ratio.toFixed(2)} (default threads), ${((best.proofsPerMinute as number) / cliPpm).toFixed(2)} (best)`);

  console.log(`latency: sequencer mode on a hardhat node, ${trades} trades, one every ${o.gap} s`);
  const lat = await latencyRun(trades, Number(o.gap) * 1000, Math.max(1, cores - 1));
  const p50 = percentile(lat.samples, 50);
  const p99 = percentile(lat.samples, 99);
  console.log(`  op accepted → batch confirmed: p50 ${(p50 / 1000).toFixed(1)} s, p99 ${(p99 / 1000).toFixed(1)} s over ${lat.samples.length} ops in ${lat.batches} batches (deposit batch: ${(lat.depositBatchMs / 1000).toFixed(1)} s from L1 deposit to confirmed)`);

  const out = {
    date: new Date().toISOString(),
    machine: { cores, cpu: os.cpus()[0]?.model, memGiB: round(os.totalmem() / 2 ** 30, 1), node: process.version },
    circuit: { params: "ci", batchSize: N, zkey: record.zkey },
    // the pool's and the service's prover backend: the default, native where it is built
    backend: resolveBackend("auto").name,
    quick,
    throughput: {
      proofs: K,
      pool: pools,
      cli: { tool: `snarkjs ${snarkjsVersion} groth16 fullprove (one process per proof)`, proofs: K, wallMs: Math.round(cli.ms), proofsPerMinute: round(cliPpm), opsPerSecond: round((cliPpm * N) / 60, 3), peakRssMiB: round(cli.peakRssMiB, 1) },
      ratio: round(ratio, 3),
      ratioBest: round((best.proofsPerMinute as number) / cliPpm, 3),
    },
    latency: {
      what: "op accepted (HTTP 200 of the filling order) → its batch's job confirmed (1 confirmation, hardhat automine)",
      trades,
      gapS: Number(o.gap),
      batches: lat.batches,
      p50Ms: Math.round(p50),
      p99Ms: Math.round(p99),
      samplesMs: lat.samples.map(Math.round),
      depositBatchMs: Math.round(lat.depositBatchMs),
    },
    memory: { peakRssPerWorkerMiB: pools.map((p) => ({ threads: p.threads, mib: p.peakRssPerWorkerMiB })), cliPeakRssMiB: round(cli.peakRssMiB, 1) },
  };
  fs.writeFileSync(benchOut("service.json"), JSON.stringify(out, null, 2) + "\n");
  console.log(`wrote ${benchOut("service.json")}`);
}

main()
  .then(async () => {
    await terminateCurves();
    process.exit(0);
  })
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exit(1);
  });
