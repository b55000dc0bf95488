/**
 * The messages between the prover pool and its workers (structured-clone data only:
 * errors are sent as plain objects, because a thread boundary strips an Error's class).
 */
import type { MessagePort } from "node:worker_threads";
import type { CircuitInput } from "../zk/witness";
import type { BackendChoice } from "../zk/backend";
import type { Groth16Proof } from "../zk/snarkjs";

/** One proof to make. */
export interface ProveTask {
  /** Build folder of the circuit (`build/<params>/`, with setup.json). */
  readonly circuitDir: string;
  readonly input: CircuitInput;
  /** Where the worker posts `StageMessage`s (transferred with the task). */
  readonly port?: MessagePort;
}

/** Posted on `ProveTask.port` when the witness is done and proving starts. */
export interface StageMessage {
  readonly stage: "proving";
  readonly witnessMs: number;
}

/** A finished proof. */
export interface ProveOutput {
  readonly proof: Groth16Proof;
  /** Decimal strings, in circuit order (for zksettle: just `inputHash`). */
  readonly publicSignals: string[];
  readonly witnessMs: number;
  readonly proveMs: number;
}

/** What the worker returns: a proof, or the error it caught (the worker survives it). */
export type ProveOutcome =
  | ({ readonly ok: true } & ProveOutput)
  | { readonly ok: false; readonly error: { readonly kind: "witness" | "prove"; readonly message: string } };

/** `workerData` of the pool's threads. */
export interface ProveWorkerData {
  /**
   * Build ffjavascript's curve single-threaded in each worker (one core per proof)
   * instead of with one curve thread per CPU (every core for each proof).
   */
  readonly singleThreadCurve: boolean;
  /** The prover backend each thread loads (prover/zk/backend.ts). */
  readonly backend: BackendChoice;
}
