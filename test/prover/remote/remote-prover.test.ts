/**
 * RemoteProver ↔ QueueWorker over a real redis-server, with a cheap fake prover in the
 * worker (the real pool is exercised by test/e2e/distributed.test.ts). Each test uses
 * its own key prefix, so their queues never meet.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Queue } from "bullmq";
import { Registry } from "prom-client";
import { ProofAbortedError } from "../../../prover/pool/errors";
import type { ProveOutput, StageMessage } from "../../../prover/pool/types";
import { RemoteProveFailedError } from "../../../prover/remote/errors";
import { registerWorkerMetrics } from "../../../prover/remote/metrics";
import { RemoteProver, type RemoteProverOptions } from "../../../prover/remote/remote-prover";
import { QUEUE_NAME, queueJobId } from "../../../prover/remote/types";
import { QueueWorker, type ProveFn, type QueueWorkerOptions } from "../../../prover/remote/worker";
import type { CircuitInput } from "../../../prover/zk/witness";
import { freePort, startRedis, type RedisServer } from "../../helpers/redis-server";

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the promise to reject");
}

/** A proof whose public signal names the input and the worker that made it. */
function fakeOutput(input: CircuitInput, worker: string): ProveOutput {
  return { proof: { pi_a: [], pi_b: [], pi_c: [], protocol: "groth16", curve: "bn128" } as unknown as ProveOutput["proof"], publicSignals: [String(input.x), worker], witnessMs: 1, proveMs: 2 };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("prover/remote: RemoteProver and QueueWorker", function () {
  let redis: RedisServer;
  let circuitDir: string;
  let prefixN = 0;
  const open: { close(): Promise<void> }[] = [];

  before(async function () {
    redis = await startRedis({ port: await freePort(), dir: fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-queue-redis-")) });
    // a build folder the circuit id can be read from: setup.json and a verification key
    circuitDir = fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-circuit-"));
    fs.writeFileSync(path.join(circuitDir, "setup.json"), JSON.stringify({ circuit: "c", zkey: "c.zkey", verificationKey: "vk.json", r1csHash: "abc" }));
    fs.writeFileSync(path.join(circuitDir, "vk.json"), JSON.stringify({ protocol: "groth16" }));
  });

  afterEach(async function () {
    for (const o of open.splice(0).reverse()) await o.close();
  });

  after(async function () {
    await redis?.stop();
    if (redis !== undefined) fs.rmSync(redis.dir, { recursive: true, force: true });
    fs.rmSync(circuitDir, { recursive: true, force: true });
  });

  const newPrefix = (): string => `t${++prefixN}`;

  function prover(prefix: string, o: Partial<RemoteProverOptions> = {}): RemoteProver {
    const p = new RemoteProver({ url: redis.url, prefix, maxInFlight: 2, backoffMs: 10, pollMs: 200, ...o });
    open.push(p);
    return p;
  }

  function worker(prefix: string, prove: ProveFn, o: Partial<QueueWorkerOptions> = {}): QueueWorker {
    const w = new QueueWorker({ url: redis.url, prefix, threads: 2, circuitDir, prove, heartbeatMs: 200, cancelPollMs: 50, ...o });
    open.push({ close: () => w.close() });
    return w;
  }

  it("returns the worker's proof and reports the witness stage through onStage", async function () {
    const prefix = newPrefix();
    const w = worker(prefix, async (input, { onStage }) => {
      onStage({ stage: "proving", witnessMs: 7 });
      await sleep(50);
      return fakeOutput(input, "w1");
    });
    await w.waitUntilReady();
    const stages: StageMessage[] = [];
    const out = await prover(prefix).prove(circuitDir, { x: 41n }, { jobId: "job-1", onStage: (m) => stages.push(m) });
    expect(out.publicSignals).to.deep.equal(["41", "w1"]);
    expect(out).to.not.have.property("worker");
    expect(stages).to.deep.equal([{ stage: "proving", witnessMs: 7 }]);
  });

  it("dedupes by job id: a second leader re-attaches to the queued job, even once it finished; the same process proving again is a new try", async function () {
    const prefix = newPrefix();
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const w = worker(prefix, async (input) => {
      calls++;
      await gate;
      return fakeOutput(input, `call${calls}`);
    });
    await w.waitUntilReady();
    const oldLeader = prover(prefix);
    const newLeader = prover(prefix);
    const first = oldLeader.prove(circuitDir, { x: 1n }, { jobId: "7" });
    await sleep(100);
    const second = newLeader.prove(circuitDir, { x: 1n }, { jobId: "7" });
    release();
    expect((await first).publicSignals).to.deep.equal(["1", "call1"]);
    expect((await second).publicSignals).to.deep.equal(["1", "call1"]);
    const third = await prover(prefix).prove(circuitDir, { x: 1n }, { jobId: "7" });
    expect(third.publicSignals).to.deep.equal(["1", "call1"]);
    expect(calls).to.equal(1);
    const retry = await oldLeader.prove(circuitDir, { x: 1n }, { jobId: "7" });
    expect(retry.publicSignals).to.deep.equal(["1", "call2"]);
  });

  it("stops a job that always fails after `attempts` tries and rejects with PRV_ERR_PROVE_FAILED and the reason", async function () {
    const prefix = newPrefix();
    let calls = 0;
    const w = worker(prefix, async () => {
      calls++;
      throw new Error("the curve is on fire");
    });
    await w.waitUntilReady();
    const err = await rejection(prover(prefix, { attempts: 3 }).prove(circuitDir, { x: 2n }, { jobId: "bad" }));
    expect(err).to.be.instanceOf(RemoteProveFailedError);
    expect((err as RemoteProveFailedError).code).to.equal("PRV_ERR_PROVE_FAILED");
    expect(err.message).to.contain("the curve is on fire").and.contain("3 attempt");
    expect(calls).to.equal(3);
  });

  it("fails a witness error at once: the same input has no witness on any worker", async function () {
    const prefix = newPrefix();
    let calls = 0;
    const w = worker(prefix, async () => {
      calls++;
      throw Object.assign(new Error("Assert Failed"), { code: "PRV_ERR_WITNESS" });
    });
    await w.waitUntilReady();
    const err = await rejection(prover(prefix, { attempts: 3 }).prove(circuitDir, { x: 3n }));
    expect(err.message).to.contain("PRV_ERR_WITNESS: Assert Failed");
    expect(calls).to.equal(1);
  });

  it("aborting a waiting job removes it from the queue and rejects with the abort reason", async function () {
    const prefix = newPrefix(); // no worker: the job waits
    const p = prover(prefix);
    const controller = new AbortController();
    const proving = p.prove(circuitDir, { x: 4n }, { jobId: "w", signal: controller.signal });
    const queue = new Queue(QUEUE_NAME, { connection: { url: redis.url }, prefix });
    open.push(queue);
    while ((await queue.getJobState(queueJobId("w"))) !== "waiting") await sleep(20);
    controller.abort(new Error("job cancelled"));
    const err = await rejection(proving);
    expect(err).to.be.instanceOf(ProofAbortedError);
    expect((err.cause as Error).message).to.equal("job cancelled");
    while ((await queue.getJobState(queueJobId("w"))) !== "unknown") await sleep(20);
    expect(p.busy).to.equal(0);
  });

  it("an abort while Redis is down still rejects at once", async function () {
    const down = await startRedis({ port: await freePort(), dir: fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-queue-down-")) });
    await down.stop();
    const p = new RemoteProver({ url: down.url, prefix: newPrefix(), maxInFlight: 1 });
    const controller = new AbortController();
    const proving = p.prove(circuitDir, { x: 9n }, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("job cancelled")), 100);
    const err = await rejection(proving);
    expect(err).to.be.instanceOf(ProofAbortedError);
    expect((err.cause as Error).message).to.equal("job cancelled");
    // back up, so that the prover's connections can close
    await down.restart();
    await p.close();
    await down.stop();
    fs.rmSync(down.dir, { recursive: true, force: true });
  });

  it("aborting a running job reaches the worker's proof through the cancel key", async function () {
    const prefix = newPrefix();
    let sawAbort!: (reason: unknown) => void;
    const aborted = new Promise<unknown>((r) => (sawAbort = r));
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const w = worker(prefix, (_input, { signal }) => {
      started();
      return new Promise((_res, rej) => signal.addEventListener("abort", () => (sawAbort(signal.reason), rej(new Error("aborted")))));
    });
    await w.waitUntilReady();
    const controller = new AbortController();
    const proving = prover(prefix).prove(circuitDir, { x: 5n }, { signal: controller.signal });
    await running;
    controller.abort(new Error("job cancelled"));
    expect(await rejection(proving)).to.be.instanceOf(ProofAbortedError);
    expect(await aborted).to.equal("cancelled by the caller");
  });

  it("a worker built for another circuit refuses the job (PRV_ERR_CIRCUIT_MISMATCH) and leaves; a matching worker then proves it", async function () {
    const prefix = newPrefix();
    const wrong = worker(prefix, async (input) => fakeOutput(input, "wrong"), { circuit: "0000000000000000" });
    await wrong.waitUntilReady();
    const proving = prover(prefix, { attempts: 3 }).prove(circuitDir, { x: 6n }, { jobId: "m" });
    const exit = await wrong.done;
    expect(exit.reason).to.equal("circuit-mismatch");
    expect(exit.error?.message).to.contain("PRV_ERR_CIRCUIT_MISMATCH");
    const queue = new Queue(QUEUE_NAME, { connection: { url: redis.url }, prefix });
    open.push(queue);
    expect((await queue.getJob(queueJobId("m")))?.failedReason).to.contain("PRV_ERR_CIRCUIT_MISMATCH");
    worker(prefix, async (input) => fakeOutput(input, "right"));
    expect((await proving).publicSignals).to.deep.equal(["6", "right"]);
  });

  it("a worker that shuts down puts its running job back in the queue (no attempt used) and another worker finishes it", async function () {
    const prefix = newPrefix();
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const leaving = worker(prefix, (_input, { signal }) => {
      started();
      return new Promise((_res, rej) => signal.addEventListener("abort", () => rej(new Error("aborted"))));
    });
    await leaving.waitUntilReady();
    const proving = prover(prefix, { attempts: 1 }).prove(circuitDir, { x: 8n }, { jobId: "s" });
    await running;
    await leaving.close(0);
    worker(prefix, async (input) => fakeOutput(input, "stayer"));
    expect((await proving).publicSignals).to.deep.equal(["8", "stayer"]);
  });

  it("lists every live worker and exports per-worker gauges", async function () {
    const prefix = newPrefix();
    const a = worker(prefix, async (input) => fakeOutput(input, "a"), { id: "worker-a", threads: 1 });
    const b = worker(prefix, async (input) => fakeOutput(input, "b"), { id: "worker-b", threads: 3 });
    await Promise.all([a.waitUntilReady(), b.waitUntilReady()]);
    const p = prover(prefix);
    await Promise.all([1, 2, 3, 4].map((x) => p.prove(circuitDir, { x: BigInt(x) })));
    await sleep(300); // one heartbeat after the last proof
    const ws = await p.workers();
    expect(ws.map((w) => [w.id, w.threads, w.busy])).to.deep.equal([
      ["worker-a", 1, 0],
      ["worker-b", 3, 0],
    ]);
    expect(ws.reduce((s, w) => s + w.proofs, 0)).to.equal(4);
    const registry = new Registry();
    registerWorkerMetrics(registry, () => p.workers());
    const text = await registry.metrics();
    expect(text).to.match(/^zksettle_workers 2$/m);
    expect(text).to.match(/^zksettle_worker_threads\{worker="worker-b"\} 3$/m);
    expect(text).to.match(/^zksettle_worker_busy\{worker="worker-a"\} 0$/m);
    await a.close();
    expect((await p.workers()).map((w) => w.id)).to.deep.equal(["worker-b"]);
  });
});
