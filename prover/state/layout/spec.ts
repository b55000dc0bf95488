/**
 * The byte layout of protocol.md section 7: header, op data, batch calldata and the
 * hashed bytes whose sha256 (mod r) is the batch circuit's one public input.
 *
 * This is the one written layout. `scripts/gen-layout.ts` (`npm run gen:layout`) writes
 * its widths, offsets and op codes into `circuits/lib/generated/layout.circom` and
 * `contracts/layout/OpLayout.sol`, which the circuit and the contract use instead of
 * copies of their own; `test/scripts/gen-layout.test.ts` fails when those files are out
 * of date. All integers are big-endian, field elements 32 bytes.
 *
 * ```
 * header (4 + 9M + 32)   timestamp        --> 4 bytes  (uint32)
 *   for m = 0..M-1:      price_m          --> 6 bytes  (uint48)
 *                        fundingRate_m    --> 3 bytes  (uint24, rate + 2^23: offset binary, −2^23 < rate < 2^23)
 *                        riskHash         --> 32 bytes (< r; the risk arrays in force from this batch on)
 * op (OP_BYTES = 13 + 2·IDX, IDX = ceil(2D / 8)), the same fields for every type:
 *                        type             --> 1 byte   (bits 5-7: OP_CODE: 0 NOOP, 1 DEPOSIT, 2 TRADE,
 *                                             3 WITHDRAW, 4 LIQUIDATE, 5 SETTLE, 6 DELEVERAGE,
 *                                             7 FORCED_WITHDRAW; bits 0-3: marketId; bit 4:
 *                                             makerIsBuy, TRADE only)
 *                        aIndex           --> IDX bytes (< 4^D)
 *                        bIndex           --> IDX bytes (< 4^D)
 *                        q                --> 4 bytes  (uint32)
 *                        value            --> 6 bytes  (uint48)
 *                        feeA             --> 1 byte   (uint8)
 *                        feeB             --> 1 byte   (uint8)
 *   type            market (low bits)   aIndex      bIndex        q     value   feeA, feeB
 *   NOOP            –                   –           –             –     –       –
 *   DEPOSIT         –                   –           –             –     –       –
 *   TRADE           marketId|isBuy<<4   maker       taker         fill  price   maker, taker fee bps
 *   WITHDRAW        –                   account     –             –     amount  –
 *   LIQUIDATE       marketId            liquidatee  liquidator    lots  –       –
 *   SETTLE          marketId            account     –             –     –       –
 *   DELEVERAGE      marketId            bankrupt    counterparty  lots  price   –
 *   FORCED_WITHDRAW –                   account     –             –     amount  –
 *   a field an op does not use is zero (decoding refuses anything else)
 * calldata `data`        oldStateRoot     --> 32 bytes (< r; the contract requires its stored root)
 *                        newStateRoot     --> 32 bytes (< r)
 *                        depositsEnd      --> 4 bytes  (uint32)
 *                        header           --> 4 + 9M + 32 bytes, at offset 68
 *                        op data          --> N · OP_BYTES bytes
 *                        risk tail        --> 0 or M · S · 8 bytes, not hashed: pnl[m][s] as int64
 *                                             (two's complement), row by row; present when the
 *                                             batch changes riskHash
 * hashed bytes           oldStateRoot (32) ‖ newStateRoot (32) ‖ header (4 + 9M + 32)
 *                        ‖ depositHead after the batch (32) ‖ op data (N · OP_BYTES)
 * ```
 *
 * The first 64 bytes of `data` are the first 64 hashed bytes: the old root travels in
 * the calldata so that a stale or replayed batch is refused (`StateRootMismatch`) before
 * the proof is checked.
 */
import type { Params } from "../params";

/** The BN254 scalar field modulus r (protocol.md section 2). */
export const FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** Op type codes (protocol.md section 5). */
export const OP_CODE = { NOOP: 0, DEPOSIT: 1, TRADE: 2, WITHDRAW: 3, LIQUIDATE: 4, SETTLE: 5, DELEVERAGE: 6, FORCED_WITHDRAW: 7 } as const;
export type OpType = keyof typeof OP_CODE;
export const OP_TYPES = Object.keys(OP_CODE) as OpType[];

/** Field widths in bytes that do not depend on the parameters. */
export const WIDTH = {
  field: 32,
  depositsEnd: 4,
  timestamp: 4,
  markPrice: 6,
  fundingRate: 3,
  opType: 1,
  q: 4,
  price: 6,
  feeBps: 1,
  pnl: 8,
} as const;

/** Bytes of an account index for tree depth D: ceil(2D / 8) (an index is below 4^D). */
export const idxBytes = (accountDepth: number): number => Math.ceil((2 * accountDepth) / 8);

/**
 * The fields of an op slot, in order, with their widths; `"IDX"` is an account index,
 * {@link idxBytes} wide. The offsets of `Layout.slot`, and of the generated circuit and
 * contract constants, are running sums of this list, so this is the one place to change.
 */
export const OP_SLOT_FIELDS = [
  { name: "type", width: WIDTH.opType },
  { name: "aIndex", width: "IDX" },
  { name: "bIndex", width: "IDX" },
  { name: "q", width: WIDTH.q },
  { name: "value", width: WIDTH.price },
  { name: "feeA", width: WIDTH.feeBps },
  { name: "feeB", width: WIDTH.feeBps },
] as const;
export type OpSlotField = (typeof OP_SLOT_FIELDS)[number]["name"];

/**
 * The type byte holds the op type in its top 3 bits and the market below them:
 * `type << 5 | makerIsBuy << 4 | marketId` (makerIsBuy in a TRADE only; marketId < 16,
 * M ≤ 13). decisions.md, "The type and the market share a byte".
 */
