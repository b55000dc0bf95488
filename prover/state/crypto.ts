/**
 * Poseidon and EdDSA-Poseidon over Baby Jubjub, from circomlibjs (the same
 * primitives as circomlib's `Poseidon(n)` and `EdDSAPoseidonVerifier`).
 *
 * `await initCrypto()` once; every other function here is synchronous and throws if
 * it was not called. Every input is reduced mod r first, so signed values encoded as
 * negative bigints hash as protocol.md section 2 requires.
 */
import { R, mod } from "./field";
import { knownVerdict, recordVerdict } from "./verdicts";

/** A Baby Jubjub public key (protocol.md: `ax`, `ay`). */
export interface PublicKey {
  readonly ax: bigint;
  readonly ay: bigint;
}

/** An EdDSA-Poseidon signature, as the circomlib verifier takes it. */
export interface Signature {
  readonly R8x: bigint;
  readonly R8y: bigint;
  readonly S: bigint;
}

// The slice of circomlibjs this module uses (the package ships no types).
type FieldElement = Uint8Array;
interface WasmField {
  e(x: bigint): FieldElement;
  toObject(x: FieldElement): bigint;
}
interface CircomPoseidon {
  (inputs: FieldElement[] | bigint[]): FieldElement;
  F: WasmField;
}
interface CircomEddsa {
  F: WasmField;
  prv2pub(prv: Buffer): [FieldElement, FieldElement];
  signPoseidon(prv: Buffer, msg: FieldElement): { R8: [FieldElement, FieldElement]; S: bigint };
  verifyPoseidon(msg: FieldElement, sig: { R8: [FieldElement, FieldElement]; S: bigint }, A: [FieldElement, FieldElement]): boolean;
}
interface CircomlibModule {
  buildPoseidon(): Promise<CircomPoseidon>;
  buildEddsa(): Promise<CircomEddsa>;
}

/** Largest number of Poseidon inputs circomlib supports (and the protocol needs). */
export const POSEIDON_MAX_INPUTS = 16;

let hasher: CircomPoseidon | undefined;
let eddsa: CircomEddsa | undefined;
let pending: Promise<void> | undefined;

/**
 * Builds the circomlibjs Poseidon and EdDSA instances; idempotent and safe to call
 * concurrently.
 */
export function initCrypto(): Promise<void> {
  if (pending === undefined) {
    pending = (async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const lib = require("circomlibjs") as CircomlibModule;
      hasher = await lib.buildPoseidon();
      eddsa = await lib.buildEddsa();
    })();
  }
  return pending;
}

/** True once `initCrypto()` has finished. */
export function cryptoReady(): boolean {
  return hasher !== undefined && eddsa !== undefined;
}

function needPoseidon(): CircomPoseidon {
  if (hasher === undefined) throw new Error("crypto not initialised: await initCrypto() first");
  return hasher;
}

function needEddsa(): CircomEddsa {
  if (eddsa === undefined) throw new Error("crypto not initialised: await initCrypto() first");
  return eddsa;
}

/**
 * circomlib Poseidon of 1..16 field elements.
 * @param inputs - integers, reduced mod r (negative values encode as r + x)
 * @returns the hash as a bigint in [0, r)
 */
export function poseidon(inputs: readonly bigint[]): bigint {
  if (inputs.length < 1 || inputs.length > POSEIDON_MAX_INPUTS) {
    throw new RangeError(`poseidon takes 1..${POSEIDON_MAX_INPUTS} inputs, got ${inputs.length}`);
  }
  const reduced = inputs.map(mod);
  if (fastHasher !== undefined && reduced.length <= fastHasher.maxInputs) return fastHasher.hash(reduced);
  const h = needPoseidon();
  return h.F.toObject(h(reduced));
}

/** A Poseidon that gives circomlib's hash of 1..`maxInputs` reduced inputs. */
export interface PoseidonHasher {
  readonly maxInputs: number;
  hash(reduced: readonly bigint[]): bigint;
}

let fastHasher: PoseidonHasher | undefined;

/**
 * Hashes with `hasher` from now on where it takes that many inputs, circomlibjs beyond
 * (undefined: circomlibjs again). Only a hasher shown to agree with circomlibjs may be
 * installed (test/prover/signatures/native.test.ts).
 */
