/** Big-endian integer fields with range checks that name the field (LayoutError). */
import { FIELD_MODULUS, LayoutError, type Layout } from "./spec";

// ---------------------------------------------------------------------------------------
// Integers
// ---------------------------------------------------------------------------------------

/** Checks that `value` is an integer in [0, limit) and returns it as a bigint. */
export function checkUint(field: string, value: unknown, limit: bigint, bound: string): bigint {
  let v: bigint;
  if (typeof value === "bigint") v = value;
  else if (typeof value === "number" && Number.isSafeInteger(value)) v = BigInt(value);
  else throw new LayoutError("LAYOUT_FIELD_RANGE", field, value, `an integer, ${bound}`);
  if (v < 0n || v >= limit) throw new LayoutError("LAYOUT_FIELD_RANGE", field, value, bound);
  return v;
}
export const uintBytes = (field: string, value: unknown, width: number): bigint =>
  checkUint(field, value, 1n << BigInt(8 * width), `0 <= x < 2^${8 * width}`);
export const fieldElement = (field: string, value: unknown): bigint => checkUint(field, value, FIELD_MODULUS, "0 <= x < r");
export const accountIndex = (field: string, value: unknown, L: Layout): bigint =>
  checkUint(field, value, BigInt(L.MAX_ACCOUNTS), `0 <= x < 4^D = ${L.MAX_ACCOUNTS}`);

export function writeUint(out: Uint8Array, offset: number, width: number, v: bigint): void {
  for (let i = width - 1; i >= 0; i--, v >>= 8n) out[offset + i] = Number(v & 0xffn);
}
export function readUint(bytes: Uint8Array, offset: number, width: number): bigint {
  let v = 0n;
  for (let i = 0; i < width; i++) v = (v << 8n) | BigInt(bytes[offset + i]);
  return v;
}
export function checkLength(field: string, bytes: Uint8Array, expected: number): void {
  if (!(bytes instanceof Uint8Array)) throw new LayoutError("LAYOUT_LENGTH", field, typeof bytes, "a Uint8Array");
  if (bytes.length !== expected) throw new LayoutError("LAYOUT_LENGTH", field, bytes.length, `${expected} bytes`);
}
export const concat = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** A field element as 32 big-endian bytes. */
export function encodeField(field: string, value: unknown): Uint8Array {
  const out = new Uint8Array(32);
  writeUint(out, 0, 32, fieldElement(field, value));
  return out;
}

