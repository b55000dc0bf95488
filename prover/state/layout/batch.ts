/** Calldata of submitBatch and the hashed bytes of the public input (protocol.md section 7). */
import { createHash } from "node:crypto";
import { FIELD_MODULUS, WIDTH, layoutFor, type LayoutParams, type Slice } from "./spec";
import { LayoutError } from "./spec";
import type { BatchData, HashedBytesInput, HeaderInput, Int, RiskArraysInput, WireOpInput } from "./wire";
import { concat, encodeField, fieldElement, readUint, uintBytes, writeUint } from "./bytes";
import { decodeHeader, encodeHeader } from "./header";
import { decodeOps, encodeOps } from "./ops";
import { decodeRiskTail, encodeRiskTail } from "./risk-tail";

// ---------------------------------------------------------------------------------------
// Calldata and public input
// ---------------------------------------------------------------------------------------

/**
 * Encodes the `data` argument of `submitBatch`:
 * oldStateRoot (32) ‖ newStateRoot (32) ‖ depositsEnd uint32 (4) ‖ header (4 + 9M + 32) ‖ op data (N · OP_BYTES)
 * [‖ risk tail (M · S · 8) when `pnl` is given].
 * `oldStateRoot` is the root the batch was built on; the contract refuses the data unless
 * it is the stored root. `pnl` are the arrays a batch that changes riskHash puts in force
 * (the tail is data availability only: not hashed, not checked by the contract).
 * @throws LayoutError naming the field that does not fit
 */
export function encodeBatchData(
  params: LayoutParams,
  batch: {
    oldStateRoot: Int;
    newStateRoot: Int;
    depositsEnd: Int;
    header: HeaderInput;
    ops: readonly WireOpInput[];
    pnl?: RiskArraysInput;
  },
): Uint8Array {
  const depositsEnd = new Uint8Array(WIDTH.depositsEnd);
  writeUint(depositsEnd, 0, WIDTH.depositsEnd, uintBytes("depositsEnd", batch.depositsEnd, WIDTH.depositsEnd));
  return concat([
    encodeField("oldStateRoot", batch.oldStateRoot),
    encodeField("newStateRoot", batch.newStateRoot),
    depositsEnd,
    encodeHeader(params, batch.header),
    encodeOps(params, batch.ops),
    batch.pnl === undefined ? new Uint8Array(0) : encodeRiskTail(params, batch.pnl),
  ]);
}

/**
 * Decodes the `data` argument of `submitBatch` (inverse of {@link encodeBatchData}).
 * @throws LayoutError on a wrong length (neither DATA_BYTES nor DATA_BYTES + RISK_TAIL_BYTES),
 *   a root >= r or a non-canonical op
 */
export function decodeBatchData(params: LayoutParams, data: Uint8Array): BatchData {
  const L = layoutFor(params);
  if (!(data instanceof Uint8Array)) throw new LayoutError("LAYOUT_LENGTH", "data", typeof data, "a Uint8Array");
  if (data.length !== L.DATA_BYTES && data.length !== L.DATA_BYTES + L.RISK_TAIL_BYTES) {
    throw new LayoutError("LAYOUT_LENGTH", "data", data.length, `${L.DATA_BYTES} or ${L.DATA_BYTES + L.RISK_TAIL_BYTES} bytes (with the risk tail)`);
  }
  const at = (s: Slice): Uint8Array => data.subarray(s.offset, s.offset + s.width);
  const d = L.data;
  return {
    oldStateRoot: fieldElement("oldStateRoot", readUint(data, d.oldStateRoot.offset, d.oldStateRoot.width)),
    newStateRoot: fieldElement("newStateRoot", readUint(data, d.newStateRoot.offset, d.newStateRoot.width)),
    depositsEnd: Number(readUint(data, d.depositsEnd.offset, d.depositsEnd.width)),
    header: decodeHeader(params, at(d.header)),
    ops: decodeOps(params, at(d.ops)),
    ...(data.length > L.DATA_BYTES ? { pnl: decodeRiskTail(params, at(d.riskTail)) } : {}),
  };
}

/**
 * The bytes hashed into the public input:
 * oldStateRoot (32) ‖ newStateRoot (32) ‖ header (4 + 9M + 32) ‖ depositHead (32) ‖ op data (N · OP_BYTES).
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

