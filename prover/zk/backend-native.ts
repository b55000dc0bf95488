/**
 * The native backend: the arkworks Groth16 prover of native/ (a napi-rs addon built by
 * `npm run build:native`). The addon parses the zkey once per process, proves on its
 * own thread pool (every core) off the JavaScript thread, and checks each proof with a
 * pairing before it returns it.
 */
import fs from "node:fs";
import path from "node:path";
import { BackendError } from "./backend-errors";
import type { KeySource, ProvingBackend } from "./backend";
import { assertSameKey } from "./backend-snarkjs";
import type { Groth16Proof } from "./snarkjs";

/**
 * Where `npm run build:native` puts the addon: native/ of the package root, found by
 * Node's self-reference of the package by its name (not prover/package/root.ts: zk/
 * imports nothing of zksettle; docs/architecture.md, "Layering").
 */
export const NATIVE_ADDON = path.join(path.dirname(require.resolve("zksettle/package.json")), "native", "zksettle_native.node");

interface NativeProver {
  readonly nVars: number;
  readonly nPublic: number;
  readonly domainSize: number;
  verificationKeyJson(): string;
  prove(wtns: Uint8Array): Promise<string>;
}

export interface NativeAddon {
  loadZkey(path: string): Promise<NativeProver>;
  threads(): number;
  /** The INSECURE dev setup (native/src/setup.rs; scripts/lib/setup-native.ts); absent from addons built before it. */
  devSetup?(r1cs: string, zkey: string, tau: string, alpha: string, beta: string, power: number): Promise<string>;
  /**
   * EdDSA-Poseidon verdicts (native/src/eddsa.rs) of signatures given as six decimals
   * each (msg, R8x, R8y, S, Ax, Ay), on the libuv thread pool; absent from addons built
   * before it (prover/signatures/native.ts).
   */
  verifyEddsaPoseidon?(fields: string[]): Promise<boolean[]>;
  /** The same on the calling thread. */
  verifyEddsaPoseidonNow?(fields: string[]): boolean[];
  /** circomlib Poseidon of 1..12 decimals below the prime, as a decimal. */
  poseidonHash?(inputs: string[]): string;
  /** circomlibjs's optimised Poseidon constants (C, S, M, P by t − 2), loaded once. */
  poseidonLoadConstants?(c: string[][], s: string[][], m: string[][][], p: string[][][]): void;
  /** circomlibjs `signPoseidon`: [R8x, R8y, S] as decimals. */
  signEddsaPoseidon?(privKey: Uint8Array, msg: string): string[];
  /** circomlibjs `prv2pub`: [Ax, Ay] as decimals. */
  eddsaPublicKey?(privKey: Uint8Array): string[];
}

interface NativeResult {
  proof: Groth16Proof;
  publicSignals: string[];
  timings: Record<string, number>;
}

let addon: NativeAddon | undefined;
let loadProblem: string | undefined;

/** The addon, or why it cannot be used (not built, or built for another platform). */
export function nativeAddon(): { addon: NativeAddon } | { problem: string } {
  if (addon) return { addon };
  if (loadProblem === undefined) {
    if (!fs.existsSync(NATIVE_ADDON)) {
      loadProblem = `${path.relative(process.cwd(), NATIVE_ADDON)} is not built (npm run build:native; it needs Rust's cargo)`;
    } else {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        addon = require(NATIVE_ADDON) as NativeAddon;
        return { addon };
      } catch (err) {
        loadProblem = `${NATIVE_ADDON} does not load: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
  }
  return { problem: loadProblem };
}

export async function loadNativeBackend(key: KeySource): Promise<ProvingBackend> {
  const found = nativeAddon();
  if ("problem" in found) throw new BackendError("PRV_ERR_BACKEND_UNAVAILABLE", `native prover: ${found.problem}`);
  let prover: NativeProver;
  try {
    prover = await found.addon.loadZkey(key.zkeyPath);
  } catch (err) {
    throw BackendError.fromNative(err);
  }
  assertSameKey(key, JSON.parse(prover.verificationKeyJson()) as Record<string, unknown>);
  return {
    name: "native",
    device: `cpu (arkworks), ${found.addon.threads()} threads`,
    async prove(wtns) {
      let text: string;
      try {
        text = await prover.prove(wtns);
      } catch (err) {
        throw BackendError.fromNative(err);
      }
      const r = JSON.parse(text) as NativeResult;
      return { proof: r.proof, publicSignals: r.publicSignals, phases: r.timings };
    },
  };
}
