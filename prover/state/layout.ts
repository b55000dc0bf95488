/**
 * The byte layout of protocol.md section 7: header, op data, batch calldata and the
 * hashed bytes whose sha256 (mod r) is the batch circuit's one public input.
 *
 * This is the TypeScript side of the one written layout; `contracts/Settlement.sol`
 * decodes the same bytes and `test/contracts/settlement.test.ts` checks that both sides
 * compute the same `inputHash`. All integers are big-endian, field elements 32 bytes.
 *
 * ```
 * header (4 + 6M)        timestamp        --> 4 bytes  (uint32)
 *                        markPrice_m      --> 6 bytes  (uint48), m = 0..M-1
 * op (OP_BYTES = 14 + 2·IDX, IDX = ceil(2D / 8))
 *                        type             --> 1 byte   (0 NOOP, 1 DEPOSIT, 2 TRADE)
 *   TRADE only:          makerIndex       --> IDX bytes (< 4^D)
 *                        takerIndex       --> IDX bytes (< 4^D)
 *                        marketSide       --> 1 byte   (marketId bits 0-6 | makerIsBuy << 7)
 *                        q                --> 4 bytes  (uint32)
 *                        price            --> 6 bytes  (uint48)
 *                        makerFeeBps      --> 1 byte   (uint8)
 *                        takerFeeBps      --> 1 byte   (uint8)
 *   NOOP, DEPOSIT:       the rest of the slot is zero
 * calldata `data`        oldStateRoot     --> 32 bytes (< r; the contract requires its stored root)
 *                        newStateRoot     --> 32 bytes (< r)
 *                        depositsEnd      --> 4 bytes  (uint32)
 *                        header           --> 4 + 6M bytes, at offset 68
 *                        op data          --> N · OP_BYTES bytes
 * hashed bytes           oldStateRoot (32) ‖ newStateRoot (32) ‖ header (4 + 6M)
 *                        ‖ depositHead after the batch (32) ‖ op data (N · OP_BYTES)
 * ```
 *
 * The first 64 bytes of `data` are the first 64 hashed bytes: the old root travels in
 * the calldata so that a stale or replayed batch is refused (`StateRootMismatch`) before
 * the proof is checked.
 */
import { createHash } from "node:crypto";
import type { Params } from "./params";

/** The BN254 scalar field modulus r (protocol.md section 2). */
export const FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** Op type codes (protocol.md section 5). */
export const OP_CODE = { NOOP: 0, DEPOSIT: 1, TRADE: 2 } as const;
export type OpType = keyof typeof OP_CODE;

/** Field widths in bytes that do not depend on the parameters. */
export const WIDTH = {
  field: 32,
  depositsEnd: 4,
  timestamp: 4,
  markPrice: 6,
  opType: 1,
  marketSide: 1,
  q: 4,
  price: 6,
  feeBps: 1,
} as const;

/** marketId occupies bits 0-6 of `marketSide`, makerIsBuy bit 7. */
export const MARKET_ID_BITS = 7;

/** The parameters the layout depends on. */
export type LayoutParams = Pick<Params, "accountDepth" | "markets" | "batchSize">;

/** A field's position inside an enclosing byte string. */
export interface Slice {
  offset: number;
  width: number;
}

/** Every width and offset of the layout for one parameter set. */
export interface Layout {
  /** Bytes of an account index: ceil(2D / 8). */
  IDX: number;
  /** Bytes of one op slot: 14 + 2·IDX. */
  OP_BYTES: number;
  /** Bytes of the header: 4 + 6M. */
  HEADER_BYTES: number;
  /** Bytes of the op data: N · OP_BYTES. */
  OP_DATA_BYTES: number;
  /** Bytes of the calldata `data`: 64 + 4 + HEADER_BYTES + OP_DATA_BYTES. */
  DATA_BYTES: number;
  /** Bytes hashed into the public input: 32 + 32 + HEADER_BYTES + 32 + OP_DATA_BYTES. */
  HASHED_BYTES: number;
  /** Number of account indices, 4^D; an index is valid iff it is below this. */
  MAX_ACCOUNTS: number;
  markets: number;
  batchSize: number;
  /** Offsets inside the header; markPrice m is at `markPrice.offset + m · markPrice.width`. */
  header: { timestamp: Slice; markPrice: Slice };
  /** Offsets inside one TRADE op slot. */
  trade: {
    type: Slice;
    makerIndex: Slice;
    takerIndex: Slice;
    marketSide: Slice;
    q: Slice;
    price: Slice;
    makerFeeBps: Slice;
    takerFeeBps: Slice;
  };
  /** Offsets inside the calldata `data`. */
  data: { oldStateRoot: Slice; newStateRoot: Slice; depositsEnd: Slice; header: Slice; ops: Slice };
  /** Offsets inside the hashed bytes. */
  hashed: { oldStateRoot: Slice; newStateRoot: Slice; header: Slice; depositHead: Slice; ops: Slice };
}

