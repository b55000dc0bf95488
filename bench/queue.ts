/**
 * The prove queue's numbers (issue 8), on the `ci` circuit:
 *
 * 1. Throughput: K real proofs through the queue with 1, 2 and 3 `zksettle worker`
 *    processes (one prover thread each) against one in-process ProverPool with the same
 *    total threads, in the same run. Each side is warmed up first (every thread loads the
 *    wasm and zkey once, as a running worker does at its first job); then all K proofs
 *    are submitted at once and timed to the last result. Proofs per minute, and each
 *    worker count's ratio to the pool with the same threads.
 * 2. Queue overhead per job: RemoteProver → Redis → QueueWorker → Redis → RemoteProver
 *    with a no-op prover (in this process), one job at a time, median and p95 of the
 *    round trip; with a tiny input and with a real ci batch input, and with Redis' AOF
 *    fsync `always` (nothing acknowledged is lost) and `everysec`.
 *
 * Writes bench/queue.json and prints a table. `--quick`: 1 proof, 1 worker vs a
 * 1-thread pool, 20 round trips per overhead case.
 *
 * Usage: npx ts-node bench/queue.ts [--quick] [--proofs K] [--jobs M]
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { Command } from "commander";
import { Redis } from "ioredis";
import { ProverPool } from "../prover/pool/prover-pool";
import type { ProveOutput } from "../prover/pool/types";
import { RemoteProver } from "../prover/remote/remote-prover";
import { QueueWorker } from "../prover/remote/worker";
import { jsonInput } from "../prover/remote/types";
import { applyBatch } from "../prover/state/batch";
import { CI_PARAMS, devGenesis } from "../prover/dev/fixtures";
import { buildBatchInput } from "../prover/circuit-input/batch-input";
import { terminateCurves, verify, type SetupRecord, type VerificationKey } from "../prover/zk/prover";
import type { CircuitInput } from "../prover/zk/witness";
import { scenario } from "../test/prover/service/fixtures";
import { freePort, startRedis, type RedisServer } from "../test/helpers/redis-server";
import { benchOut } from "./out";
import { packageRoot } from "../prover/package/root";

const REPO_ROOT = packageRoot();
const CIRCUIT_DIR = path.join(REPO_ROOT, "build", "ci");
const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** A private redis-server (AOF fsync'd on every write, as docs/operations.md asks), optionally relaxed to `everysec`. */
async function benchRedis(appendfsync: "always" | "everysec" = "always"): Promise<RedisServer & { remove(): Promise<void> }> {
  const redis = await startRedis({ port: await freePort(), dir: fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-bench-redis-")) });
  if (appendfsync !== "always") {
    const c = new Redis(redis.url);
    await c.config("SET", "appendfsync", appendfsync);
    c.disconnect();
  }
  return Object.assign(redis, { remove: async () => (await redis.stop(), fs.rmSync(redis.dir, { recursive: true, force: true })) });
}

/**
 * A `zksettle worker` child (one prover thread); resolves once it takes jobs. Beside
 * other workers it builds a single-threaded curve, as a pool of several threads does,
 * so that both sides give each proof one core.
 */
async function spawnWorker(url: string, prefix: string, id: string, singleThreadCurve: boolean): Promise<{ child: ChildProcess; exited: Promise<unknown> }> {
  const args = ["worker", "--store", url, "--store-prefix", prefix, "--workers", "1", "--build-dir", CIRCUIT_DIR, "--id", id, ...(singleThreadCurve ? ["--single-thread-curve"] : [])];
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(REPO_ROOT, "prover", "cli.ts"), ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise((r) => child.once("exit", r));
  await new Promise<void>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on("line", (l) => l.includes("zksettle worker ready") && resolve());
    void exited.then(() => reject(new Error(`worker ${id} exited before it was ready`)));
  });
  return { child, exited };
}

/** Warm-up (one proof per thread at once), then all inputs at once; ms to the last result. */
async function timed(threads: number, inputs: CircuitInput[], prove: (input: CircuitInput, i: number) => Promise<ProveOutput>, vkey: VerificationKey): Promise<{ ms: number; warmupMs: number }> {
  const tw = performance.now();
  await Promise.all(Array.from({ length: threads }, (_x, i) => prove(inputs[i % inputs.length], -1 - i)));
  const warmupMs = performance.now() - tw;
  const t0 = performance.now();
  const outs = await Promise.all(inputs.map((input, i) => prove(input, i)));
  const ms = performance.now() - t0;
  for (const o of outs) if (!(await verify(vkey, o.publicSignals, o.proof))) throw new Error("a proof does not verify");
  return { ms, warmupMs };
}

