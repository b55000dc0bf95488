/**
 * The one JSON codec of a batch and of every piece of it (header with its funding
 * rates, the eight op types with their signed messages, priority-queue entries), used
 * by the job store, the ledger and the HTTP API (prover/api/wire.ts re-exports it).
 *
 * - bigints travel as decimal strings: unsigned fields as `"0"`, `"60000000"`; the
 *   signed ones (a header's `fundingRates` and optional `pnl` risk arrays) with a minus
 *   sign, `"-12"` (never `"-0"`);
 * - small integers (account indices, market ids, key indices) as JSON integers;
 * - every object refuses unknown fields, so a misspelt field never vanishes silently.
 *
 * The `parse*` functions check the shape on the way in and throw `BatchFormatError`
 * naming the field they refuse (`ops[1].liquidator.maxSize: …`); the rules themselves
 * (ranges, signatures, nonces) are applyBatch's job.
 */
import type { Signature } from "../state/crypto";
import type { Batch, Op } from "../state/batch";
import type { DepositEntry } from "../state/ops/deposit";
import type { LiquidateOp } from "../state/ops/liquidate";
import type { WithdrawOp } from "../state/ops/withdraw";
import type { OracleSignature, SignedLiquidation, SignedOrder } from "../state/signing";
import type { BatchHeader } from "../state/trace";
import { CodedError } from "../errors/coded-error";

/** A bigint as a decimal string, e.g. "-12" or "60000000". */
export type Decimal = string;

export interface SerializedSignature {
  R8x: Decimal;
  R8y: Decimal;
  S: Decimal;
}

export interface SerializedSignedOrder extends SerializedSignature {
  accountIndex: number;
  marketId: number;
  isBuy: boolean;
  size: Decimal;
  limitPrice: Decimal;
  expiry: Decimal;
  nonce: Decimal;
  maxFeeBps: Decimal;
}

export interface SerializedSignedLiquidation extends SerializedSignature {
  liquidatorIndex: number;
  liquidateeIndex: number;
  marketId: number;
  maxSize: Decimal;
  expiry: Decimal;
  nonce: Decimal;
}

export interface SerializedOracleSignature extends SerializedSignature {
  keyIndex: number;
}

export interface SerializedHeader {
  timestamp: Decimal;
  markPrices: Decimal[];
  /** Signed: 10^−12 per second, one per market. */
  fundingRates: Decimal[];
  /** Signed, optional: new risk arrays, one row of S per market (absent: unchanged). */
  pnl?: Decimal[][];
  signatures: SerializedOracleSignature[];
}

export interface SerializedDepositEntry {
  accountIndex: number;
  ax: Decimal;
  ay: Decimal;
  amount: Decimal;
}

export interface SerializedTradeOp {
  type: "TRADE";
  maker: SerializedSignedOrder;
  taker: SerializedSignedOrder;
  q: Decimal;
  makerFeeBps: Decimal;
  takerFeeBps: Decimal;
}
export interface SerializedWithdrawOp {
  type: "WITHDRAW";
  accountIndex: number;
  amount: Decimal;
  nonce: Decimal;
  signature: SerializedSignature;
}
export interface SerializedLiquidateOp {
  type: "LIQUIDATE";
  liquidatee: number;
  liquidator: SerializedSignedLiquidation;
  q: Decimal;
}
export interface SerializedSettleOp {
  type: "SETTLE";
  accountIndex: number;
  marketId: number;
}
export interface SerializedDeleverageOp {
  type: "DELEVERAGE";
  bankrupt: number;
  counterparty: number;
  marketId: number;
  q: Decimal;
  price: Decimal;
}

export type SerializedOp =
  | { type: "NOOP" }
  | { type: "DEPOSIT" }
  | { type: "FORCED_WITHDRAW" }
  | SerializedTradeOp
  | SerializedWithdrawOp
  | SerializedLiquidateOp
  | SerializedSettleOp
  | SerializedDeleverageOp;

/** Every op type, in op-code order. */
export const OP_TYPES = ["NOOP", "DEPOSIT", "TRADE", "WITHDRAW", "LIQUIDATE", "SETTLE", "DELEVERAGE", "FORCED_WITHDRAW"] as const;

export interface SerializedBatch {
  header: SerializedHeader;
  ops: SerializedOp[];
  deposits: SerializedDepositEntry[];
}