/** Why a layout operation failed. */
export type LayoutErrorCode =
  | "LAYOUT_FIELD_RANGE" // a value does not fit its field
  | "LAYOUT_LENGTH" // a byte string or list has the wrong length
  | "LAYOUT_OP_TYPE" // an unknown op type
  | "LAYOUT_PADDING"; // non-zero bytes where the layout has zeros

/** Thrown when a value does not fit the layout, or bytes are not a canonical encoding. */
export class LayoutError extends Error {
  constructor(
    readonly code: LayoutErrorCode,
    /** The field, e.g. `op[3].price` or `header.timestamp`. */
    readonly field: string,
    /** The offending value (or length). */
    readonly value: unknown,
    /** What the field admits, e.g. `0 <= x < 2^48`. */
    readonly bound: string,
  ) {
    super(`${code}: ${field} = ${String(value)} (must be ${bound})`);
    this.name = "LayoutError";
  }
}

/** A header as signed by the oracle: the batch timestamp and one mark price per market. */
export interface Header {
  timestamp: number;
  markPrices: bigint[];
}

/** The wire form of an op slot (what op data carries), distinct from the reference rules' ops. */
export interface WireNoop {
  type: "NOOP";
}
export interface WireDeposit {
  type: "DEPOSIT";
}
/** The data of a TRADE op. Identifiers are numbers, quantities bigints. */
export interface WireTrade {
  type: "TRADE";
  makerIndex: number;
  takerIndex: number;
  marketId: number;
  makerIsBuy: boolean;
  q: bigint;
  price: bigint;
  makerFeeBps: number;
  takerFeeBps: number;
}
/** An op as decoded from its slot. */
export type WireOp = WireNoop | WireDeposit | WireTrade;

type Int = number | bigint;
/** What the encoders accept: any numeric field may be a number or a bigint. */
export type HeaderInput = { timestamp: Int; markPrices: readonly Int[] };
export type WireTradeInput = {
  type: "TRADE";
  makerIndex: Int;
  takerIndex: Int;
  marketId: Int;
  makerIsBuy: boolean;
  q: Int;
  price: Int;
  makerFeeBps: Int;
  takerFeeBps: Int;
};
export type WireOpInput = WireNoop | WireDeposit | WireTradeInput;

/** Calldata of `submitBatch`, decoded. */
export interface BatchData {
  oldStateRoot: bigint;
  newStateRoot: bigint;
  depositsEnd: number;
  header: Header;
  ops: WireOp[];
}

/** Inputs of the hashed bytes. `ops` shorter than N is padded with NOOPs. */
export interface HashedBytesInput {
  oldStateRoot: Int;
  newStateRoot: Int;
  header: HeaderInput;
  /** The deposit chain head after the batch (`queueHeads[depositsEnd]` on L1). */
  depositHead: Int;
  ops: readonly WireOpInput[];
}

// ---------------------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------------------

const slice = (offset: number, width: number): Slice => ({ offset, width });

/**
 * Widths and offsets of every field for one parameter set.
 * @param params - accountDepth, markets and batchSize (a full `Params` will do)
 * @returns the layout
 * @throws LayoutError if a parameter is outside protocol.md section 1
 */
