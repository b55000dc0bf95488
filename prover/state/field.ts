/**
 * BN254 scalar field arithmetic and the signed-integer encoding of protocol.md
 * section 2: a signed integer x is the field element x mod r (x < 0 → r + x).
 */

/** The BN254 scalar field modulus r. */
export const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** Half of r: field elements above it decode to negative integers. */
const HALF_R = R >> 1n;

/**
 * Reduces any integer into [0, r).
 * @param x - an integer, possibly negative or ≥ r
 * @returns x mod r, in [0, r)
 */
export function mod(x: bigint): bigint {
  const m = x % R;
  return m < 0n ? m + R : m;
}

/**
 * Encodes a signed integer as a field element (x < 0 → r + x).
 * @param x - a signed integer with |x| < r/2
 * @returns the field element
 */
export function encodeSigned(x: bigint): bigint {
  if (x >= R || x <= -R) throw new RangeError(`signed value ${x} is not below r in absolute value`);
  return x < 0n ? R + x : x;
}

/**
 * Decodes a field element into the signed integer it encodes (> r/2 → negative).
 * @param f - a field element in [0, r)
 * @returns the signed integer
 */
export function decodeSigned(f: bigint): bigint {
  if (f < 0n || f >= R) throw new RangeError(`${f} is not a field element`);
  return f > HALF_R ? f - R : f;
}

/**
 * True when lo < x < hi (the open ranges of protocol.md section 2).
 */
export function inOpenRange(x: bigint, lo: bigint, hi: bigint): boolean {
  return x > lo && x < hi;
}

/** 2^n as a bigint. */
export function pow2(n: number): bigint {
  return 1n << BigInt(n);
}