/** A JSON value that does not have the expected shape; `field` is the path to the culprit. */
export class BatchFormatError extends CodedError<"PRV_ERR_BAD_BATCH"> {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super("PRV_ERR_BAD_BATCH", `${field}: ${problem}`);
    this.name = "BatchFormatError";
  }
}

// ---- writing ------------------------------------------------------------------

const dec = (x: bigint): Decimal => x.toString();

function sigToJson(s: Signature): SerializedSignature {
  return { R8x: dec(s.R8x), R8y: dec(s.R8y), S: dec(s.S) };
}

export function serializeOrder(o: SignedOrder): SerializedSignedOrder {
  return {
    accountIndex: o.accountIndex,
    marketId: o.marketId,
    isBuy: o.isBuy,
    size: dec(o.size),
    limitPrice: dec(o.limitPrice),
    expiry: dec(o.expiry),
    nonce: dec(o.nonce),
    maxFeeBps: dec(o.maxFeeBps),
    ...sigToJson(o),
  };
}

export function serializeLiquidation(l: SignedLiquidation): SerializedSignedLiquidation {
  return {
    liquidatorIndex: l.liquidatorIndex,
    liquidateeIndex: l.liquidateeIndex,
    marketId: l.marketId,
    maxSize: dec(l.maxSize),
    expiry: dec(l.expiry),
    nonce: dec(l.nonce),
    ...sigToJson(l),
  };
}

export function serializeHeader(h: BatchHeader): SerializedHeader {
  return {
    timestamp: dec(h.timestamp),
    markPrices: h.markPrices.map(dec),
    fundingRates: h.fundingRates.map(dec),
    ...(h.pnl === undefined ? {} : { pnl: h.pnl.map((row) => row.map(dec)) }),
    signatures: h.signatures.map((s) => ({ keyIndex: s.keyIndex, ...sigToJson(s) })),
  };
}

export function serializeDeposit(d: DepositEntry): SerializedDepositEntry {
  return { accountIndex: d.accountIndex, ax: dec(d.ax), ay: dec(d.ay), amount: dec(d.amount) };
}

/** The JSON form of one op (only its own fields: extra properties are dropped). */
export function serializeOp(op: Op): SerializedOp {
  switch (op.type) {
    case "NOOP":
    case "DEPOSIT":
    case "FORCED_WITHDRAW":
      return { type: op.type };
    case "TRADE":
      return { type: "TRADE", maker: serializeOrder(op.maker), taker: serializeOrder(op.taker), q: dec(op.q), makerFeeBps: dec(op.makerFeeBps), takerFeeBps: dec(op.takerFeeBps) };
    case "WITHDRAW":
      return { type: "WITHDRAW", accountIndex: op.accountIndex, amount: dec(op.amount), nonce: dec(op.nonce), signature: sigToJson(op.signature) };
    case "LIQUIDATE":
      return { type: "LIQUIDATE", liquidatee: op.liquidatee, liquidator: serializeLiquidation(op.liquidator), q: dec(op.q) };
    case "SETTLE":
      return { type: "SETTLE", accountIndex: op.accountIndex, marketId: op.marketId };
    case "DELEVERAGE":
      return { type: "DELEVERAGE", bankrupt: op.bankrupt, counterparty: op.counterparty, marketId: op.marketId, q: dec(op.q), price: dec(op.price) };
    default:
      throw new TypeError(`unknown op type ${String((op as { type?: unknown }).type)}`);
  }
}

/** The JSON form of a batch (only the fields of the batch: extra properties are dropped). */
export function serializeBatch(b: Batch): SerializedBatch {
  return { header: serializeHeader(b.header), ops: b.ops.map(serializeOp), deposits: b.deposits.map(serializeDeposit) };
}

// ---- parsing ------------------------------------------------------------------

/** Longest decimal accepted: a BN254 field element has 77 digits. */
const MAX_DIGITS = 78;
const UNSIGNED = /^(0|[1-9][0-9]*)$/;
const SIGNED = /^(0|-?[1-9][0-9]*)$/;

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

function uintField(o: Obj, key: string, field: string): bigint {
  return decimalValue(o[key], join(field, key), false);
}