async function poolRun(threads: number, inputs: CircuitInput[], vkey: VerificationKey): Promise<{ ms: number; warmupMs: number }> {
  const pool = new ProverPool({ maxThreads: threads });
  try {
    return await timed(threads, inputs, (input) => pool.prove(CIRCUIT_DIR, input), vkey);
  } finally {
    await pool.close();
  }
}

async function workersRun(redis: RedisServer, n: number, inputs: CircuitInput[], vkey: VerificationKey): Promise<{ ms: number; warmupMs: number }> {
  const prefix = `bench${n}`;
  const ws = await Promise.all(Array.from({ length: n }, (_x, i) => spawnWorker(redis.url, prefix, `w${i + 1}`, n > 1)));
  const prover = new RemoteProver({ url: redis.url, prefix, maxInFlight: n, pollMs: 2000 });
  try {
    return await timed(n, inputs, (input, i) => prover.prove(CIRCUIT_DIR, input, { jobId: `p${i}` }), vkey);
  } finally {
    await prover.close();
    ws.forEach((w) => w.child.kill("SIGTERM"));
    await Promise.all(ws.map((w) => w.exited));
  }
}

/** Round trips of a no-op job, one at a time. */
async function overheadRun(fsync: "always" | "everysec", input: CircuitInput, jobs: number): Promise<{ medianMs: number; p95Ms: number }> {
  const redis = await benchRedis(fsync);
  const fake: ProveOutput = { proof: { pi_a: ["1", "2", "1"], pi_b: [["1", "2"], ["3", "4"], ["1", "0"]], pi_c: ["1", "2", "1"], protocol: "groth16", curve: "bn128" } as unknown as ProveOutput["proof"], publicSignals: ["1"], witnessMs: 0, proveMs: 0 };
  const worker = new QueueWorker({ url: redis.url, prefix: "ovh", threads: 1, circuitDir: CIRCUIT_DIR, prove: async () => fake });
  const prover = new RemoteProver({ url: redis.url, prefix: "ovh", maxInFlight: 1 });
  try {
    await worker.waitUntilReady();
    for (let i = 0; i < 5; i++) await prover.prove(CIRCUIT_DIR, input); // connections and scripts warm
    const ms: number[] = [];
    for (let i = 0; i < jobs; i++) {
      const t0 = performance.now();
      await prover.prove(CIRCUIT_DIR, input);
      ms.push(performance.now() - t0);
    }
    return { medianMs: percentile(ms, 50), p95Ms: percentile(ms, 95) };
  } finally {
    await prover.close();
    await worker.close();
    await redis.remove();
  }
}

