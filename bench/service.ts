/**
 * The prover service's numbers (issues 7 and 16), on the `ci` circuit, per prover
 * backend (native and snarkjs where the addon is built; `--backends` picks):
 *
 * 1. Proving throughput: the service's ProverPool (threads that load wasm and key once,
 *    `--prover` as the service passes it) against plain `snarkjs groth16 fullprove` run
 *    from the command line, one process per proof, on the same circuit and the same
 *    inputs, in the same run. Proofs per minute, ops per second (N ops per proof) and
 *    the ratio pool ÷ CLI per backend (goal: ≥ 1 for snarkjs, ≥ 5 for native).
 * 2. Latency from op accepted to batch confirmed (bench/service-latency.ts), once per
 *    backend: the service in sequencer mode against a hardhat node on 127.0.0.1. p50, p99.
 * 3. Peak memory per worker: process RSS sampled every 20 ms while the pool proves
 *    (each pool configuration in a fresh process), minus the RSS before the pool
 *    started, divided by its threads; and the peak RSS of one snarkjs CLI process
 *    (/usr/bin/time).
 *
 * Writes bench/service.json and prints a table. `--quick` (CI): 2 proofs per side, one
 * pool configuration, 4 trades, the default backend only.
 *
 * Usage: npx ts-node bench/service.ts [--quick] [--backends native,snarkjs]
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { ProverPool } from "../prover/pool/prover-pool";
import { BACKEND_NAMES, type BackendName } from "../prover/zk/backend";
import { nativeAddon } from "../prover/zk/backend-native";
import { resolveBackend } from "../prover/zk/load-backend";
import { applyBatch } from "../prover/state/batch";
import { CI_PARAMS, devGenesis } from "../prover/dev/fixtures";
import { buildBatchInput } from "../prover/circuit-input/batch-input";
import { terminateCurves, verify, type SetupRecord, type VerificationKey } from "../prover/zk/prover";
import type { CircuitInput } from "../prover/zk/witness";
import { scenario } from "../test/prover/service/fixtures";
import { benchOut } from "./out";
import { latencyRun, percentile } from "./service-latency";
import { packageRoot } from "../prover/package/root";

const REPO_ROOT = packageRoot();
const CIRCUIT_DIR = path.join(REPO_ROOT, "build", "ci");
const SNARKJS = path.join(REPO_ROOT, "node_modules", ".bin", "snarkjs");

const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

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

/** What one pool configuration measured. */
interface PoolRun {
  ms: number;
  peakRssPerWorkerMiB: number;
  warmupMs: number;
  publicSignals: string[][];
}

/** The pool proves every input (all submitted at once); wall time from the first task, peak RSS over the baseline. */
async function poolRun(inputs: CircuitInput[], threads: number, backend: BackendName, vkey: VerificationKey): Promise<PoolRun> {
  const base = process.memoryUsage.rss();
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const pool = new ProverPool({ maxThreads: threads, backend });
  try {
    // warm-up: each thread loads the circuit once, as a running service does at its first proof
    const tw = performance.now();
    await Promise.all(Array.from({ length: threads }, () => pool.prove(CIRCUIT_DIR, inputs[0])));
    const warmupMs = performance.now() - tw;
    const t0 = performance.now();
    const outs = await Promise.all(inputs.map((input) => pool.prove(CIRCUIT_DIR, input)));
    const ms = performance.now() - t0;
    for (const o of outs) if (!(await verify(vkey, o.publicSignals, o.proof))) throw new Error(`a ${backend} pool proof does not verify`);
    return { ms, warmupMs, peakRssPerWorkerMiB: (peak - base) / threads / 2 ** 20, publicSignals: outs.map((o) => o.publicSignals) };
  } finally {
    clearInterval(sampler);
    await pool.close();
  }
}