function decimalValue(v: unknown, field: string, signed: boolean): bigint {
  const what = signed ? "a decimal string" : "a non-negative decimal string";
  if (typeof v !== "string") throw new BatchFormatError(field, `expected ${what}, got ${describe(v)}`);
  if (v.length > MAX_DIGITS + 1 || !(signed ? SIGNED : UNSIGNED).test(v)) {
    throw new BatchFormatError(field, `not ${signed ? "a decimal integer" : "a non-negative decimal integer"}: ${JSON.stringify(v.slice(0, 40))}`);
  }
  return BigInt(v);
}

/** A non-negative safe integer (index, market id, key index). */
function indexField(o: Obj, key: string, field: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw new BatchFormatError(join(field, key), `expected a non-negative integer, got ${describe(v)}`);
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

const SIG_KEYS = ["R8x", "R8y", "S"] as const;
const ORDER_KEYS = ["accountIndex", "marketId", "isBuy", "size", "limitPrice", "expiry", "nonce", "maxFeeBps", ...SIG_KEYS] as const;
const LIQUIDATION_KEYS = ["liquidatorIndex", "liquidateeIndex", "marketId", "maxSize", "expiry", "nonce", ...SIG_KEYS] as const;

function sigFields(o: Obj, field: string): Signature {
  return { R8x: uintField(o, "R8x", field), R8y: uintField(o, "R8y", field), S: uintField(o, "S", field) };
}

/** A signed order from JSON. @throws BatchFormatError */
export function parseOrder(v: unknown, field = "order"): SignedOrder {
  const o = object(v, field, ORDER_KEYS);
  return {
    accountIndex: indexField(o, "accountIndex", field),
    marketId: indexField(o, "marketId", field),
    isBuy: boolField(o, "isBuy", field),
    size: uintField(o, "size", field),
    limitPrice: uintField(o, "limitPrice", field),
    expiry: uintField(o, "expiry", field),
    nonce: uintField(o, "nonce", field),
    maxFeeBps: uintField(o, "maxFeeBps", field),
    ...sigFields(o, field),
  };
}

/** A liquidator's signed liquidation message from JSON. @throws BatchFormatError */
export function parseLiquidation(v: unknown, field = "liquidator"): SignedLiquidation {
  const o = object(v, field, LIQUIDATION_KEYS);
  return {
    liquidatorIndex: indexField(o, "liquidatorIndex", field),
    liquidateeIndex: indexField(o, "liquidateeIndex", field),
    marketId: indexField(o, "marketId", field),
    maxSize: uintField(o, "maxSize", field),
    expiry: uintField(o, "expiry", field),
    nonce: uintField(o, "nonce", field),
    ...sigFields(o, field),
  };
}

function opType(v: unknown, field: string): (typeof OP_TYPES)[number] {
  const type = typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj).type : undefined;
  if (typeof type !== "string" || !(OP_TYPES as readonly string[]).includes(type)) {
    throw new BatchFormatError(join(field, "type"), `expected one of ${OP_TYPES.map((t) => `"${t}"`).join(", ")}, got ${describe(type)}`);
  }
  return type as (typeof OP_TYPES)[number];
}

/** A WITHDRAW op's fields from JSON (the `type` key included). @throws BatchFormatError */
export function parseWithdraw(v: unknown, field = "op"): WithdrawOp {
  const o = object(v, field, ["type", "accountIndex", "amount", "nonce", "signature"]);
  const f = join(field, "signature");
  return {
    type: "WITHDRAW",
    accountIndex: indexField(o, "accountIndex", field),
    amount: uintField(o, "amount", field),
    nonce: uintField(o, "nonce", field),
    signature: sigFields(object(o.signature, f, SIG_KEYS), f),
  };
}

/** A LIQUIDATE op from JSON (the `type` key included). @throws BatchFormatError */
export function parseLiquidate(v: unknown, field = "op"): LiquidateOp {
  const o = object(v, field, ["type", "liquidatee", "liquidator", "q"]);
  return { type: "LIQUIDATE", liquidatee: indexField(o, "liquidatee", field), liquidator: parseLiquidation(o.liquidator, join(field, "liquidator")), q: uintField(o, "q", field) };
}