export function layoutFor(params: LayoutParams): Layout {
  const { accountDepth: D, markets: M, batchSize: N } = params;
  checkParam("accountDepth", D, 1, 15);
  checkParam("markets", M, 1, 15);
  checkParam("batchSize", N, 1, Number.MAX_SAFE_INTEGER);

  const IDX = Math.ceil((2 * D) / 8);
  const OP_BYTES = 14 + 2 * IDX;
  const HEADER_BYTES = WIDTH.timestamp + WIDTH.markPrice * M;
  const OP_DATA_BYTES = N * OP_BYTES;
  const DATA_BYTES = 2 * WIDTH.field + WIDTH.depositsEnd + HEADER_BYTES + OP_DATA_BYTES;
  const HASHED_BYTES = 3 * WIDTH.field + HEADER_BYTES + OP_DATA_BYTES;

  // TRADE: type ‖ makerIndex ‖ takerIndex ‖ marketSide ‖ q ‖ price ‖ makerFeeBps ‖ takerFeeBps
  let o = 0;
  const next = (w: number): Slice => slice((o += w) - w, w);
  const trade = {
    type: next(WIDTH.opType),
    makerIndex: next(IDX),
    takerIndex: next(IDX),
    marketSide: next(WIDTH.marketSide),
    q: next(WIDTH.q),
    price: next(WIDTH.price),
    makerFeeBps: next(WIDTH.feeBps),
    takerFeeBps: next(WIDTH.feeBps),
  };
  if (o !== OP_BYTES) throw new Error(`internal: TRADE occupies ${o} bytes, OP_BYTES = ${OP_BYTES}`);

  return {
    IDX,
    OP_BYTES,
    HEADER_BYTES,
    OP_DATA_BYTES,
    DATA_BYTES,
    HASHED_BYTES,
    MAX_ACCOUNTS: 4 ** D,
    markets: M,
    batchSize: N,
    header: { timestamp: slice(0, WIDTH.timestamp), markPrice: slice(WIDTH.timestamp, WIDTH.markPrice) },
    trade,
    data: {
      oldStateRoot: slice(0, 32),
      newStateRoot: slice(32, 32),
      depositsEnd: slice(64, 4),
      header: slice(68, HEADER_BYTES),
      ops: slice(68 + HEADER_BYTES, OP_DATA_BYTES),
    },
    hashed: {
      oldStateRoot: slice(0, 32),
      newStateRoot: slice(32, 32),
      header: slice(64, HEADER_BYTES),
      depositHead: slice(64 + HEADER_BYTES, 32),
      ops: slice(96 + HEADER_BYTES, OP_DATA_BYTES),
    },
  };
}

function checkParam(name: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new LayoutError("LAYOUT_FIELD_RANGE", name, v, `an integer in ${lo}..${hi}`);
}

// ---------------------------------------------------------------------------------------
// Integers
// ---------------------------------------------------------------------------------------

/** Checks that `value` is an integer in [0, limit) and returns it as a bigint. */
function checkUint(field: string, value: unknown, limit: bigint, bound: string): bigint {
  let v: bigint;
  if (typeof value === "bigint") v = value;
  else if (typeof value === "number" && Number.isSafeInteger(value)) v = BigInt(value);
  else throw new LayoutError("LAYOUT_FIELD_RANGE", field, value, `an integer, ${bound}`);
  if (v < 0n || v >= limit) throw new LayoutError("LAYOUT_FIELD_RANGE", field, value, bound);
  return v;
}
const uintBytes = (field: string, value: unknown, width: number): bigint =>
  checkUint(field, value, 1n << BigInt(8 * width), `0 <= x < 2^${8 * width}`);
const fieldElement = (field: string, value: unknown): bigint => checkUint(field, value, FIELD_MODULUS, "0 <= x < r");
const accountIndex = (field: string, value: unknown, L: Layout): bigint =>
  checkUint(field, value, BigInt(L.MAX_ACCOUNTS), `0 <= x < 4^D = ${L.MAX_ACCOUNTS}`);

function writeUint(out: Uint8Array, offset: number, width: number, v: bigint): void {
  for (let i = width - 1; i >= 0; i--, v >>= 8n) out[offset + i] = Number(v & 0xffn);
}
function readUint(bytes: Uint8Array, offset: number, width: number): bigint {
  let v = 0n;
  for (let i = 0; i < width; i++) v = (v << 8n) | BigInt(bytes[offset + i]);
  return v;
}
function checkLength(field: string, bytes: Uint8Array, expected: number): void {
  if (!(bytes instanceof Uint8Array)) throw new LayoutError("LAYOUT_LENGTH", field, typeof bytes, "a Uint8Array");
  if (bytes.length !== expected) throw new LayoutError("LAYOUT_LENGTH", field, bytes.length, `${expected} bytes`);
}
const concat = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** A field element as 32 big-endian bytes. */
function encodeField(field: string, value: unknown): Uint8Array {
  const out = new Uint8Array(32);
  writeUint(out, 0, 32, fieldElement(field, value));
  return out;
}

