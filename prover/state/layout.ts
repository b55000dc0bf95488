/**
 * The byte layout of protocol.md section 7: header, op data, batch calldata and the
 * hashed bytes whose sha256 (mod r) is the batch circuit's one public input.
 *
 * This is the TypeScript side of the one written layout; `contracts/Settlement.sol`
 * decodes the same bytes and `test/contracts/settlement.test.ts` checks that both sides
 * compute the same `inputHash`. All integers are big-endian, field elements 32 bytes.
 *
 * ```
 * header (4 + 9M)        timestamp        --> 4 bytes  (uint32)
 *   for m = 0..M-1:      price_m          --> 6 bytes  (uint48)
 *                        fundingRate_m    --> 3 bytes  (uint24, rate + 2^23: offset binary, −2^23 < rate < 2^23)
 * op (OP_BYTES = 14 + 2·IDX, IDX = ceil(2D / 8)), the same fields for every type:
 *                        type             --> 1 byte   (0 NOOP … 6 DEPOSIT, see OP_CODE)
 *                        aIndex           --> IDX bytes (< 4^D)
 *                        bIndex           --> IDX bytes (< 4^D)
 *                        market           --> 1 byte   (marketId bits 0-6; TRADE: | makerIsBuy << 7)
 *                        q                --> 4 bytes  (uint32)
 *                        value            --> 6 bytes  (uint48)
 *                        feeA             --> 1 byte   (uint8)
 *                        feeB             --> 1 byte   (uint8)
 *   type       aIndex      bIndex        market              q     value   feeA, feeB
 *   NOOP       –           –             –                   –     –       –
 *   DEPOSIT    –           –             –                   –     –       –
 *   TRADE      maker       taker         marketId|isBuy<<7   fill  price   maker, taker fee bps
 *   WITHDRAW   account     –             –                   –     amount  –
 *   LIQUIDATE  liquidatee  liquidator    marketId            lots  –       –
 *   SETTLE     account     –             marketId            –     –       –
 *   DELEVERAGE bankrupt    counterparty  marketId            lots  price   –
 *   a field an op does not use is zero (decoding refuses anything else)
 * calldata `data`        oldStateRoot     --> 32 bytes (< r; the contract requires its stored root)
 *                        newStateRoot     --> 32 bytes (< r)
 *                        depositsEnd      --> 4 bytes  (uint32)
 *                        header           --> 4 + 9M bytes, at offset 68
 *                        op data          --> N · OP_BYTES bytes
 * hashed bytes           oldStateRoot (32) ‖ newStateRoot (32) ‖ header (4 + 9M)
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
export const OP_CODE = { NOOP: 0, DEPOSIT: 1, TRADE: 2, WITHDRAW: 3, LIQUIDATE: 4, SETTLE: 5, DELEVERAGE: 6, FORCED_WITHDRAW: 7 } as const;
export type OpType = keyof typeof OP_CODE;
const OP_TYPES = Object.keys(OP_CODE) as OpType[];

/** Field widths in bytes that do not depend on the parameters. */
export const WIDTH = {
  field: 32,
  depositsEnd: 4,
  timestamp: 4,
  markPrice: 6,
  fundingRate: 3,
  opType: 1,
  marketSide: 1,
  q: 4,
  price: 6,
  feeBps: 1,
} as const;

/** marketId occupies bits 0-6 of `marketSide`, makerIsBuy bit 7. */
export const MARKET_ID_BITS = 7;

/** A header funding rate is written as rate + 2^23 in a uint24. */
export const FUNDING_RATE_OFFSET = 1n << 23n;

/** The bytes one market takes in the header: price uint48 ‖ rate uint24. */
export const HEADER_MARKET_BYTES = 9;

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
  /** Bytes of the header: 4 + 9M. */
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
  /**
   * Offsets inside the header; market m's price is at `markPrice.offset + m · stride`,
   * its funding rate at `fundingRate.offset + m · stride` (stride = 9).
   */
  header: { timestamp: Slice; markPrice: Slice; fundingRate: Slice; stride: number };
  /** The uniform fields of every op slot (protocol.md section 7). */
  slot: { type: Slice; aIndex: Slice; bIndex: Slice; market: Slice; q: Slice; value: Slice; feeA: Slice; feeB: Slice };
  /** The same offsets under the names a TRADE gives them. */
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

