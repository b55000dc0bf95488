/**
 * The batch prover of a fallback prover: the deployment's public circuit files, the
 * witness calculator's wasm and the Groth16 proving key (zkey), read once.
 * By default both come from a circuit build folder (scripts/setup.ts's `setup.json`).
 */
import fs from "node:fs";
import path from "node:path";
import { snarkjs } from "../zk/snarkjs";
import { WitnessCalculator, type CircuitInput } from "../zk/witness";
import { toSolidityCalldata, type SetupRecord } from "../zk/prover";
import { FallbackError } from "./errors";

/** Where the circuit files are. */
export interface CircuitFiles {
  readonly wasm: string;
  readonly zkey: string;
}

/** A batch prover: the proof in the contract's `uint256[8]` order and its public signals. */
export interface BatchProver {
  prove(input: CircuitInput): Promise<{ proof: bigint[]; publicSignals: string[] }>;
}

/**
 * The wasm and zkey named by `<dir>/setup.json`, each overridable.
 * @throws FallbackError PRV_ERR_FALLBACK_CIRCUIT when a file is missing
 */
export function circuitFiles(dir: string, overrides: Partial<CircuitFiles> = {}): CircuitFiles {
  let wasm = overrides.wasm;
  let zkey = overrides.zkey;
  if (wasm === undefined || zkey === undefined) {
    const record = path.join(dir, "setup.json");
    if (!fs.existsSync(record)) {
      throw new FallbackError("PRV_ERR_FALLBACK_CIRCUIT", `${record} not found: pass --params NAME (build/NAME/) or --build-dir with the circuit build folder, or --wasm and --zkey`);
    }
    const r = JSON.parse(fs.readFileSync(record, "utf8")) as SetupRecord;
    wasm ??= path.join(dir, `${r.circuit}_js`, `${r.circuit}.wasm`);
    zkey ??= path.resolve(dir, r.zkey);
  }
  for (const f of [wasm, zkey]) {
    if (!fs.existsSync(f)) throw new FallbackError("PRV_ERR_FALLBACK_CIRCUIT", `circuit file ${f} not found`);
  }
  return { wasm, zkey };
}

/** A prover over the given files (snarkjs Groth16; the files are read once). */
export async function loadBatchProver(files: CircuitFiles): Promise<BatchProver> {
  const wc = await WitnessCalculator.load(files.wasm);
  const zkey = new Uint8Array(fs.readFileSync(files.zkey));
  return {
    async prove(input) {
      const wtns = await wc.wtns(input);
      const { proof, publicSignals } = await snarkjs.groth16.prove(zkey, wtns);
      return { proof: toSolidityCalldata(proof), publicSignals };
    },
  };
}
