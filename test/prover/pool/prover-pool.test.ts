/**
 * ProverPool with real `ci` proofs (4 at most: one whole, one aborted mid-proof, one
 * after the abort and a crash, one with a single-threaded curve). Timings are measured
 * and printed, not asserted: this machine is shared.
 */
import path from "node:path";
import { expect } from "chai";
import { ProverPool } from "../../../prover/pool/prover-pool";
import { PoolClosedError, ProofAbortedError, WorkerCrashedError } from "../../../prover/pool/errors";
import { applyBatch } from "../../../prover/state/batch";
import { buildBatchInput } from "../../../prover/circuit-input/batch-input";
import { batchOnChain } from "../../../prover/circuit-input/batch-data";
import { loadCircuit, terminateCurves, type LoadedCircuit } from "../../../prover/zk/prover";
import type { CircuitInput } from "../../../prover/zk/witness";
import { CI_CIRCUIT_DIR, CI_PARAMS, ciGenesis, scenarioBatch } from "../service/fixtures";

const DYING_WORKER = path.join(__dirname, "dying-worker.js");

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected the promise to reject");
}

describe("prover/pool: ProverPool", function () {
  let pool: ProverPool;
  let circuit: LoadedCircuit;
  let input: CircuitInput;
  let inputHash: bigint;

  before(async function () {
    const genesis = await ciGenesis();
    const { trace } = applyBatch(genesis, scenarioBatch(genesis, 1));
    input = buildBatchInput(CI_PARAMS, trace) as CircuitInput;
    inputHash = batchOnChain(CI_PARAMS, trace).inputHash;
    circuit = await loadCircuit(CI_CIRCUIT_DIR);
    pool = new ProverPool({ maxThreads: 1, workerFile: DYING_WORKER });
  });

  after(async function () {
    await pool?.close();
    await terminateCurves();
  });

  it("proves a ci batch in a worker thread, and the proof verifies in the main thread", async function () {
    const stages: number[] = [];
    const out = await pool.prove(CI_CIRCUIT_DIR, input, { onStage: (m) => stages.push(m.witnessMs) });
    expect(out.publicSignals).to.deep.equal([inputHash.toString()]);
    expect(await circuit.verify(out.publicSignals, out.proof)).to.equal(true);
    expect(stages).to.have.length(1);
    expect(out.proveMs).to.be.greaterThan(0);
    console.log(`      measured: witness ${Math.round(out.witnessMs)} ms, prove ${Math.round(out.proveMs)} ms`);
  });

  it("aborts a running proof: the task rejects at once with an AbortError that carries the reason", async function () {
    const controller = new AbortController();
    let abortedAt = 0;
    const task = pool.prove(CI_CIRCUIT_DIR, input, {
      signal: controller.signal,
      // abort once the worker is inside snarkjs' prover, not while it waits for a thread
      onStage: () => setTimeout(() => ((abortedAt = performance.now()), controller.abort(new Error("job cancelled"))), 200),
    });
    const err = await rejection(task);
    const afterMs = performance.now() - abortedAt;
    expect(err).to.be.instanceOf(ProofAbortedError);
    expect((err as ProofAbortedError).name).to.equal("AbortError");
    expect((err as ProofAbortedError).code).to.equal("PRV_ERR_PROOF_ABORTED");
    expect(((err as Error).cause as Error).message).to.equal("job cancelled");
    expect(pool.pending).to.equal(0);
    console.log(`      measured: rejected ${Math.round(afterMs)} ms after abort()`);
  });

  it("refuses a task whose signal is already aborted without starting it", async function () {
    const err = await rejection(pool.prove(CI_CIRCUIT_DIR, input, { signal: AbortSignal.abort() }));
    expect(err).to.be.instanceOf(ProofAbortedError);
  });

  it("fails a task whose worker exits mid-task with the reason, and the next proof still works", async function () {
    const err = await rejection(pool.prove(CI_CIRCUIT_DIR, { __die: "exit" }));
    expect(err).to.be.instanceOf(WorkerCrashedError);
    expect((err as WorkerCrashedError).code).to.equal("PRV_ERR_WORKER_CRASHED");
    expect((err as Error).message).to.match(/exited with code: 3/);
    const out = await pool.prove(CI_CIRCUIT_DIR, input);
    expect(await circuit.verify(out.publicSignals, out.proof)).to.equal(true);
  });

  it("fails a task whose worker runs out of memory (resourceLimits), and the pool goes on", async function () {
    const small = new ProverPool({ maxThreads: 1, workerFile: DYING_WORKER, resourceLimits: { maxOldGenerationSizeMb: 256 } });
    try {
      const err = await rejection(small.prove(CI_CIRCUIT_DIR, { __die: "oom" }));
      expect(err).to.be.instanceOf(WorkerCrashedError);
      expect((err as Error).message).to.match(/out of memory/);
      const echo = await small.prove(CI_CIRCUIT_DIR, { __echo: "7" });
      expect(echo.publicSignals).to.deep.equal(["7"]);
    } finally {
      await small.close();
    }
  });

  it("proves with a single-threaded curve per worker (the default when the pool has several threads)", async function () {
    const single = new ProverPool({ maxThreads: 1, singleThreadCurve: true });
    try {
      const out = await single.prove(CI_CIRCUIT_DIR, input);
      expect(await circuit.verify(out.publicSignals, out.proof)).to.equal(true);
      console.log(`      measured: single-threaded prove ${Math.round(out.proveMs)} ms`);
    } finally {
      await single.close();
    }
  });

  it("rejects new tasks once closed", async function () {
    const p = new ProverPool({ maxThreads: 1, workerFile: DYING_WORKER });
    await p.close();
    expect(await rejection(p.prove(CI_CIRCUIT_DIR, { __echo: "1" }))).to.be.instanceOf(PoolClosedError);
  });
});