async function main(): Promise<void> {
  const o = new Command()
    .description("zksettle prove queue: throughput with 1–3 worker processes vs one in-process pool, and queue overhead per job")
    .option("--quick", "the smallest run (1 proof, 1 worker vs a 1-thread pool, 20 round trips)")
    .option("--proofs <n>", "proofs per configuration")
    .option("--jobs <n>", "round trips per overhead case")
    .parse()
    .opts<{ quick?: boolean; proofs?: string; jobs?: string }>();
  const quick = o.quick === true;
  const K = Number(o.proofs ?? (quick ? 1 : 6));
  const M = Number(o.jobs ?? (quick ? 20 : 200));
  const counts = quick ? [1] : [1, 2, 3];
  const cores = os.availableParallelism();
  const loadAtStart = os.loadavg();
  const record = JSON.parse(fs.readFileSync(path.join(CIRCUIT_DIR, "setup.json"), "utf8")) as SetupRecord;
  const vkey = JSON.parse(fs.readFileSync(path.resolve(CIRCUIT_DIR, record.verificationKey), "utf8")) as VerificationKey;
  const genesis = await devGenesis(CI_PARAMS);
  const { batches, states } = scenario(genesis, K);
  const inputs = batches.map((b, i) => buildBatchInput(CI_PARAMS, applyBatch(states[i], b).trace) as CircuitInput);
  const inputBytes = JSON.stringify(jsonInput(inputs[0])).length;

  console.log(`queue bench: ci circuit, ${K} proofs per configuration, ${cores} cores (load average ${loadAtStart.map((x) => x.toFixed(1)).join(" ")}), ${M} round trips per overhead case`);
  const overhead: Record<string, unknown>[] = [];
  for (const fsync of ["always", "everysec"] as const) {
    for (const [payload, input, bytes] of [["tiny", { x: "1" }, 9], ["ci batch", inputs[0], inputBytes]] as const) {
      const r = await overheadRun(fsync, input as CircuitInput, M);
      overhead.push({ payload, inputBytes: bytes, appendfsync: fsync, jobs: M, medianMs: round(r.medianMs), p95Ms: round(r.p95Ms) });
      console.log(`  overhead, ${payload} input (${bytes} B), appendfsync ${fsync}: median ${r.medianMs.toFixed(2)} ms, p95 ${r.p95Ms.toFixed(2)} ms per job`);
    }
  }

  const redis = await benchRedis();
  const rows: Record<string, unknown>[] = [];
  try {
    for (const n of counts) {
      const pool = await poolRun(n, inputs, vkey);
      const queue = await workersRun(redis, n, inputs, vkey);
      const poolPpm = (K / pool.ms) * 60_000;
      const queuePpm = (K / queue.ms) * 60_000;
      rows.push({ threads: n, pool: { wallMs: Math.round(pool.ms), warmupMs: Math.round(pool.warmupMs), proofsPerMinute: round(poolPpm) }, workers: { processes: n, wallMs: Math.round(queue.ms), warmupMs: Math.round(queue.warmupMs), proofsPerMinute: round(queuePpm) }, ratio: round(queuePpm / poolPpm, 3) });
      console.log(`  ${n} thread(s): pool ${poolPpm.toFixed(2)} proofs/min, ${n} worker process(es) ${queuePpm.toFixed(2)} proofs/min, ratio ${(queuePpm / poolPpm).toFixed(2)}`);
    }
  } finally {
    await redis.remove();
  }
  const ci = overhead.find((r) => r.payload === "ci batch" && r.appendfsync === "always")!;
  const best = rows.reduce((a, b) => ((a.workers as { proofsPerMinute: number }).proofsPerMinute >= (b.workers as { proofsPerMinute: number }).proofsPerMinute ? a : b));
  const note =
    `${cores} cores, shared (load average ${loadAtStart[0].toFixed(1)} at the start, ${os.loadavg()[0].toFixed(1)} at the end): throughput is noisy. ` +
    `A Groth16 proof keeps a core busy (a 1-thread prover's curve uses every core; with several threads or workers each proof gets one), so more than ${cores} proving threads cannot add throughput here; ` +
    `the worker rows measure what the queue costs and that proofs spread over processes, not a speed-up. ` +
    `Best: ${(best.workers as { proofsPerMinute: number }).proofsPerMinute} proofs/min with ${best.threads} worker(s). ` +
    `The queue adds ${ci.medianMs} ms per job (ci input, fsync always) to a proof of ~${Math.round(((K * 60_000) / ((rows[0].pool as { proofsPerMinute: number }).proofsPerMinute * K)))} ms; ` +
    `on a machine with more cores (or more machines) each worker brings its own cores.`;
  console.log(`  note: ${note}`);
  const out = {
    date: new Date().toISOString(),
    // the machine is shared: the load average says how much of it the bench had
    machine: { cores, cpu: os.cpus()[0]?.model, memGiB: round(os.totalmem() / 2 ** 30, 1), node: process.version, loadAvgAtStart: loadAtStart.map((x) => round(x)), loadAvgAtEnd: os.loadavg().map((x) => round(x)) },
    circuit: { params: "ci", batchSize: CI_PARAMS.batchSize, zkey: record.zkey, inputBytes },
    quick,
    throughput: { proofs: K, what: "K proofs submitted at once after a warm-up, wall time to the last result; workers: one 1-thread `zksettle worker` process each (--single-thread-curve when there are several, as the pool does with several threads)", rows },
    overhead: { what: "no-op prover, one job at a time: RemoteProver.prove → result (enqueue, worker fetch, complete, QueueEvents)", cases: overhead },
    note,
  };
  const file = benchOut("queue.json");
  fs.writeFileSync(file, JSON.stringify(out, null, 2) + "\n");
  console.log(`wrote ${file}`);
}

main()
  .then(async () => {
    await terminateCurves();
    process.exit(0);
  })
  .catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
