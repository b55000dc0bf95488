/**
 * The prover pool's worker: `ProveTask` → `ProveOutcome`. Each thread loads a circuit's
 * wasm and its prover backend (the proving key) once (module-level cache keyed by
 * circuit folder) and keeps them in memory for every later task. The witness is computed here too, so that the main
 * thread never blocks on the wasm calculator.
 *
 * Errors the worker can survive (a witness that does not exist, a backend failure) come
 * back as `{ ok: false }`; anything that kills the thread (process.exit, out of memory)
 * is reported by piscina, which then starts a new worker.
 */
import "./web-worker-shim"; // first: before anything loads snarkjs/ffjavascript
import path from "node:path";
import { workerData } from "node:worker_threads";
import type { ProvingBackend } from "../zk/backend";
import { BackendError } from "../zk/backend-errors";
import { loadBackend } from "../zk/load-backend";
import { readSetup } from "../zk/prover";
import { WitnessCalculator, WitnessError } from "../zk/witness";
import type { ProveOutcome, ProveTask, ProveWorkerData, StageMessage } from "./types";

interface Loaded {
  readonly wc: WitnessCalculator;
  readonly prover: ProvingBackend;
}

const circuits = new Map<string, Promise<Loaded>>();

async function load(dir: string): Promise<Loaded> {
  const { key, wasmPath } = readSetup(dir);
  const backend = (workerData as ProveWorkerData | undefined)?.backend ?? "auto";
  const [wc, prover] = await Promise.all([WitnessCalculator.load(wasmPath), loadBackend(backend, key)]);
  return { wc, prover };
}

function circuit(dir: string): Promise<Loaded> {
  const key = path.resolve(dir);
  let c = circuits.get(key);
  if (!c) {
    c = load(key);
    // a failed load (missing file) must not stick: the next task tries again
    c.catch(() => circuits.delete(key));
    circuits.set(key, c);
  }
  return c;
}

let curveReady: Promise<void> | undefined;

/**
 * With `singleThreadCurve`, builds ffjavascript's curve without threads and installs it
 * where snarkjs looks (`globalThis.curve_bn128`, which buildBn128 returns when it is
 * set), so every prove in this worker uses one core.
 */
function prepareCurve(): Promise<void> {
  curveReady ??= (async () => {
    const data = workerData as ProveWorkerData | undefined;
    if (!data?.singleThreadCurve) return;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { buildBn128 } = require("ffjavascript") as { buildBn128(singleThread: boolean): Promise<unknown> };
    (globalThis as Record<string, unknown>).curve_bn128 = await buildBn128(true);
  })();
  return curveReady;
}

/** The task handler piscina calls. */
export default async function prove(task: ProveTask): Promise<ProveOutcome> {
  try {
    const [c] = await Promise.all([circuit(task.circuitDir), prepareCurve()]);
    const t0 = performance.now();
    let wtns: Uint8Array;
    try {
      wtns = await c.wc.wtns(task.input);
    } catch (err) {
      const message = err instanceof WitnessError ? err.message : String(err);
      return { ok: false, error: { kind: "witness", message } };
    }
    const witnessMs = performance.now() - t0;
    const stage: StageMessage = { stage: "proving", witnessMs };
    task.port?.postMessage(stage);
    const t1 = performance.now();
    const { proof, publicSignals } = await c.prover.prove(wtns);
    return { ok: true, proof, publicSignals, witnessMs, proveMs: performance.now() - t1 };
  } catch (err) {
    if (err instanceof BackendError && err.code === "PRV_ERR_WITNESS") return { ok: false, error: { kind: "witness", message: err.message } };
    const message = err instanceof BackendError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
    return { ok: false, error: { kind: "prove", message } };
  } finally {
    task.port?.close();
  }
}
