/**
 * ============================================================================
 *  INSECURE DEV KEYS. Every private key in this file is derived from a public
 *  string. They exist only for tests and the local demo; never use them for
 *  anything of value.
 * ============================================================================
 */
import { publicKey, type PublicKey } from "../state/crypto";

function devKey(tag: number, i: number): Buffer {
  const b = Buffer.alloc(32);
  b.write("zksettle-insecure-dev-key", 0, "ascii");
  b.writeUInt16BE(tag, 28);
  b.writeUInt16BE(i, 30);
  return b;
}

/** INSECURE DEV KEY of account 0, the insurance fund (the operator). */
export const INSECURE_DEV_INSURANCE_KEY: Buffer = devKey(0, 0);
/** INSECURE DEV KEYS of the oracle, 16 of them (the first K are committed at genesis). */
export const INSECURE_DEV_ORACLE_KEYS: readonly Buffer[] = Array.from({ length: 16 }, (_, k) => devKey(1, k));
/** INSECURE DEV KEY of trader account i (i ≥ 1); account 0 uses the insurance key. */
export function insecureDevAccountKey(i: number): Buffer {
  return i === 0 ? INSECURE_DEV_INSURANCE_KEY : devKey(2, i);
}

/** The public key of dev account i (needs `initCrypto`). */
export function devPublicKey(i: number): PublicKey {
  return publicKey(insecureDevAccountKey(i));
}
