/**
 * Groth16 proving for a compiled and set-up circuit: witness with circom2's wasm
 * calculator, proof with a prover backend (backend.ts: native where built, else
 * snarkjs). The wasm and the proving key are loaded once and kept in memory, so a
 * long-running worker pays the file reads once.
 */
import fs from "node:fs";
import path from "node:path";
import type { BackendChoice, KeySource, ProvingBackend } from "./backend";
import { loadBackend } from "./load-backend";
import { snarkjs, terminateCurves, type Groth16Proof, type VerificationKey } from "./snarkjs";
import { WitnessCalculator, WitnessError, type CircuitInput } from "./witness";

export { terminateCurves, WitnessError };
export type { CircuitInput, Groth16Proof, VerificationKey };

export interface ProveResult {
  proof: Groth16Proof;
  /** Decimal strings, in circuit order (for zksettle: just `inputHash`). */
  publicSignals: string[];
  timings: { witnessMs: number; proveMs: number };
}

/** What scripts/setup.ts records in `<dir>/setup.json`. */
export interface SetupRecord {
  circuit: string;
  zkey: string;
  verificationKey: string;
  insecure: boolean;
  r1csHash: string;
  ptau: string;
  power: number;
}

export interface LoadedCircuit {
  readonly name: string;
  readonly vkey: VerificationKey;
  readonly insecure: boolean;
  /** The prover backend holding the proving key. */
  readonly backend: ProvingBackend;
  /** Full witness; throws WitnessError when a constraint or assert fails. */
  computeWitness(input: CircuitInput): Promise<bigint[]>;
  prove(input: CircuitInput): Promise<ProveResult>;
  verify(publicSignals: string[], proof: Groth16Proof): Promise<boolean>;
}

/** The setup record of a build folder and the key files it names. */
export function readSetup(dir: string): { record: SetupRecord; key: KeySource; wasmPath: string } {
  const recordPath = path.join(dir, "setup.json");
  if (!fs.existsSync(recordPath)) throw new Error(`${dir}: no setup.json; run scripts/setup.ts first`);
  const record = JSON.parse(fs.readFileSync(recordPath, "utf8")) as SetupRecord;
  const vkey = JSON.parse(fs.readFileSync(path.resolve(dir, record.verificationKey), "utf8")) as VerificationKey;
  const wasmPath = path.join(dir, `${record.circuit}_js`, `${record.circuit}.wasm`);
  return { record, key: { zkeyPath: path.resolve(dir, record.zkey), vkey }, wasmPath };
}

/**
 * Loads `<dir>/<name>_js/<name>.wasm` and the zkey named in `<dir>/setup.json`
 * (written by scripts/setup.ts) into the prover backend `backend` picks (default
 * `auto`: native where built). `name` defaults to the circuit of that record.
 */
export async function loadCircuit(dir: string, name?: string, backend: BackendChoice = "auto"): Promise<LoadedCircuit> {
  const { record, key } = readSetup(dir);
  const circuit = name ?? record.circuit;
  const wasmPath = path.join(dir, `${circuit}_js`, `${circuit}.wasm`);
  const [wc, prover] = await Promise.all([WitnessCalculator.load(wasmPath), loadBackend(backend, key)]);

  return {
    name: circuit,
    vkey: key.vkey,
    insecure: record.insecure,
    backend: prover,
    computeWitness: (input) => wc.witness(input),
    async prove(input) {
      const t0 = performance.now();
      const wtns = await wc.wtns(input);
      const t1 = performance.now();
      const { proof, publicSignals } = await prover.prove(wtns);
      const t2 = performance.now();
      return { proof, publicSignals, timings: { witnessMs: t1 - t0, proveMs: t2 - t1 } };
    },
    verify: (publicSignals, proof) => verify(key.vkey, publicSignals, proof),
  };
}

/** Groth16 verification with snarkjs (pairing check in wasm). */
export function verify(vkey: VerificationKey, publicSignals: (string | bigint)[], proof: Groth16Proof): Promise<boolean> {
  return snarkjs.groth16.verify(vkey, publicSignals.map(String), proof);
}

/**
 * The proof as the `uint256[8]` of the snarkjs Solidity verifier:
 * (a.x, a.y, b.x1, b.x0, b.y1, b.y0, c.x, c.y). The G2 coordinates are swapped
 * because the EVM pairing precompile (EIP-197) takes the imaginary part first,
 * exactly as snarkjs `exportSolidityCallData` does.
 */
export function toSolidityCalldata(proof: Groth16Proof): bigint[] {
  const { pi_a: a, pi_b: b, pi_c: c } = proof;
  return [a[0], a[1], b[0][1], b[0][0], b[1][1], b[1][0], c[0], c[1]].map((v) => BigInt(v));
}