/** A header as signed by the oracle: the batch timestamp, one price and one (signed) funding rate per market. */
export interface Header {
  timestamp: number;
  markPrices: bigint[];
  fundingRates: bigint[];
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
/** The data of a WITHDRAW op: the account and the amount (the contract credits its L1 owner). */
export interface WireWithdraw {
  type: "WITHDRAW";
  accountIndex: number;
  amount: bigint;
}
/** The data of a LIQUIDATE op. */
export interface WireLiquidate {
  type: "LIQUIDATE";
  liquidatee: number;
  liquidator: number;
  marketId: number;
  q: bigint;
}
/** The data of a SETTLE op. */
export interface WireSettle {
  type: "SETTLE";
  accountIndex: number;
  marketId: number;
}
/** The data of a DELEVERAGE op. */
export interface WireDeleverage {
  type: "DELEVERAGE";
  bankrupt: number;
  counterparty: number;
  marketId: number;
  q: bigint;
  price: bigint;
}
/** The data of a FORCED_WITHDRAW op: the account and the amount w withdrawn. */
export interface WireForcedWithdraw {
  type: "FORCED_WITHDRAW";
  accountIndex: number;
  amount: bigint;
}
/** An op as decoded from its slot. */
export type WireOp = WireNoop | WireDeposit | WireTrade | WireWithdraw | WireLiquidate | WireSettle | WireDeleverage | WireForcedWithdraw;

type Int = number | bigint;
/** Any numeric field of `T` may be a number or a bigint. */
type Loose<T> = { [K in keyof T]: T[K] extends number | bigint ? Int : T[K] };
/** What the encoders accept: any numeric field may be a number or a bigint; `fundingRates` omitted = all 0. */
export type HeaderInput = { timestamp: Int; markPrices: readonly Int[]; fundingRates?: readonly Int[] };
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
export type WireOpInput =
  | WireNoop
  | WireDeposit
  | WireTradeInput
  | Loose<WireWithdraw>
  | Loose<WireLiquidate>
  | Loose<WireSettle>
  | Loose<WireDeleverage>
  | Loose<WireForcedWithdraw>;

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
  checkParam("markets", M, 1, 13);
  checkParam("batchSize", N, 1, Number.MAX_SAFE_INTEGER);