export function usePoseidonHasher(hasher: PoseidonHasher | undefined): void {
  fastHasher = hasher;
}

/**
 * The Baby Jubjub public key of a private key (circomlibjs `eddsa.prv2pub`).
 * @param privKey - 32 bytes
 */
export function publicKey(privKey: Buffer): PublicKey {
  if (fastSigner !== undefined) return fastSigner.publicKey(privKey);
  const e = needEddsa();
  const [ax, ay] = e.prv2pub(privKey);
  return { ax: e.F.toObject(ax), ay: e.F.toObject(ay) };
}

/**
 * EdDSA-Poseidon signature of one field element (circomlibjs `eddsa.signPoseidon`).
 * @param privKey - 32 bytes
 * @param msg - the message, reduced mod r
 */
export function signPoseidon(privKey: Buffer, msg: bigint): Signature {
  if (fastSigner !== undefined) return fastSigner.sign(privKey, mod(msg));
  const e = needEddsa();
  const sig = e.signPoseidon(privKey, e.F.e(mod(msg)));
  return { R8x: e.F.toObject(sig.R8[0]), R8y: e.F.toObject(sig.R8[1]), S: BigInt(sig.S) };
}

/**
 * Verifies an EdDSA-Poseidon signature (circomlibjs `eddsa.verifyPoseidon`): false
 * for an off-curve key or R8, S ≥ the subgroup order, or a wrong signature. A verdict
 * made before (verdicts.ts) is not made again.
 */
export function verifyPoseidon(msg: bigint, sig: Signature, key: PublicKey): boolean {
  const known = knownVerdict(msg, sig, key);
  if (known !== undefined) return known;
  const ok = verifyNow(msg, sig, key);
  recordVerdict(msg, sig, key, ok);
  return ok;
}

/** A signer that gives circomlibjs `prv2pub` and `signPoseidon`'s answers (the native addon's). */
export interface EddsaPoseidonSigner {
  publicKey(privKey: Buffer): PublicKey;
  /** @param msg - reduced mod r */
  sign(privKey: Buffer, msg: bigint): Signature;
}

let fastSigner: EddsaPoseidonSigner | undefined;

/**
 * Signs and derives keys with `signer` from now on instead of circomlibjs (undefined:
 * circomlibjs again); only a signer shown to give circomlibjs's signatures
 * (test/prover/signatures/native.test.ts).
 */
export function useEddsaPoseidonSigner(signer: EddsaPoseidonSigner | undefined): void {
  fastSigner = signer;
}

/**
 * A verifier that gives circomlibjs `eddsa.verifyPoseidon`'s verdict on values that
 * pass `inSignatureDomain` (the native addon's, prover/signatures/native.ts).
 */
export type EddsaPoseidonVerifier = (msg: bigint, sig: Signature, key: PublicKey) => boolean;

let fastVerifier: EddsaPoseidonVerifier | undefined;

/**
 * Verifies with `verifier` from now on instead of circomlibjs (undefined: circomlibjs
 * again). Only a verifier shown to agree with circomlibjs may be installed
 * (test/prover/signatures/native.test.ts); the domain checks stay here.
 */
export function useEddsaPoseidonVerifier(verifier: EddsaPoseidonVerifier | undefined): void {
  fastVerifier = verifier;
}

/**
 * False for what no verifier is asked about: Ax = 0 (the circuit refuses it, and it
 * marks an empty account), a value outside [0, r), a negative S.
 */
export function inSignatureDomain(msg: bigint, sig: Signature, key: PublicKey): boolean {
  if (key.ax === 0n) return false;
  const vals = [msg, sig.R8x, sig.R8y, key.ax, key.ay];
  return !(vals.some((v) => v < 0n || v >= R) || sig.S < 0n);
}

/** `verifyPoseidon` without the recorded verdicts (what a worker thread runs). */
export function verifyNow(msg: bigint, sig: Signature, key: PublicKey): boolean {
  if (!inSignatureDomain(msg, sig, key)) return false;
  if (fastVerifier !== undefined) return fastVerifier(msg, sig, key);
  const e = needEddsa();
  try {
    return e.verifyPoseidon(
      e.F.e(msg),
      { R8: [e.F.e(sig.R8x), e.F.e(sig.R8y)], S: sig.S },
      [e.F.e(key.ax), e.F.e(key.ay)],
    );
  } catch {
    return false;
  }
}