/** `poolRun` in a fresh process, so that each configuration's RSS starts from a clean baseline. */
function poolRunInChild(K: number, threads: number, backend: BackendName): PoolRun {
  const args = ["-r", "ts-node/register/transpile-only", __filename, "--pool-run", String(threads), "--proofs", String(K), "--pool-backend", backend];
  const r = spawnSync(process.execPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (r.status !== 0) throw new Error(`${backend} pool run with ${threads} thread(s) failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as PoolRun;
}

/** The backends to measure: `--backends`, else both where the native addon loads (quick: the default one). */
function backendsToRun(list: string | undefined, quick: boolean): BackendName[] {
  if (list !== undefined) {
    const names = list.split(",").map((s) => s.trim());
    for (const n of names) if (!(BACKEND_NAMES as readonly string[]).includes(n)) throw new Error(`--backends ${list}: "${n}" is not one of ${BACKEND_NAMES.join(", ")}`);
    return names as BackendName[];
  }
  if (quick) return [resolveBackend("auto").name];
  return "problem" in nativeAddon() ? ["snarkjs"] : ["native", "snarkjs"];
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
    const backend = process.argv[process.argv.indexOf("--pool-backend") + 1] as BackendName;
    const record = JSON.parse(fs.readFileSync(path.join(CIRCUIT_DIR, "setup.json"), "utf8")) as SetupRecord;
    const vkey = JSON.parse(fs.readFileSync(path.resolve(CIRCUIT_DIR, record.verificationKey), "utf8")) as VerificationKey;
    process.stdout.write(JSON.stringify(await poolRun(await benchInputs(K), threads, backend, vkey)) + "\n");
    return;
  }
  const o = new Command()
    .description("zksettle prover service: proving throughput vs the snarkjs CLI, op→confirmed latency, memory per worker, per backend")
    .option("--quick", "the smallest run (2 proofs per side, one pool configuration, 4 trades, the default backend)")
    .option("--backends <list>", "comma-separated prover backends (default: native,snarkjs where native is built)")
    .option("--proofs <n>", "proofs per side for the throughput comparison")
    .option("--trades <n>", "trades for each latency run")
    .option("--gap <s>", "seconds between two trades of the latency run", "2")
    .option("--pool-run <threads>", "internal: one pool measurement, printed as JSON")
    .option("--pool-backend <name>", "internal: the backend of --pool-run")
    .parse()
    .opts<{ quick?: boolean; backends?: string; proofs?: string; trades?: string; gap: string }>();
  const quick = o.quick === true;
  const backends = backendsToRun(o.backends, quick);
  const K = Number(o.proofs ?? (quick ? 2 : 4));
  const trades = Number(o.trades ?? (quick ? 4 : 8));
  const cores = os.availableParallelism();
  const threadOptions = quick ? [Math.max(1, cores - 1)] : [...new Set([Math.max(1, cores - 1), cores])];
  const record = JSON.parse(fs.readFileSync(path.join(CIRCUIT_DIR, "setup.json"), "utf8")) as SetupRecord;
  const snarkjsVersion = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "node_modules", "snarkjs", "package.json"), "utf8")) as { version: string }).version;

  const inputs = await benchInputs(K);
  const N = CI_PARAMS.batchSize;

  console.log(`service bench: ci circuit (N = ${N}), ${K} proofs per side, ${cores} cores, pool threads ${threadOptions.join("/")}, backends ${backends.join(", ")}`);
  const pools: { backend: BackendName; threads: number; proofs: number; wallMs: number; warmupMs: number; proofsPerMinute: number; opsPerSecond: number; peakRssPerWorkerMiB: number }[] = [];
  let publicSignals: string[][] = [];
  for (const backend of backends) {
    for (const threads of threadOptions) {
      const r = poolRunInChild(K, threads, backend);
      if (publicSignals.length > 0 && JSON.stringify(r.publicSignals) !== JSON.stringify(publicSignals)) throw new Error(`the ${backend} pool's public signals differ from the other backend's`);
      publicSignals = r.publicSignals;
      const ppm = (K / r.ms) * 60_000;
      pools.push({ backend, threads, proofs: K, wallMs: Math.round(r.ms), warmupMs: Math.round(r.warmupMs), proofsPerMinute: round(ppm), opsPerSecond: round((ppm * N) / 60, 3), peakRssPerWorkerMiB: round(r.peakRssPerWorkerMiB, 1) });
      console.log(`  ${backend} pool ${threads} thread(s): ${K} proofs in ${(r.ms / 1000).toFixed(1)} s, ${ppm.toFixed(2)} proofs/min, peak RSS/worker ${r.peakRssPerWorkerMiB.toFixed(0)} MiB`);
    }
  }
  await terminateCurves();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-cli-"));
  const cli = cliRun(inputs, publicSignals, tmp);
  fs.rmSync(tmp, { recursive: true, force: true });
  const cliPpm = (K / cli.ms) * 60_000;
  console.log(`  snarkjs ${snarkjsVersion} CLI groth16 fullprove: ${K} proofs in ${(cli.ms / 1000).toFixed(1)} s, ${cliPpm.toFixed(2)} proofs/min, peak RSS ${cli.peakRssMiB.toFixed(0)} MiB/process`);
  // per backend: its default thread count (cores − 1, what the service starts) and its best configuration
  const byBackend = Object.fromEntries(
    backends.map((b) => {
      const mine = pools.filter((p) => p.backend === b);
      const best = mine.reduce((x, y) => (x.proofsPerMinute >= y.proofsPerMinute ? x : y));
      const ratio = round(mine[0].proofsPerMinute / cliPpm, 3);
      const ratioBest = round(best.proofsPerMinute / cliPpm, 3);
      console.log(`  ratio ${b} service/CLI: ${ratio.toFixed(2)} (default threads), ${ratioBest.toFixed(2)} (best: ${best.threads} thread(s))`);
      return [b, { ratio, ratioBest, bestThreads: best.threads }];
    }),
  );
  const defaultBackend = resolveBackend("auto").name;
  const headline = byBackend[defaultBackend] ?? byBackend[backends[0]];

  const latency: Record<string, { p50Ms: number; p99Ms: number; batches: number; samplesMs: number[]; depositBatchMs: number }> = {};
  for (const backend of backends) {
    console.log(`latency, ${backend}: sequencer mode on a hardhat node, ${trades} trades, one every ${o.gap} s`);
    const lat = await latencyRun(trades, Number(o.gap) * 1000, Math.max(1, cores - 1), backend);
    const p50 = percentile(lat.samples, 50);
    const p99 = percentile(lat.samples, 99);
    latency[backend] = { p50Ms: Math.round(p50), p99Ms: Math.round(p99), batches: lat.batches, samplesMs: lat.samples.map(Math.round), depositBatchMs: Math.round(lat.depositBatchMs) };
    console.log(`  op accepted → batch confirmed: p50 ${(p50 / 1000).toFixed(1)} s, p99 ${(p99 / 1000).toFixed(1)} s over ${lat.samples.length} ops in ${lat.batches} batches (deposit batch: ${(lat.depositBatchMs / 1000).toFixed(1)} s from L1 deposit to confirmed)`);
  }
  const headLatency = latency[defaultBackend] ?? latency[backends[0]];

  const out = {
    date: new Date().toISOString(),
    machine: { cores, cpu: os.cpus()[0]?.model, memGiB: round(os.totalmem() / 2 ** 30, 1), node: process.version, loadAvg: os.loadavg().map((x) => round(x, 1)) },
    circuit: { params: "ci", batchSize: N, zkey: record.zkey },
    // the service's default prover backend (native where it is built); the top-level ratio and latency are its
    backend: defaultBackend,
    backends,
    quick,
    throughput: {
      proofs: K,
      pool: pools,
      cli: { tool: `snarkjs ${snarkjsVersion} groth16 fullprove (one process per proof)`, proofs: K, wallMs: Math.round(cli.ms), proofsPerMinute: round(cliPpm), opsPerSecond: round((cliPpm * N) / 60, 3), peakRssMiB: round(cli.peakRssMiB, 1) },
      ratio: headline.ratio,
      ratioBest: headline.ratioBest,
      byBackend,
    },
    latency: {
      what: "op accepted (HTTP 200 of the filling order) → its batch's job confirmed, its final state (1 confirmation, hardhat automine); one run per backend, each on a fresh chain",
      trades,
      gapS: Number(o.gap),
      ...headLatency,
      byBackend: latency,
    },
    memory: { peakRssPerWorkerMiB: pools.map((p) => ({ backend: p.backend, threads: p.threads, mib: p.peakRssPerWorkerMiB })), cliPeakRssMiB: round(cli.peakRssMiB, 1) },
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