// ---------------------------------------------------------------------------------------
// Header
// ---------------------------------------------------------------------------------------

/**
 * Encodes a header: timestamp uint32 ‖ markPrice_m uint48 for m = 0..M-1.
 * @param params - the layout parameters
 * @param header - timestamp (unix seconds) and exactly M mark prices
 * @returns HEADER_BYTES bytes
 * @throws LayoutError if a value does not fit or the price count is not M
 */
export function encodeHeader(params: LayoutParams, header: HeaderInput): Uint8Array {
  const L = layoutFor(params);
  const out = new Uint8Array(L.HEADER_BYTES);
  const { timestamp, markPrice } = L.header;
  writeUint(out, timestamp.offset, timestamp.width, uintBytes("header.timestamp", header.timestamp, timestamp.width));
  if (!Array.isArray(header.markPrices) || header.markPrices.length !== L.markets) {
    throw new LayoutError("LAYOUT_LENGTH", "header.markPrices", header.markPrices?.length, `${L.markets} prices (M)`);
  }
  header.markPrices.forEach((p, m) => {
    const v = uintBytes(`header.markPrices[${m}]`, p, markPrice.width);
    writeUint(out, markPrice.offset + m * markPrice.width, markPrice.width, v);
  });
  return out;
}

/**
 * Decodes a header (inverse of {@link encodeHeader}).
 * @throws LayoutError if the length is not HEADER_BYTES
 */
export function decodeHeader(params: LayoutParams, bytes: Uint8Array): Header {
  const L = layoutFor(params);
  checkLength("header", bytes, L.HEADER_BYTES);
  const { timestamp, markPrice } = L.header;
  const markPrices: bigint[] = [];
  for (let m = 0; m < L.markets; m++) markPrices.push(readUint(bytes, markPrice.offset + m * markPrice.width, markPrice.width));
  return { timestamp: Number(readUint(bytes, timestamp.offset, timestamp.width)), markPrices };
}

// ---------------------------------------------------------------------------------------
// Ops
// ---------------------------------------------------------------------------------------

/**
 * Encodes one op slot. NOOP and DEPOSIT are their type byte followed by zeros (a
 * deposit's entry is on L1, in queue order).
 * @param params - the layout parameters
 * @param op - the op
 * @param name - the field prefix used in errors (e.g. `op[3]`)
 * @returns OP_BYTES bytes
 * @throws LayoutError naming the field and value that does not fit
 */
export function encodeOp(params: LayoutParams, op: WireOpInput, name = "op"): Uint8Array {
  const L = layoutFor(params);
  const out = new Uint8Array(L.OP_BYTES);
  switch (op?.type) {
    case "NOOP":
    case "DEPOSIT":
      out[0] = OP_CODE[op.type];
      return out;
    case "TRADE": {
      const t = L.trade;
      out[t.type.offset] = OP_CODE.TRADE;
      writeUint(out, t.makerIndex.offset, t.makerIndex.width, accountIndex(`${name}.makerIndex`, op.makerIndex, L));
      writeUint(out, t.takerIndex.offset, t.takerIndex.width, accountIndex(`${name}.takerIndex`, op.takerIndex, L));
      const marketId = checkUint(`${name}.marketId`, op.marketId, 1n << BigInt(MARKET_ID_BITS), `0 <= x < 2^${MARKET_ID_BITS}`);
      if (typeof op.makerIsBuy !== "boolean") throw new LayoutError("LAYOUT_FIELD_RANGE", `${name}.makerIsBuy`, op.makerIsBuy, "a boolean");
      out[t.marketSide.offset] = Number(marketId) | (op.makerIsBuy ? 0x80 : 0);
      writeUint(out, t.q.offset, t.q.width, uintBytes(`${name}.q`, op.q, t.q.width));
      writeUint(out, t.price.offset, t.price.width, uintBytes(`${name}.price`, op.price, t.price.width));
      writeUint(out, t.makerFeeBps.offset, 1, uintBytes(`${name}.makerFeeBps`, op.makerFeeBps, t.makerFeeBps.width));
      writeUint(out, t.takerFeeBps.offset, 1, uintBytes(`${name}.takerFeeBps`, op.takerFeeBps, t.takerFeeBps.width));
      return out;
    }
    default:
      throw new LayoutError("LAYOUT_OP_TYPE", `${name}.type`, (op as { type?: unknown })?.type, "NOOP, DEPOSIT or TRADE");
  }
}