  const IDX = Math.ceil((2 * D) / 8);
  const OP_BYTES = 14 + 2 * IDX;
  const HEADER_BYTES = WIDTH.timestamp + HEADER_MARKET_BYTES * M;
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
  const slot = {
    type: trade.type,
    aIndex: trade.makerIndex,
    bIndex: trade.takerIndex,
    market: trade.marketSide,
    q: trade.q,
    value: trade.price,
    feeA: trade.makerFeeBps,
    feeB: trade.takerFeeBps,
  };

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
    header: {
      timestamp: slice(0, WIDTH.timestamp),
      markPrice: slice(WIDTH.timestamp, WIDTH.markPrice),
      fundingRate: slice(WIDTH.timestamp + WIDTH.markPrice, WIDTH.fundingRate),
      stride: HEADER_MARKET_BYTES,
    },
    slot,
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
 * Encodes a header: timestamp uint32 ‖ for m = 0..M-1: price_m uint48 ‖ fundingRate_m + 2^23 uint24.
 * @param params - the layout parameters
 * @param header - timestamp (unix seconds), exactly M prices and M signed funding rates (omitted: all 0)
 * @returns HEADER_BYTES bytes
 * @throws LayoutError if a value does not fit or a count is not M
 */
export function encodeHeader(params: LayoutParams, header: HeaderInput): Uint8Array {
  const L = layoutFor(params);
  const out = new Uint8Array(L.HEADER_BYTES);
  const { timestamp, markPrice, fundingRate, stride } = L.header;
  writeUint(out, timestamp.offset, timestamp.width, uintBytes("header.timestamp", header.timestamp, timestamp.width));
  if (!Array.isArray(header.markPrices) || header.markPrices.length !== L.markets) {
    throw new LayoutError("LAYOUT_LENGTH", "header.markPrices", header.markPrices?.length, `${L.markets} prices (M)`);
  }
  const rates = header.fundingRates ?? Array.from({ length: L.markets }, () => 0n);
  if (!Array.isArray(rates) || rates.length !== L.markets) {
    throw new LayoutError("LAYOUT_LENGTH", "header.fundingRates", (rates as unknown[] | undefined)?.length, `${L.markets} rates (M)`);
  }
  header.markPrices.forEach((p, m) => {
    const v = uintBytes(`header.markPrices[${m}]`, p, markPrice.width);
    writeUint(out, markPrice.offset + m * stride, markPrice.width, v);
  });
  rates.forEach((r, m) => {
    const field = `header.fundingRates[${m}]`;
    const bound = "-2^23 < x < 2^23";
    let v: bigint;
    if (typeof r === "bigint") v = r;
    else if (typeof r === "number" && Number.isSafeInteger(r)) v = BigInt(r);
    else throw new LayoutError("LAYOUT_FIELD_RANGE", field, r, `an integer, ${bound}`);
    if (v <= -FUNDING_RATE_OFFSET || v >= FUNDING_RATE_OFFSET) throw new LayoutError("LAYOUT_FIELD_RANGE", field, r, bound);
    writeUint(out, fundingRate.offset + m * stride, fundingRate.width, v + FUNDING_RATE_OFFSET);
  });
  return out;
}

/**
 * Decodes a header (inverse of {@link encodeHeader}).
 * @throws LayoutError if the length is not HEADER_BYTES, or a rate field is 0 (rate −2^23, outside the range)
 */
export function decodeHeader(params: LayoutParams, bytes: Uint8Array): Header {
  const L = layoutFor(params);
  checkLength("header", bytes, L.HEADER_BYTES);
  const { timestamp, markPrice, fundingRate, stride } = L.header;
  const markPrices: bigint[] = [];
  const fundingRates: bigint[] = [];
  for (let m = 0; m < L.markets; m++) {
    markPrices.push(readUint(bytes, markPrice.offset + m * stride, markPrice.width));
    const raw = readUint(bytes, fundingRate.offset + m * stride, fundingRate.width);
    if (raw === 0n) throw new LayoutError("LAYOUT_FIELD_RANGE", `header.fundingRates[${m}]`, -FUNDING_RATE_OFFSET, "-2^23 < x < 2^23");
    fundingRates.push(raw - FUNDING_RATE_OFFSET);
  }
  return { timestamp: Number(readUint(bytes, timestamp.offset, timestamp.width)), markPrices, fundingRates };
}

// ---------------------------------------------------------------------------------------
// Ops
// ---------------------------------------------------------------------------------------

/** The uniform slot fields an op type uses, and the op field each carries. */
type SlotField = "aIndex" | "bIndex" | "market" | "q" | "value" | "feeA" | "feeB";
const SLOT_FIELDS: readonly SlotField[] = ["aIndex", "bIndex", "market", "q", "value", "feeA", "feeB"];
export const SLOT_USES: Readonly<Record<OpType, Partial<Record<SlotField, string>>>> = {
  NOOP: {},
  DEPOSIT: {},
  TRADE: { aIndex: "makerIndex", bIndex: "takerIndex", market: "marketId", q: "q", value: "price", feeA: "makerFeeBps", feeB: "takerFeeBps" },
  WITHDRAW: { aIndex: "accountIndex", value: "amount" },
  LIQUIDATE: { aIndex: "liquidatee", bIndex: "liquidator", market: "marketId", q: "q" },
  SETTLE: { aIndex: "accountIndex", market: "marketId" },
  DELEVERAGE: { aIndex: "bankrupt", bIndex: "counterparty", market: "marketId", q: "q", value: "price" },
  FORCED_WITHDRAW: { aIndex: "accountIndex", value: "amount" },
};
/** Op fields decoded as numbers (the rest of the used fields are bigints). */
const NUMBER_FIELDS = new Set<SlotField>(["aIndex", "bIndex", "market", "feeA", "feeB"]);

/**
 * Encodes one op slot: type ‖ aIndex ‖ bIndex ‖ market ‖ q ‖ value ‖ feeA ‖ feeB, the
 * fields the type does not use left zero (NOOP and DEPOSIT are their type byte then
 * zeros: a deposit's entry is on L1, in queue order).
 * @param params - the layout parameters
 * @param op - the op
 * @param name - the field prefix used in errors (e.g. `op[3]`)
 * @returns OP_BYTES bytes
 * @throws LayoutError naming the field and value that does not fit
 */
export function encodeOp(params: LayoutParams, op: WireOpInput, name = "op"): Uint8Array {
  const L = layoutFor(params);
  const out = new Uint8Array(L.OP_BYTES);
  const type = op?.type as OpType | undefined;
  if (type === undefined || !OP_TYPES.includes(type)) {
    throw new LayoutError("LAYOUT_OP_TYPE", `${name}.type`, (op as { type?: unknown })?.type, OP_TYPES.join(", "));
  }
  out[L.slot.type.offset] = OP_CODE[type];
  const uses = SLOT_USES[type];
  const record = op as unknown as Record<string, unknown>;
  for (const f of SLOT_FIELDS) {
    const key = uses[f];
    if (key === undefined) continue;
    const s = L.slot[f];
    const field = `${name}.${key}`;
    const value = record[key];
    if (f === "aIndex" || f === "bIndex") {
      writeUint(out, s.offset, s.width, accountIndex(field, value, L));
    } else if (f === "market") {
      const marketId = checkUint(field, value, 1n << BigInt(MARKET_ID_BITS), `0 <= x < 2^${MARKET_ID_BITS}`);
      let side = 0;
      if (type === "TRADE") {
        const isBuy = record.makerIsBuy;
        if (typeof isBuy !== "boolean") throw new LayoutError("LAYOUT_FIELD_RANGE", `${name}.makerIsBuy`, isBuy, "a boolean");
        side = isBuy ? 0x80 : 0;
      }
      out[s.offset] = Number(marketId) | side;
    } else {
      writeUint(out, s.offset, s.width, uintBytes(field, value, s.width));
    }
  }
  return out;
}

/**
 * Decodes one op slot (inverse of {@link encodeOp}). Only canonical encodings are
 * accepted: zero in every field the type does not use, account indices below 4^D,
 * bit 7 of the market byte only in a TRADE.
 * @param params - the layout parameters
 * @param bytes - exactly OP_BYTES bytes
 * @param name - the field prefix used in errors
 * @throws LayoutError on a wrong length, an unknown type, non-zero padding or an index out of range
 */
export function decodeOp(params: LayoutParams, bytes: Uint8Array, name = "op"): WireOp {
  const L = layoutFor(params);
  checkLength(name, bytes, L.OP_BYTES);
  const code = bytes[L.slot.type.offset];
  const type = OP_TYPES.find((t) => OP_CODE[t] === code);
  if (type === undefined) {
    throw new LayoutError("LAYOUT_OP_TYPE", `${name}.type`, code, OP_TYPES.map((t) => `${OP_CODE[t]} (${t})`).join(", "));
  }
  const uses = SLOT_USES[type];
  const op: Record<string, unknown> = { type };
  for (const f of SLOT_FIELDS) {
    const s = L.slot[f];
    const key = uses[f];
    if (key === undefined) {
      for (let i = s.offset; i < s.offset + s.width; i++) {
        if (bytes[i] !== 0) throw new LayoutError("LAYOUT_PADDING", `${name}[${i}]`, bytes[i], `0 in field ${f}, which ${type} does not use`);
      }
      continue;
    }
    const raw = readUint(bytes, s.offset, s.width);
    if (f === "aIndex" || f === "bIndex") {
      op[key] = Number(accountIndex(`${name}.${key}`, raw, L));
    } else if (f === "market") {
      const byte = Number(raw);
      if (type === "TRADE") {
        op.marketId = byte & 0x7f;
        op.makerIsBuy = (byte & 0x80) !== 0;
      } else {
        if (byte & 0x80) throw new LayoutError("LAYOUT_FIELD_RANGE", `${name}.marketId`, byte, `0 <= x < 2^${MARKET_ID_BITS} (bit 7 is makerIsBuy, TRADE only)`);
        op.marketId = byte;
      }
    } else {
      op[key] = NUMBER_FIELDS.has(f) ? Number(raw) : raw;
    }
  }
  if (type === "TRADE") {
    // the key order of WireTrade
    const { makerIndex, takerIndex, marketId, makerIsBuy, q, price, makerFeeBps, takerFeeBps } = op;
    return { type, makerIndex, takerIndex, marketId, makerIsBuy, q, price, makerFeeBps, takerFeeBps } as WireTrade;
  }
  return op as unknown as WireOp;
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
