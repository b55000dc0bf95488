/**
 * circomlibjs itself, not through prover/state/crypto.ts: the reference the signature
 * checkers must match, and signed messages tampered in each way a verifier must notice.
 */
import { R } from "../../../prover/state/field";
import type { PublicKey, Signature } from "../../../prover/state/crypto";

export interface Eddsa {
  F: { e(x: bigint): Uint8Array; toObject(x: Uint8Array): bigint };
  babyJub: { subOrder: bigint };
  prv2pub(prv: Buffer): [Uint8Array, Uint8Array];
  signPoseidon(prv: Buffer, msg: Uint8Array): { R8: [Uint8Array, Uint8Array]; S: bigint };
  verifyPoseidon(msg: Uint8Array, sig: { R8: [Uint8Array, Uint8Array]; S: bigint }, A: [Uint8Array, Uint8Array]): boolean;
}

export const TAMPER = ["none", "message", "key", "S", "R8", "S beyond the subgroup", "R8 off the curve"] as const;
export type Tamper = (typeof TAMPER)[number];

export interface SignedCase {
  readonly msg: bigint;
  readonly sig: Signature;
  readonly key: PublicKey;
  /** circomlibjs's verdict. */
  readonly expected: boolean;
}

/** `msg` signed with `prv` by circomlibjs, then tampered as named (`other`: another private key). */
export function signedCase(eddsa: Eddsa, prv: Uint8Array, other: Uint8Array, msg: bigint, tamper: Tamper): SignedCase {
  const F = eddsa.F;
  const sig = eddsa.signPoseidon(Buffer.from(prv), F.e(msg));
  let A = eddsa.prv2pub(Buffer.from(prv));
  let m = msg;
  let R8 = sig.R8;
  let S = sig.S;
  if (tamper === "message") m = (msg + 1n) % R;
  if (tamper === "key") A = eddsa.prv2pub(Buffer.from(other));
  if (tamper === "S") S = (S + 1n) % eddsa.babyJub.subOrder;
  if (tamper === "R8") R8 = eddsa.signPoseidon(Buffer.from(other), F.e(msg)).R8;
  if (tamper === "S beyond the subgroup") S += eddsa.babyJub.subOrder;
  if (tamper === "R8 off the curve") R8 = [R8[0], F.e((F.toObject(R8[1]) + 1n) % R)];
  const expected = eddsa.verifyPoseidon(F.e(m), { R8, S }, A);
  return { msg: m, sig: { R8x: F.toObject(R8[0]), R8y: F.toObject(R8[1]), S }, key: { ax: F.toObject(A[0]), ay: F.toObject(A[1]) }, expected };
}
