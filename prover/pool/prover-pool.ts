/**
 * The prover pool (docs/service.md, "Pool"): piscina threads that each load the
 * circuit's wasm and zkey once and answer `{ circuitDir, input }` with a proof.
 *
 * - Cancellation: an AbortSignal; piscina terminates the thread running the task (that
 *   really stops the wasm and the curve threads) and starts a new one.
 * - A thread that dies (process.exit, `resourceLimits` exceeded, uncaught error) fails
 *   its task with `WorkerCrashedError`; piscina replaces it.
 * - `close()` destroys the threads; each takes its ffjavascript curve threads with it.
 */
import os from "node:os";
import path from "node:path";
import { MessageChannel, type ResourceLimits } from "node:worker_threads";
import { Piscina } from "piscina";
import type { BackendChoice, BackendName } from "../zk/backend";
import { resolveBackend } from "../zk/load-backend";
import type { CircuitInput } from "../zk/witness";
import { PoolClosedError, ProofAbortedError, ProveFailedError, WorkerCrashedError } from "./errors";
import type { ProveOutcome, ProveOutput, ProveTask, ProveWorkerData, StageMessage } from "./types";

export type { ProveOutput, StageMessage };

/** Options of `ProverPool`. */
export interface ProverPoolOptions {
  /** Worker threads (default `os.availableParallelism() − 1`, at least 1). */
  readonly maxThreads?: number;
  /** Limits of each thread; exceeding them crashes that thread (and fails its task) only. */
  readonly resourceLimits?: ResourceLimits;
  /**
   * One core per proof (default when there is more than one thread, so that parallel
   * proofs do not fight for the cores) instead of every core for each proof.
   */
  readonly singleThreadCurve?: boolean;
  /** Tasks waiting for a thread beyond which `prove` rejects (default unlimited). */
  readonly maxQueue?: number;
  /** Prover backend (default `auto`: native where built, else snarkjs). */
  readonly backend?: BackendChoice;
  /** Worker entry file (tests pass a fixture that wraps the real one). */
  readonly workerFile?: string;
}

/** Per-call options of `prove`. */
export interface ProveOptions {
  readonly signal?: AbortSignal;
  /** Called when the worker has the witness and starts proving. */
  readonly onStage?: (m: StageMessage) => void;
}

/** `os.availableParallelism() − 1`, at least 1. */
export function defaultThreads(): number {
  return Math.max(1, os.availableParallelism() - 1);
}

/**
 * The worker entry: under ts-node (this file is a .ts) the bootstrap that registers
 * ts-node in the new thread, in a compiled build the compiled worker.
 */
function defaultWorkerFile(): string {
  return __filename.endsWith(".ts") ? path.join(__dirname, "prove-worker.boot.js") : path.join(__dirname, "prove-worker.js");
}

/** What a rejected piscina task means, as one of the pool's errors. */
function crashReason(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as Error & { code?: string }).code;
    if (code === "ERR_WORKER_OUT_OF_MEMORY") return `out of memory (${err.message})`;
    return err.message;
  }
  return String(err);
}

export class ProverPool {
  private readonly piscina: Piscina<ProveTask, ProveOutcome>;
  private readonly maxThreads: number;
  /** The backend the threads prove with. */
  readonly backend: BackendName;
  private inFlight = 0;
  private closed = false;

  constructor(opts: ProverPoolOptions = {}) {
    this.maxThreads = opts.maxThreads ?? defaultThreads();
    // resolved here, once, so that every thread uses the same backend and callers can say which
    this.backend = resolveBackend(opts.backend ?? "auto").name;
    const data: ProveWorkerData = { singleThreadCurve: opts.singleThreadCurve ?? this.maxThreads > 1, backend: this.backend };
    this.piscina = new Piscina<ProveTask, ProveOutcome>({
      filename: opts.workerFile ?? defaultWorkerFile(),
      minThreads: this.maxThreads,
      maxThreads: this.maxThreads,
      // keep loaded circuits: a thread that idles out would reload a 100 MB zkey
      idleTimeout: Number.POSITIVE_INFINITY,
      maxQueue: opts.maxQueue ?? Number.POSITIVE_INFINITY,
      resourceLimits: opts.resourceLimits,
      workerData: data,
    });
    // A thread that dies with no task is replaced by piscina; nothing to fail.
    this.piscina.on("error", () => undefined);
  }

  /** Worker threads. */
  get threads(): number {
    return this.maxThreads;
  }

  /** Tasks running or waiting for a thread. */
  get pending(): number {
    return this.inFlight;
  }

  /** Threads busy now. */
  get busy(): number {
    return Math.min(this.inFlight, this.maxThreads);
  }

  /**
   * Computes the witness and a Groth16 proof in a worker.
   * @throws ProofAbortedError when `signal` aborts (the thread is terminated);
   *   WorkerCrashedError when the thread dies; ProveFailedError (PRV_ERR_WITNESS when
   *   the circuit has no witness for the input); PoolClosedError
   */
  async prove(circuitDir: string, input: CircuitInput, opts: ProveOptions = {}): Promise<ProveOutput> {
    if (this.closed) throw new PoolClosedError();
    if (opts.signal?.aborted) throw new ProofAbortedError(opts.signal.reason);
    const { port1, port2 } = new MessageChannel();
    port1.on("message", (m: StageMessage) => opts.onStage?.(m));
    this.inFlight++;
    try {
      const outcome = await this.piscina.run({ circuitDir: path.resolve(circuitDir), input, port: port2 }, { transferList: [port2], signal: opts.signal });
      if (!outcome.ok) throw new ProveFailedError(outcome.error.kind === "witness" ? "PRV_ERR_WITNESS" : "PRV_ERR_PROVE", outcome.error.message);
      const { proof, publicSignals, witnessMs, proveMs } = outcome;
      return { proof, publicSignals, witnessMs, proveMs };
    } catch (err) {
      if (err instanceof ProveFailedError) throw err;
      if (this.closed) throw new PoolClosedError();
      if (err instanceof Error && err.name === "AbortError") {
        throw new ProofAbortedError(opts.signal?.reason ?? err);
      }
      throw new WorkerCrashedError(crashReason(err), err);
    } finally {
      this.inFlight--;
      port1.close();
    }
  }

  /** Terminates every thread (running tasks reject with PoolClosedError). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.piscina.destroy();
  }
}
