/** Calldata of submitBatch and the hashed bytes of the public input (protocol.md section 7). */
import { createHash } from "node:crypto";
import { FIELD_MODULUS, WIDTH, layoutFor, type LayoutParams, type Slice } from "./spec";
import type { BatchData, HashedBytesInput, HeaderInput, Int, WireOpInput } from "./wire";
import { checkLength, concat, encodeField, fieldElement, readUint, uintBytes, writeUint } from "./bytes";
import { decodeHeader, encodeHeader } from "./header";
import { decodeOps, encodeOps } from "./ops";

// ---------------------------------------------------------------------------------------
// Calldata and public input
// ---------------------------------------------------------------------------------------

/**
 * Encodes the `data` argument of `submitBatch`:
 * oldStateRoot (32) ‖ newStateRoot (32) ‖ depositsEnd uint32 (4) ‖ header (4 + 9M) ‖ op data (N · OP_BYTES).
 * `oldStateRoot` is the root the batch was built on; the contract refuses the data unless
 * it is the stored root.
 * @throws LayoutError naming the field that does not fit
 */
export function encodeBatchData(
  params: LayoutParams,
  batch: { oldStateRoot: Int; newStateRoot: Int; depositsEnd: Int; header: HeaderInput; ops: readonly WireOpInput[] },
): Uint8Array {
  const depositsEnd = new Uint8Array(WIDTH.depositsEnd);
  writeUint(depositsEnd, 0, WIDTH.depositsEnd, uintBytes("depositsEnd", batch.depositsEnd, WIDTH.depositsEnd));
  return concat([
    encodeField("oldStateRoot", batch.oldStateRoot),
    encodeField("newStateRoot", batch.newStateRoot),
    depositsEnd,
    encodeHeader(params, batch.header),
    encodeOps(params, batch.ops),
  ]);
}

/**
 * Decodes the `data` argument of `submitBatch` (inverse of {@link encodeBatchData}).
 * @throws LayoutError on a wrong length, a root >= r or a non-canonical op
 */
export function decodeBatchData(params: LayoutParams, data: Uint8Array): BatchData {
  const L = layoutFor(params);
  checkLength("data", data, L.DATA_BYTES);
  const at = (s: Slice): Uint8Array => data.subarray(s.offset, s.offset + s.width);
  const d = L.data;
  return {
    oldStateRoot: fieldElement("oldStateRoot", readUint(data, d.oldStateRoot.offset, d.oldStateRoot.width)),
    newStateRoot: fieldElement("newStateRoot", readUint(data, d.newStateRoot.offset, d.newStateRoot.width)),
    depositsEnd: Number(readUint(data, d.depositsEnd.offset, d.depositsEnd.width)),
    header: decodeHeader(params, at(d.header)),
    ops: decodeOps(params, at(d.ops)),
  };
}

/**
 * The bytes hashed into the public input:
 * oldStateRoot (32) ‖ newStateRoot (32) ‖ header (4 + 9M) ‖ depositHead (32) ‖ op data (N · OP_BYTES).
 * @throws LayoutError naming the field that does not fit
 */
export function hashedBytes(params: LayoutParams, input: HashedBytesInput): Uint8Array {
  return concat([
    encodeField("oldStateRoot", input.oldStateRoot),
    encodeField("newStateRoot", input.newStateRoot),
    encodeHeader(params, input.header),
    encodeField("depositHead", input.depositHead),
    encodeOps(params, input.ops),
  ]);
}

/** `uint256(sha256(bytes)) mod r`. */
export function sha256ModR(bytes: Uint8Array): bigint {
  return BigInt("0x" + createHash("sha256").update(bytes).digest("hex")) % FIELD_MODULUS;
}

/**
 * The batch circuit's one public input: `uint256(sha256(hashed bytes)) mod r`, the value
 * `Settlement.computeInputHash` returns for the same batch.
 * @throws LayoutError naming the field that does not fit
 */
export function inputHash(params: LayoutParams, input: HashedBytesInput): bigint {
  return sha256ModR(hashedBytes(params, input));
}

