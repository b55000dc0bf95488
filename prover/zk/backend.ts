/**
 * The prover backend seam (docs/decisions.md, "Native prover"): one interface that
 * loads a circuit's proving key once and proves from a witness, with snarkjs
 * (WebAssembly) and the native arkworks addon (native/) behind it.
 *
 * The interface says nothing about where a proof runs: a backend takes the `.wtns`
 * image that circom's witness calculator writes and returns snarkjs' proof JSON, so a
 * GPU backend plugs in the same way.
 */
import type { Groth16Proof, VerificationKey } from "./snarkjs";

/** The backends there are. */
export const BACKEND_NAMES = ["native", "snarkjs"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
/** What a user asks for: a backend, or `auto` (native where it is built, else snarkjs). */
export type BackendChoice = BackendName | "auto";

/** One proof, as snarkjs returns it. */
export interface BackendProof {
  readonly proof: Groth16Proof;
  /** Decimal strings, in circuit order. */
  readonly publicSignals: string[];
  /** Where the backend's time went (ms), when it measures it. */
  readonly phases?: Readonly<Record<string, number>>;
}

/** A circuit's proving key, loaded once, proving any number of witnesses. */
export interface ProvingBackend {
  readonly name: BackendName;
  /** Where the proofs are computed, in words (e.g. "cpu, 2 threads"), for logs and /v1/capacity. */
  readonly device: string;
  /**
   * @param wtns - the witness as a `.wtns` file image
   * @throws BackendError: PRV_ERR_WITNESS for a witness that does not satisfy the
   *   constraints, PRV_ERR_CIRCUIT_MISMATCH for one of another circuit, PRV_ERR_PROVE
   */
  prove(wtns: Uint8Array): Promise<BackendProof>;
}

/** What a backend needs to load: the zkey and the verification key it must match. */
export interface KeySource {
  readonly zkeyPath: string;
  readonly vkey: VerificationKey;
}
