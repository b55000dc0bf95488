/**
 * Many provers, one queue (issue 8), with real `ci` proofs: three `zksettle worker`
 * processes on one redis-server prove a stream of batches submitted through
 * RemoteProver. Mid-run one worker is SIGKILLed while it proves, and Redis itself is
 * killed and restarted (AOF, fsync always). Every job must come back exactly once, from
 * a live worker, with a proof that verifies for its batch's input hash.
 *
 * Bounded in time: short locks (4 s) and stall checks (2 s) so the dead worker's job is
 * re-delivered quickly; the time each step takes is printed, never asserted.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { expect } from "chai";
import { Queue } from "bullmq";
import { applyBatch } from "../../prover/state/batch";
import { RemoteProver } from "../../prover/remote/remote-prover";
import { QUEUE_NAME, queueJobId, type ProveJobResult } from "../../prover/remote/types";
import { batchOnChain } from "../../prover/circuit-input/batch-data";
import { buildBatchInput } from "../../prover/circuit-input/batch-input";
import { loadCircuit, terminateCurves } from "../../prover/zk/prover";
import type { ProveOutput } from "../../prover/pool/types";
import type { CircuitInput } from "../../prover/zk/witness";
import { CI_CIRCUIT_DIR, CI_PARAMS, ciGenesis, scenario } from "../prover/service/fixtures";
import { freePort, startRedis, type RedisServer } from "../helpers/redis-server";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const PREFIX = "e2e";
const BATCHES = 5;

interface WorkerProcess {
  readonly id: string;
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  readonly exited: Promise<number | null>;
}

/** `zksettle worker` as a child (ts-node, transpile only); resolves once it is ready. */
async function startWorker(url: string, id: string): Promise<WorkerProcess> {
  const args = ["worker", "--store", url, "--store-prefix", PREFIX, "--workers", "1", "--build-dir", CI_CIRCUIT_DIR, "--id", id, "--lock-duration", "4000", "--stalled-interval", "2000", "--heartbeat", "1000", "--drain", "0"];
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(REPO_ROOT, "prover", "cli.ts"), ...args], { cwd: REPO_ROOT, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" }, stdio: ["ignore", "pipe", "inherit"] });
  const lines: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  await new Promise<void>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on("line", (line) => {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        lines.push(parsed);
        if (parsed.msg === "zksettle worker ready") resolve();
      } catch {
        lines.push({ raw: line });
      }
    });
    void exited.then((code) => reject(new Error(`worker ${id} exited (${code}) before it was ready`)));
  });
  return { id, child, lines, exited };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("e2e: three workers, one queue, a worker killed mid-proof and Redis restarted", function () {
  this.timeout(20 * 60_000);
  let redis: RedisServer;
  let workers: WorkerProcess[] = [];
  let prover: RemoteProver | undefined;

  after(async function () {
    await prover?.close();
    for (const w of workers) w.child.kill("SIGKILL");
    await Promise.all(workers.map((w) => w.exited));
    await redis?.stop();
    if (redis !== undefined) fs.rmSync(redis.dir, { recursive: true, force: true });
    await terminateCurves();
  });

  it("proves every batch exactly once, with proofs that verify, and loses nothing", async function () {
    redis = await startRedis({ port: await freePort(), dir: fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-e2e-redis-")) });
    const genesis = await ciGenesis();
    const { batches, states } = scenario(genesis, BATCHES);
    const traces = batches.map((b, i) => applyBatch(states[i], b).trace);
    const inputs = traces.map((t) => buildBatchInput(CI_PARAMS, t) as CircuitInput);
    const hashes = traces.map((t) => batchOnChain(CI_PARAMS, t).inputHash.toString());
    const circuit = await loadCircuit(CI_CIRCUIT_DIR);

    workers = await Promise.all(["w1", "w2", "w3"].map((id) => startWorker(redis.url, id)));
    prover = new RemoteProver({ url: redis.url, prefix: PREFIX, maxInFlight: 3, attempts: 3, pollMs: 1000 });
    const t0 = performance.now();
    const since = (): string => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

    // the first batch to reach the proving stage marks the victim: its worker dies mid-proof
    let victimJob!: (job: string) => void;
    const proving = new Promise<string>((r) => (victimJob = r));
    const results = inputs.map((input, i) =>
      prover!.prove(CI_CIRCUIT_DIR, input, { jobId: `batch-${i + 1}`, onStage: () => victimJob(queueJobId(`batch-${i + 1}`)) }).then((out: ProveOutput) => {
        console.log(`      batch ${i + 1} proven at ${since()}`);
        return out;
      }),
    );
    const job = await proving;
    const victim = workers.find((w) => w.lines.some((l) => l.msg === "job started" && l.job === job));
    expect(victim, `no worker logged the start of ${job}`).to.not.equal(undefined);
    victim!.child.kill("SIGKILL");
    console.log(`      ${victim!.id} SIGKILLed at ${since()} while proving ${job}`);

    await Promise.race(results);
    await sleep(500);
    await redis.restart({ kill: true });
    console.log(`      redis killed and restarted at ${since()}`);

    const outs = await Promise.all(results);
    for (const [i, out] of outs.entries()) {
      expect(out.publicSignals, `batch ${i + 1}`).to.deep.equal([hashes[i]]);
      expect(await circuit.verify(out.publicSignals, out.proof), `batch ${i + 1} verifies`).to.equal(true);
    }

    // exactly one finished queue job per batch, none of them from the dead worker
    const queue = new Queue<unknown, ProveJobResult>(QUEUE_NAME, { connection: { url: redis.url }, prefix: PREFIX });
    try {
      const completed = await queue.getJobs(["completed"]);
      expect(completed.map((j) => j.id).sort()).to.deep.equal(inputs.map((_x, i) => queueJobId(`batch-${i + 1}`)).sort());
      expect(await queue.getJobs(["failed", "waiting", "active", "delayed"])).to.have.length(0);
      const byVictim = completed.find((j) => j.id === job);
      expect(byVictim?.returnvalue.worker).to.not.equal(victim!.id);
      console.log(`      ${job} finished by ${byVictim?.returnvalue.worker}; proofs by worker: ${completed.map((j) => j.returnvalue.worker).join(", ")}`);
    } finally {
      await queue.close();
    }
    expect((await prover.workers()).map((w) => w.id)).to.deep.equal(workers.filter((w) => w !== victim).map((w) => w.id));

    // a clean stop: SIGTERM, exit 0, registry entry gone
    const live = workers.filter((w) => w !== victim);
    live.forEach((w) => w.child.kill("SIGTERM"));
    expect(await Promise.all(live.map((w) => w.exited))).to.deep.equal([0, 0]);
    expect(await prover.workers()).to.deep.equal([]);
  });
});