/** One op of a batch from JSON. @throws BatchFormatError */
export function parseOp(v: unknown, field = "op"): Op {
  const type = opType(v, field);
  switch (type) {
    case "NOOP":
    case "DEPOSIT":
    case "FORCED_WITHDRAW":
      object(v, field, ["type"]);
      return { type };
    case "TRADE": {
      const o = object(v, field, ["type", "maker", "taker", "q", "makerFeeBps", "takerFeeBps"]);
      return {
        type: "TRADE",
        maker: parseOrder(o.maker, join(field, "maker")),
        taker: parseOrder(o.taker, join(field, "taker")),
        q: uintField(o, "q", field),
        makerFeeBps: uintField(o, "makerFeeBps", field),
        takerFeeBps: uintField(o, "takerFeeBps", field),
      };
    }
    case "WITHDRAW":
      return parseWithdraw(v, field);
    case "LIQUIDATE":
      return parseLiquidate(v, field);
    case "SETTLE": {
      const o = object(v, field, ["type", "accountIndex", "marketId"]);
      return { type: "SETTLE", accountIndex: indexField(o, "accountIndex", field), marketId: indexField(o, "marketId", field) };
    }
    case "DELEVERAGE": {
      const o = object(v, field, ["type", "bankrupt", "counterparty", "marketId", "q", "price"]);
      return {
        type: "DELEVERAGE",
        bankrupt: indexField(o, "bankrupt", field),
        counterparty: indexField(o, "counterparty", field),
        marketId: indexField(o, "marketId", field),
        q: uintField(o, "q", field),
        price: uintField(o, "price", field),
      };
    }
  }
}

/**
 * A batch header from JSON (`fundingRates` signed, one per market like `markPrices`;
 * `pnl` optional, one row per market, every row of the same non-zero length).
 * Whether there are M rows of S is the rules' check (`RuleError` RANGE naming `pnl[m]`).
 * @throws BatchFormatError
 */
export function parseHeader(v: unknown, field = "header"): BatchHeader {
  const h = object(v, field, ["timestamp", "markPrices", "fundingRates", "pnl", "signatures"]);
  const timestamp = uintField(h, "timestamp", field);
  const markPrices = array(h.markPrices, join(field, "markPrices")).map((p, i) => decimalValue(p, join(join(field, "markPrices"), i), false));
  const fundingRates = array(h.fundingRates, join(field, "fundingRates")).map((r, i) => decimalValue(r, join(join(field, "fundingRates"), i), true));
  if (fundingRates.length !== markPrices.length) {
    throw new BatchFormatError(join(field, "fundingRates"), `${fundingRates.length} funding rates for ${markPrices.length} mark prices (one of each per market)`);
  }
  const signatures = array(h.signatures, join(field, "signatures")).map((s, i): OracleSignature => {
    const f = join(join(field, "signatures"), i);
    const o = object(s, f, ["keyIndex", ...SIG_KEYS]);
    return { keyIndex: indexField(o, "keyIndex", f), ...sigFields(o, f) };
  });
  const pnl = h.pnl === undefined ? undefined : parseRiskArrays(h.pnl, join(field, "pnl"), markPrices.length);
  return { timestamp, markPrices, fundingRates, ...(pnl === undefined ? {} : { pnl }), signatures };
}

/** Risk arrays from JSON: `markets` rows of signed decimals, all of one non-zero length. */
function parseRiskArrays(v: unknown, field: string, markets: number): bigint[][] {
  const rows = array(v, field).map((row, m) => array(row, join(field, m)).map((x, s) => decimalValue(x, join(join(field, m), s), true)));
  if (rows.length !== markets) throw new BatchFormatError(field, `${rows.length} rows for ${markets} mark prices (one row per market)`);
  const S = rows[0]?.length ?? 0;
  rows.forEach((row, m) => {
    if (row.length === 0 || row.length !== S) throw new BatchFormatError(join(field, m), `${row.length} scenarios where row 0 has ${S} (every row one value per scenario, at least one)`);
  });
  return rows;
}

/** A priority-queue entry (deposit or forced-withdrawal request) from JSON. @throws BatchFormatError */
export function parseDeposit(v: unknown, field = "entry"): DepositEntry {
  const o = object(v, field, ["accountIndex", "ax", "ay", "amount"]);
  return { accountIndex: indexField(o, "accountIndex", field), ax: uintField(o, "ax", field), ay: uintField(o, "ay", field), amount: uintField(o, "amount", field) };
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
