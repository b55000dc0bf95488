/**
 * JSON form of a batch (header, ops with their signed orders, deposit-queue entries):
 * bigints as decimal strings, small integers (indices, market ids) as numbers. Used by
 * the job store, the ledger and the API. `parseBatch` checks the shape on the way in
 * and names the field it refuses (`ops[1].maker.limitPrice: …`); the rules themselves
 * (ranges, signatures) are applyBatch's job.
 */
import type { Batch, Op } from "../state/batch";
import type { DepositEntry } from "../state/ops/deposit";
import type { SignedOrder, OracleSignature } from "../state/signing";
import type { BatchHeader } from "../state/trace";

/** A bigint as a decimal string, e.g. "-12" or "60000000". */
export type Decimal = string;

export interface SerializedSignedOrder {
  accountIndex: number;
  marketId: number;
  isBuy: boolean;
  size: Decimal;
  limitPrice: Decimal;
  expiry: Decimal;
  nonce: Decimal;
  maxFeeBps: Decimal;
  R8x: Decimal;
  R8y: Decimal;
  S: Decimal;
}

export type SerializedOp =
  | { type: "NOOP" }
  | { type: "DEPOSIT" }
  | { type: "TRADE"; maker: SerializedSignedOrder; taker: SerializedSignedOrder; q: Decimal; makerFeeBps: Decimal; takerFeeBps: Decimal };

export interface SerializedBatch {
  header: {
    timestamp: Decimal;
    markPrices: Decimal[];
    signatures: { keyIndex: number; R8x: Decimal; R8y: Decimal; S: Decimal }[];
  };
  ops: SerializedOp[];
  deposits: { accountIndex: number; ax: Decimal; ay: Decimal; amount: Decimal }[];
}

/** A JSON batch that does not have the expected shape; `field` is the path to the culprit. */
export class BatchFormatError extends Error {
  readonly code = "PRV_ERR_BAD_BATCH";
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = "BatchFormatError";
  }
}

const dec = (x: bigint): Decimal => x.toString();

function orderToJson(o: SignedOrder): SerializedSignedOrder {
  return {
    accountIndex: o.accountIndex,
    marketId: o.marketId,
    isBuy: o.isBuy,
    size: dec(o.size),
    limitPrice: dec(o.limitPrice),
    expiry: dec(o.expiry),
    nonce: dec(o.nonce),
    maxFeeBps: dec(o.maxFeeBps),
    R8x: dec(o.R8x),
    R8y: dec(o.R8y),
    S: dec(o.S),
  };
}

function opToJson(op: Op): SerializedOp {
  if (op.type !== "TRADE") return { type: op.type };
  return { type: "TRADE", maker: orderToJson(op.maker), taker: orderToJson(op.taker), q: dec(op.q), makerFeeBps: dec(op.makerFeeBps), takerFeeBps: dec(op.takerFeeBps) };
}

/** The JSON form of a batch (only the fields of the batch: extra properties are dropped). */
export function serializeBatch(b: Batch): SerializedBatch {
  return {
    header: {
      timestamp: dec(b.header.timestamp),
      markPrices: b.header.markPrices.map(dec),
      signatures: b.header.signatures.map((s) => ({ keyIndex: s.keyIndex, R8x: dec(s.R8x), R8y: dec(s.R8y), S: dec(s.S) })),
    },
    ops: b.ops.map(opToJson),
    deposits: b.deposits.map((d) => ({ accountIndex: d.accountIndex, ax: dec(d.ax), ay: dec(d.ay), amount: dec(d.amount) })),
  };
}

// ---- parsing ------------------------------------------------------------------

/** Longest decimal accepted: a BN254 field element has 77 digits. */
const MAX_DIGITS = 78;
const DECIMAL = /^-?(0|[1-9][0-9]*)$/;

type Obj = Record<string, unknown>;

function object(v: unknown, field: string, keys: readonly string[]): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new BatchFormatError(field, `expected an object, got ${describe(v)}`);
  const o = v as Obj;
  // refuse unknown properties: a misspelt optional field would otherwise vanish silently
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new BatchFormatError(join(field, k), `unknown field (expected one of ${keys.join(", ")})`);
  return o;
}

function array(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) throw new BatchFormatError(field, `expected an array, got ${describe(v)}`);
  return v;
}

function bigintField(o: Obj, key: string, field: string): bigint {
  return bigintValue(o[key], join(field, key));
}

