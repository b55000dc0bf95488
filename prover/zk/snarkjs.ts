/**
 * Typed view of the parts of snarkjs 0.7.6 that zksettle uses. snarkjs ships no
 * TypeScript declarations; declaring the few calls here keeps `any` out of the
 * exported APIs of the prover and the scripts.
 */
import fs from "node:fs";
import path from "node:path";

/** A file name, or an in-memory buffer (snarkjs accepts both; issue 523). */
export type FileOrBuffer = string | Uint8Array | { type: "mem"; data?: Uint8Array };

/** Logger shape snarkjs calls into (a subset of console). */
export interface SnarkLogger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/** A Groth16 proof as snarkjs returns it: projective coordinates as decimal strings. */
export interface Groth16Proof {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
  protocol: string;
  curve: string;
}

/** The verification key JSON of `zkey export verificationkey`. */
export interface VerificationKey {
  protocol: string;
  curve: string;
  nPublic: number;
  [field: string]: unknown;
}

export interface SnarkjsApi {
  groth16: {
    prove(zkey: FileOrBuffer, wtns: FileOrBuffer, logger?: SnarkLogger): Promise<{ proof: Groth16Proof; publicSignals: string[] }>;
    verify(vk: VerificationKey, publicSignals: string[], proof: Groth16Proof, logger?: SnarkLogger): Promise<boolean>;
  };
  zKey: {
    newZKey(r1cs: FileOrBuffer, ptau: FileOrBuffer, zkey: FileOrBuffer, logger?: SnarkLogger): Promise<unknown>;
    contribute(oldZkey: FileOrBuffer, newZkey: FileOrBuffer, name: string, entropy: string, logger?: SnarkLogger): Promise<Uint8Array>;
    verifyFromR1cs(r1cs: FileOrBuffer, ptau: FileOrBuffer, zkey: FileOrBuffer, logger?: SnarkLogger): Promise<boolean>;
    exportVerificationKey(zkey: FileOrBuffer, logger?: SnarkLogger): Promise<VerificationKey>;
    exportSolidityVerifier(zkey: FileOrBuffer, templates: { groth16: string }, logger?: SnarkLogger): Promise<string>;
  };
  powersOfTau: {
    preparePhase2(oldPtau: string, newPtau: string, logger?: SnarkLogger): Promise<void>;
    truncate(ptau: string, template: string, logger?: SnarkLogger): Promise<void>;
  };
  wtns: {
    check(r1cs: FileOrBuffer, wtns: FileOrBuffer, logger?: SnarkLogger): Promise<boolean>;
  };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const snarkjs: SnarkjsApi = require("snarkjs");

/** Root folder of the installed snarkjs package (its `exports` hide package.json). */
export const SNARKJS_DIR: string = path.resolve(path.dirname(require.resolve("snarkjs")), "..");

/** The installed snarkjs version, for generated-file headers and cache keys. */
export const SNARKJS_VERSION: string = (
  JSON.parse(fs.readFileSync(path.join(SNARKJS_DIR, "package.json"), "utf8")) as { version: string }
).version;

/**
 * Ends the ffjavascript worker threads that snarkjs leaves running after
 * prove/verify/setup (snarkjs issues 292, 363, 370); without this a script or a
 * test process never exits.
 */
export async function terminateCurves(): Promise<void> {
  const g = globalThis as unknown as Record<string, { terminate(): Promise<void> } | undefined>;
  for (const name of ["curve_bn128", "curve_bls12381"]) {
    const curve = g[name];
    if (curve) {
      await curve.terminate();
      g[name] = undefined;
    }
  }
}