/**
 * Decodes one op slot (inverse of {@link encodeOp}). Only canonical encodings are
 * accepted: zero padding after NOOP/DEPOSIT, account indices below 4^D.
 * @param params - the layout parameters
 * @param bytes - exactly OP_BYTES bytes
 * @param name - the field prefix used in errors
 * @throws LayoutError on a wrong length, an unknown type, non-zero padding or an index out of range
 */
export function decodeOp(params: LayoutParams, bytes: Uint8Array, name = "op"): WireOp {
  const L = layoutFor(params);
  checkLength(name, bytes, L.OP_BYTES);
  const code = bytes[0];
  if (code === OP_CODE.NOOP || code === OP_CODE.DEPOSIT) {
    const at = bytes.findIndex((b, i) => i > 0 && b !== 0);
    if (at !== -1) throw new LayoutError("LAYOUT_PADDING", `${name}[${at}]`, bytes[at], "0 after a NOOP or DEPOSIT type byte");
    return { type: code === OP_CODE.NOOP ? "NOOP" : "DEPOSIT" };
  }
  if (code !== OP_CODE.TRADE) throw new LayoutError("LAYOUT_OP_TYPE", `${name}.type`, code, "0 (NOOP), 1 (DEPOSIT) or 2 (TRADE)");
  const t = L.trade;
  const read = (s: Slice): bigint => readUint(bytes, s.offset, s.width);
  const index = (field: "makerIndex" | "takerIndex"): number => Number(accountIndex(`${name}.${field}`, read(t[field]), L));
  const side = bytes[t.marketSide.offset];
  return {
    type: "TRADE",
    makerIndex: index("makerIndex"),
    takerIndex: index("takerIndex"),
    marketId: side & 0x7f,
    makerIsBuy: (side & 0x80) !== 0,
    q: read(t.q),
    price: read(t.price),
    makerFeeBps: Number(read(t.makerFeeBps)),
    takerFeeBps: Number(read(t.takerFeeBps)),
  };
}

/**
 * Encodes the op data: N slots, `ops` padded with NOOPs.
 * @throws LayoutError if there are more than N ops or an op does not fit
 */
export function encodeOps(params: LayoutParams, ops: readonly WireOpInput[]): Uint8Array {
  const L = layoutFor(params);
  if (!Array.isArray(ops) || ops.length > L.batchSize) {
    throw new LayoutError("LAYOUT_LENGTH", "ops", ops?.length, `at most ${L.batchSize} ops (N)`);
  }
  const slots = ops.map((op, i) => encodeOp(params, op, `op[${i}]`));
  while (slots.length < L.batchSize) slots.push(encodeOp(params, { type: "NOOP" }));
  return concat(slots);
}

/** Decodes N op slots (inverse of {@link encodeOps}; padding NOOPs are kept). */
export function decodeOps(params: LayoutParams, bytes: Uint8Array): WireOp[] {
  const L = layoutFor(params);
  checkLength("ops", bytes, L.OP_DATA_BYTES);
  const ops: WireOp[] = [];
  for (let i = 0; i < L.batchSize; i++) ops.push(decodeOp(params, bytes.subarray(i * L.OP_BYTES, (i + 1) * L.OP_BYTES), `op[${i}]`));
  return ops;
}

// ---------------------------------------------------------------------------------------
// Calldata and public input
// ---------------------------------------------------------------------------------------

/**
 * Encodes the `data` argument of `submitBatch`:
 * oldStateRoot (32) ‖ newStateRoot (32) ‖ depositsEnd uint32 (4) ‖ header (4 + 6M) ‖ op data (N · OP_BYTES).
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
 * oldStateRoot (32) ‖ newStateRoot (32) ‖ header (4 + 6M) ‖ depositHead (32) ‖ op data (N · OP_BYTES).
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