function bigintValue(v: unknown, field: string): bigint {
  if (typeof v !== "string") throw new BatchFormatError(field, `expected a decimal string, got ${describe(v)}`);
  if (v.length > MAX_DIGITS + 1 || !DECIMAL.test(v)) throw new BatchFormatError(field, `not a decimal integer: ${JSON.stringify(v.slice(0, 40))}`);
  return BigInt(v);
}

function intField(o: Obj, key: string, field: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isSafeInteger(v)) throw new BatchFormatError(join(field, key), `expected an integer, got ${describe(v)}`);
  return v;
}

function boolField(o: Obj, key: string, field: string): boolean {
  const v = o[key];
  if (typeof v !== "boolean") throw new BatchFormatError(join(field, key), `expected true or false, got ${describe(v)}`);
  return v;
}

function join(field: string, key: string | number): string {
  return typeof key === "number" ? `${field}[${key}]` : field === "" ? key : `${field}.${key}`;
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "string" ? `the string ${JSON.stringify(v.slice(0, 40))}` : `${typeof v} ${typeof v === "object" ? "" : String(v)}`.trim();
}

const ORDER_KEYS = ["accountIndex", "marketId", "isBuy", "size", "limitPrice", "expiry", "nonce", "maxFeeBps", "R8x", "R8y", "S"] as const;

function parseOrder(v: unknown, field: string): SignedOrder {
  const o = object(v, field, ORDER_KEYS);
  return {
    accountIndex: intField(o, "accountIndex", field),
    marketId: intField(o, "marketId", field),
    isBuy: boolField(o, "isBuy", field),
    size: bigintField(o, "size", field),
    limitPrice: bigintField(o, "limitPrice", field),
    expiry: bigintField(o, "expiry", field),
    nonce: bigintField(o, "nonce", field),
    maxFeeBps: bigintField(o, "maxFeeBps", field),
    R8x: bigintField(o, "R8x", field),
    R8y: bigintField(o, "R8y", field),
    S: bigintField(o, "S", field),
  };
}

function parseOp(v: unknown, field: string): Op {
  const type = typeof v === "object" && v !== null ? (v as Obj).type : undefined;
  if (type === "NOOP" || type === "DEPOSIT") {
    object(v, field, ["type"]);
    return { type };
  }
  if (type !== "TRADE") throw new BatchFormatError(join(field, "type"), `expected "NOOP", "DEPOSIT" or "TRADE", got ${describe(type)}`);
  const o = object(v, field, ["type", "maker", "taker", "q", "makerFeeBps", "takerFeeBps"]);
  return {
    type: "TRADE",
    maker: parseOrder(o.maker, join(field, "maker")),
    taker: parseOrder(o.taker, join(field, "taker")),
    q: bigintField(o, "q", field),
    makerFeeBps: bigintField(o, "makerFeeBps", field),
    takerFeeBps: bigintField(o, "takerFeeBps", field),
  };
}

function parseHeader(v: unknown, field: string): BatchHeader {
  const h = object(v, field, ["timestamp", "markPrices", "signatures"]);
  const signatures = array(h.signatures, join(field, "signatures")).map((s, i): OracleSignature => {
    const f = join(join(field, "signatures"), i);
    const o = object(s, f, ["keyIndex", "R8x", "R8y", "S"]);
    return { keyIndex: intField(o, "keyIndex", f), R8x: bigintField(o, "R8x", f), R8y: bigintField(o, "R8y", f), S: bigintField(o, "S", f) };
  });
  return {
    timestamp: bigintField(h, "timestamp", field),
    markPrices: array(h.markPrices, join(field, "markPrices")).map((p, i) => bigintValue(p, join(join(field, "markPrices"), i))),
    signatures,
  };
}

function parseDeposit(v: unknown, field: string): DepositEntry {
  const o = object(v, field, ["accountIndex", "ax", "ay", "amount"]);
  return { accountIndex: intField(o, "accountIndex", field), ax: bigintField(o, "ax", field), ay: bigintField(o, "ay", field), amount: bigintField(o, "amount", field) };
}

/**
 * A batch from its JSON form (already `JSON.parse`d).
 * @throws BatchFormatError naming the first field that is missing, mistyped or unknown
 */
export function parseBatch(json: unknown): Batch {
  const b = object(json, "batch", ["header", "ops", "deposits"]);
  return {
    header: parseHeader(b.header, "header"),
    ops: array(b.ops, "ops").map((op, i) => parseOp(op, join("ops", i))),
    deposits: array(b.deposits, "deposits").map((d, i) => parseDeposit(d, join("deposits", i))),
  };
}
