/**
 * The risk tail of `submitBatch` calldata (protocol.md section 7): the risk arrays a batch
 * puts in force, published after the fixed part so that anyone can rebuild the state from
 * the chain. Not hashed into the public input: the header's riskHash commits to them, and
 * whoever reads the tail checks it against that hash (prover/state/replay.ts).
 *
 * ```
 * for m = 0..M-1, s = 0..S-1:  pnl[m][s]  --> 8 bytes (int64, two's complement, big-endian)
 * ```
 */
import { LayoutError, WIDTH, layoutFor, type LayoutParams } from "./spec";
import type { RiskArraysInput } from "./wire";
import { checkLength, readUint, writeUint } from "./bytes";

const INT64_BOUND = 1n << 63n;
const INT64_MODULUS = 1n << 64n;

/**
 * Encodes M × S risk arrays as the tail: int64 big-endian two's complement, row by row.
 * @throws LayoutError LAYOUT_LENGTH if the arrays are not M × S, LAYOUT_FIELD_RANGE if a value is not an int64
 */
export function encodeRiskTail(params: LayoutParams, pnl: RiskArraysInput): Uint8Array {
  const L = layoutFor(params);
  const S = params.scenarios;
  if (!Array.isArray(pnl) || pnl.length !== L.markets) {
    throw new LayoutError("LAYOUT_LENGTH", "pnl", (pnl as unknown[] | undefined)?.length, `${L.markets} rows (M)`);
  }
  const out = new Uint8Array(L.RISK_TAIL_BYTES);
  pnl.forEach((row, m) => {
    if (!Array.isArray(row) || row.length !== S) {
      throw new LayoutError("LAYOUT_LENGTH", `pnl[${m}]`, (row as unknown[] | undefined)?.length, `${S} scenarios (S)`);
    }
    row.forEach((x, s) => {
      const field = `pnl[${m}][${s}]`;
      const bound = "-2^63 <= x < 2^63";
      let v: bigint;
      if (typeof x === "bigint") v = x;
      else if (typeof x === "number" && Number.isSafeInteger(x)) v = BigInt(x);
      else throw new LayoutError("LAYOUT_FIELD_RANGE", field, x, `an integer, ${bound}`);
      if (v < -INT64_BOUND || v >= INT64_BOUND) throw new LayoutError("LAYOUT_FIELD_RANGE", field, x, bound);
      writeUint(out, (m * S + s) * WIDTH.pnl, WIDTH.pnl, v < 0n ? v + INT64_MODULUS : v);
    });
  });
  return out;
}

/**
 * Decodes a risk tail (inverse of {@link encodeRiskTail}).
 * @throws LayoutError LAYOUT_LENGTH unless the tail is exactly M · S · 8 bytes
 */
export function decodeRiskTail(params: LayoutParams, bytes: Uint8Array): bigint[][] {
  const L = layoutFor(params);
  const S = params.scenarios;
  checkLength("riskTail", bytes, L.RISK_TAIL_BYTES);
  return Array.from({ length: L.markets }, (_, m) =>
    Array.from({ length: S }, (_, s) => {
      const raw = readUint(bytes, (m * S + s) * WIDTH.pnl, WIDTH.pnl);
      return raw >= INT64_BOUND ? raw - INT64_MODULUS : raw;
    }),
  );
}