export const MARKET_BITS = 5;
/** marketId occupies bits 0-3 of the type byte, makerIsBuy bit 4. */
export const MARKET_ID_BITS = 4;

/** A header funding rate is written as rate + 2^23 in a uint24. */
export const FUNDING_RATE_OFFSET = 1n << 23n;

/** The bytes one market takes in the header: price uint48 ‖ rate uint24. */
export const HEADER_MARKET_BYTES = 9;

/** The bytes the header's riskHash takes, after the markets. */
export const HEADER_RISK_HASH_BYTES = 32;

/** The parameters the layout depends on (scenarios: the width of the risk tail). */
export type LayoutParams = Pick<Params, "accountDepth" | "markets" | "batchSize" | "scenarios">;

/** A field's position inside an enclosing byte string. */
export interface Slice {
  offset: number;
  width: number;
}

/** Every width and offset of the layout for one parameter set. */
export interface Layout {
  /** Bytes of an account index: ceil(2D / 8). */
  IDX: number;
  /** Bytes of one op slot: 13 + 2·IDX. */
  OP_BYTES: number;
  /** Bytes of the header: 4 + 9M + 32. */
  HEADER_BYTES: number;
  /** Bytes of the op data: N · OP_BYTES. */
  OP_DATA_BYTES: number;
  /** Bytes of the calldata `data` without a risk tail: 64 + 4 + HEADER_BYTES + OP_DATA_BYTES. */
  DATA_BYTES: number;
  /** Bytes of the optional risk tail after the fixed part: M · S · 8. */
  RISK_TAIL_BYTES: number;
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
  header: { timestamp: Slice; markPrice: Slice; fundingRate: Slice; stride: number; riskHash: Slice };
  /** The uniform fields of every op slot (protocol.md section 7). */
  slot: { type: Slice; aIndex: Slice; bIndex: Slice; q: Slice; value: Slice; feeA: Slice; feeB: Slice };
  /** The same offsets under the names a TRADE gives them. */
  trade: {
    /** type, makerIsBuy and marketId. */
    typeMarket: Slice;
    makerIndex: Slice;
    takerIndex: Slice;
    q: Slice;
    price: Slice;
    makerFeeBps: Slice;
    takerFeeBps: Slice;
  };
  /** Offsets inside the calldata `data`; `riskTail` is there only when the batch publishes arrays. */
  data: { oldStateRoot: Slice; newStateRoot: Slice; depositsEnd: Slice; header: Slice; ops: Slice; riskTail: Slice };
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
  const { accountDepth: D, markets: M, batchSize: N, scenarios: S } = params;
  checkParam("accountDepth", D, 1, 15);
  checkParam("markets", M, 1, 13);
  checkParam("batchSize", N, 1, Number.MAX_SAFE_INTEGER);
  checkParam("scenarios", S, 1, 16);

  const IDX = idxBytes(D);
  const fixedBytes = OP_SLOT_FIELDS.reduce((sum, f) => sum + (f.width === "IDX" ? 0 : f.width), 0);
  const OP_BYTES = fixedBytes + 2 * IDX;
  const HEADER_BYTES = WIDTH.timestamp + HEADER_MARKET_BYTES * M + HEADER_RISK_HASH_BYTES;
  const RISK_TAIL_BYTES = M * S * WIDTH.pnl;
  const OP_DATA_BYTES = N * OP_BYTES;
  const DATA_BYTES = 2 * WIDTH.field + WIDTH.depositsEnd + HEADER_BYTES + OP_DATA_BYTES;
  const HASHED_BYTES = 3 * WIDTH.field + HEADER_BYTES + OP_DATA_BYTES;

  let o = 0;
  const slot = {} as Record<OpSlotField, Slice>;
  for (const f of OP_SLOT_FIELDS) {
    const w = f.width === "IDX" ? IDX : f.width;
    slot[f.name] = slice(o, w);
    o += w;
  }
  if (o !== OP_BYTES) throw new Error(`internal: an op slot occupies ${o} bytes, OP_BYTES = ${OP_BYTES}`);
  // TRADE's names for the same slices: typeMarket ‖ makerIndex ‖ takerIndex ‖ q ‖ price ‖ makerFeeBps ‖ takerFeeBps
  const trade = {
    typeMarket: slot.type,
    makerIndex: slot.aIndex,
    takerIndex: slot.bIndex,
    q: slot.q,
    price: slot.value,
    makerFeeBps: slot.feeA,
    takerFeeBps: slot.feeB,
  };

  return {
    IDX,
    OP_BYTES,
    HEADER_BYTES,
    OP_DATA_BYTES,
    DATA_BYTES,
    RISK_TAIL_BYTES,
    HASHED_BYTES,
    MAX_ACCOUNTS: 4 ** D,
    markets: M,
    batchSize: N,
    header: {
      timestamp: slice(0, WIDTH.timestamp),
      markPrice: slice(WIDTH.timestamp, WIDTH.markPrice),
      fundingRate: slice(WIDTH.timestamp + WIDTH.markPrice, WIDTH.fundingRate),
      stride: HEADER_MARKET_BYTES,
      riskHash: slice(WIDTH.timestamp + HEADER_MARKET_BYTES * M, HEADER_RISK_HASH_BYTES),
    },
    slot,
    trade,
    data: {
      oldStateRoot: slice(0, 32),
      newStateRoot: slice(32, 32),
      depositsEnd: slice(64, 4),
      header: slice(68, HEADER_BYTES),
      ops: slice(68 + HEADER_BYTES, OP_DATA_BYTES),
      riskTail: slice(DATA_BYTES, RISK_TAIL_BYTES),
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

