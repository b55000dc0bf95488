/**
 * JSON ↔ reference-rule values for the API. The route schemas (schemas.ts) have
 * checked the shapes; these functions only turn decimal strings into bigints and back.
 */
import type { Account } from "../state/account";
import type { Batch, Op } from "../state/batch";
import type { DepositEntry } from "../state/ops/deposit";
import type { OracleSignature, SignedOrder } from "../state/signing";
import type { BatchHeader } from "../state/trace";
import type { AccountProof, Job } from "./ports";

/** A signed order as JSON. */
export interface SignedOrderJson {
  accountIndex: number;
  marketId: number;
  isBuy: boolean;
  size: string;
  limitPrice: string;
  expiry: string;
  nonce: string;
  maxFeeBps: string;
  R8x: string;
  R8y: string;
  S: string;
}
export interface OracleSignatureJson {
  keyIndex: number;
  R8x: string;
  R8y: string;
  S: string;
}
export interface HeaderJson {
  timestamp: string;
  markPrices: string[];
  signatures: OracleSignatureJson[];
}
export interface DepositEntryJson {
  accountIndex: number;
  ax: string;
  ay: string;
  amount: string;
}
export type BatchOpJson =
  | { type: "NOOP" }
  | { type: "DEPOSIT" }
  | { type: "TRADE"; maker: SignedOrderJson; taker: SignedOrderJson; q: string; makerFeeBps: string; takerFeeBps: string };
export interface BatchJson {
  header: HeaderJson;
  ops: BatchOpJson[];
  deposits: DepositEntryJson[];
}
/** The body of `POST /v1/ops`. */
export type SubmitOpJson = { type: "ORDER"; order: SignedOrderJson } | { type: "DEPOSIT"; entry: DepositEntryJson };

export function decodeOrder(o: SignedOrderJson): SignedOrder {
  return {
    accountIndex: o.accountIndex,
    marketId: o.marketId,
    isBuy: o.isBuy,
    size: BigInt(o.size),
    limitPrice: BigInt(o.limitPrice),
    expiry: BigInt(o.expiry),
    nonce: BigInt(o.nonce),
    maxFeeBps: BigInt(o.maxFeeBps),
    R8x: BigInt(o.R8x),
    R8y: BigInt(o.R8y),
    S: BigInt(o.S),
  };
}

export function encodeOrder(o: SignedOrder): SignedOrderJson {
  return {
    accountIndex: o.accountIndex,
    marketId: o.marketId,
    isBuy: o.isBuy,
    size: o.size.toString(),
    limitPrice: o.limitPrice.toString(),
    expiry: o.expiry.toString(),
    nonce: o.nonce.toString(),
    maxFeeBps: o.maxFeeBps.toString(),
    R8x: o.R8x.toString(),
    R8y: o.R8y.toString(),
    S: o.S.toString(),
  };
}

function decodeSig(s: OracleSignatureJson): OracleSignature {
  return { keyIndex: s.keyIndex, R8x: BigInt(s.R8x), R8y: BigInt(s.R8y), S: BigInt(s.S) };
}

export function decodeHeader(h: HeaderJson): BatchHeader {
  return { timestamp: BigInt(h.timestamp), markPrices: h.markPrices.map((p) => BigInt(p)), signatures: h.signatures.map(decodeSig) };
}

export function encodeHeader(h: BatchHeader): HeaderJson {
  return {
    timestamp: h.timestamp.toString(),
    markPrices: h.markPrices.map(String),
    signatures: h.signatures.map((s) => ({ keyIndex: s.keyIndex, R8x: s.R8x.toString(), R8y: s.R8y.toString(), S: s.S.toString() })),
  };
}

export function decodeDeposit(d: DepositEntryJson): DepositEntry {
  return { accountIndex: d.accountIndex, ax: BigInt(d.ax), ay: BigInt(d.ay), amount: BigInt(d.amount) };
}

export function encodeDeposit(d: DepositEntry): DepositEntryJson {
  return { accountIndex: d.accountIndex, ax: d.ax.toString(), ay: d.ay.toString(), amount: d.amount.toString() };
}

function decodeOp(op: BatchOpJson): Op {
  if (op.type !== "TRADE") return { type: op.type };
  return {
    type: "TRADE",
    maker: decodeOrder(op.maker),
    taker: decodeOrder(op.taker),
    q: BigInt(op.q),
    makerFeeBps: BigInt(op.makerFeeBps),
    takerFeeBps: BigInt(op.takerFeeBps),
  };
}

export function encodeOp(op: Op): BatchOpJson {
  if (op.type !== "TRADE") return { type: op.type };
  return {
    type: "TRADE",
    maker: encodeOrder(op.maker),
    taker: encodeOrder(op.taker),
    q: op.q.toString(),
    makerFeeBps: op.makerFeeBps.toString(),
    takerFeeBps: op.takerFeeBps.toString(),
  };
}

export function decodeBatch(b: BatchJson): Batch {
  return { header: decodeHeader(b.header), ops: b.ops.map(decodeOp), deposits: b.deposits.map(decodeDeposit) };
}

export function encodeBatch(b: Batch): BatchJson {
  return { header: encodeHeader(b.header), ops: b.ops.map(encodeOp), deposits: b.deposits.map(encodeDeposit) };
}

/** An account as JSON (`exists` false for an empty leaf). */
export function encodeAccount(index: number, a: Account): Record<string, unknown> {
  return {
    index,
    exists: a.ax !== 0n,
    ax: a.ax.toString(),
    ay: a.ay.toString(),
    nonce: a.nonce.toString(),
    collateral: a.collateral.toString(),
    positions: a.positions.map((p) => ({ marketId: p.marketId, size: p.size.toString(), fundingSnapshot: p.fundingSnapshot.toString() })),
  };
}

export function encodeAccountProof(p: AccountProof): Record<string, unknown> {
  return {
    index: p.index,
    leaf: p.leaf.toString(),
    siblings: p.siblings.map((level) => level.map(String)),
    accountsRoot: p.accountsRoot.toString(),
    globalHash: p.globalHash.toString(),
    stateRoot: p.stateRoot.toString(),
  };
}

/** A job as the API shows it: without the proof itself (see the proof route). */
export function jobView(j: Job): Record<string, unknown> {
  const { proof, publicSignals, ...rest } = j;
  void publicSignals;
  return { ...rest, hasProof: proof !== undefined };
}
