/**
 * JSON ↔ reference-rule values for the API. The batch codec itself lives in ONE
 * place, prover/codec/batch-codec.ts (the job store and the ledger use it too); this
 * module re-exports it under the API's names and adds what only the API shows
 * (accounts, Merkle proofs, jobs) and the body of `POST /v1/ops`.
 *
 * The route schemas (schemas.ts) check the shapes first; the codec checks them again
 * on the way in and names the field (`BatchFormatError`, answered as
 * PRV_ERR_VALIDATION), so a body that slipped past a schema is still refused cleanly.
 */
import type { Account } from "../state/account";
import type { Batch, Op } from "../state/batch";
import type { DepositEntry } from "../state/ops/deposit";
import type { LiquidateOp } from "../state/ops/liquidate";
import type { SettleOp } from "../state/ops/settle";
import type { WithdrawOp } from "../state/ops/withdraw";
import type { SignedOrder } from "../state/signing";
import type { BatchHeader } from "../state/trace";
import {
  BatchFormatError,
  parseBatch,
  parseDeposit,
  parseHeader,
  parseLiquidate,
  parseOp,
  parseOrder,
  parseWithdraw,
  serializeBatch,
  serializeDeposit,
  serializeHeader,
  serializeOp,
  serializeOrder,
  type SerializedBatch,
  type SerializedDepositEntry,
  type SerializedHeader,
  type SerializedLiquidateOp,
  type SerializedOp,
  type SerializedOracleSignature,
  type SerializedSettleOp,
  type SerializedSignedOrder,
  type SerializedWithdrawOp,
} from "../codec/batch-codec";
import type { AccountProof, Job } from "../service/engine-port";
import type { JobView } from "./wire-types";

export { BatchFormatError };
export type SignedOrderJson = SerializedSignedOrder;
export type OracleSignatureJson = SerializedOracleSignature;
export type HeaderJson = SerializedHeader;
export type DepositEntryJson = SerializedDepositEntry;
export type BatchOpJson = SerializedOp;
export type BatchJson = SerializedBatch;

export const encodeOrder: (o: SignedOrder) => SignedOrderJson = serializeOrder;
export const encodeHeader: (h: BatchHeader) => HeaderJson = serializeHeader;
export const encodeDeposit: (d: DepositEntry) => DepositEntryJson = serializeDeposit;
export const encodeOp: (op: Op) => BatchOpJson = serializeOp;
export const encodeBatch: (b: Batch) => BatchJson = serializeBatch;

/** @throws BatchFormatError naming the field (under `body`) */
export const decodeOrder = (o: unknown): SignedOrder => parseOrder(o, "body.order");
export const decodeHeader = (h: unknown): BatchHeader => parseHeader(h, "body");
export const decodeDeposit = (d: unknown): DepositEntry => parseDeposit(d, "body.entry");
export const decodeBatch = (b: unknown): Batch => parseBatch(b);

/**
 * The body of `POST /v1/ops` (sequencer mode), one op a client posts:
 * - `ORDER`: a signed order (matched against the book, or rests);
 * - `WITHDRAW`, `LIQUIDATE`, `SETTLE`: the op exactly as it appears in a batch;
 * - `DEPOSIT`, `FORCED_WITHDRAW`: the next L1 priority-queue entry (the service feeds
 *   these itself from the contract; the kinds are for an operator that feeds them).
 */
export type SubmitOpJson =
  | { type: "ORDER"; order: SignedOrderJson }
  | { type: "DEPOSIT"; entry: DepositEntryJson }
  | { type: "FORCED_WITHDRAW"; entry: DepositEntryJson }
  | SerializedWithdrawOp
  | SerializedLiquidateOp
  | SerializedSettleOp;

/** A decoded `POST /v1/ops` body. */
export type SubmitOp =
  | { kind: "ORDER"; order: SignedOrder }
  | { kind: "DEPOSIT"; entry: DepositEntry }
  | { kind: "FORCED_WITHDRAW"; entry: DepositEntry }
  | { kind: "WITHDRAW"; op: WithdrawOp }
  | { kind: "LIQUIDATE"; op: LiquidateOp }
  | { kind: "SETTLE"; op: SettleOp };

/** The op kinds `POST /v1/ops` takes. */
export const SUBMIT_KINDS = ["ORDER", "DEPOSIT", "FORCED_WITHDRAW", "WITHDRAW", "LIQUIDATE", "SETTLE"] as const;

/**
 * Decodes a `POST /v1/ops` body.
 * @throws BatchFormatError naming the field (`body.order.size: …`)
 */
export function decodeSubmitOp(body: unknown): SubmitOp {
  const type = typeof body === "object" && body !== null && !Array.isArray(body) ? (body as { type?: unknown }).type : undefined;
  const only = (keys: string[]): Record<string, unknown> => {
    const o = body as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!keys.includes(k)) throw new BatchFormatError(`body.${k}`, `unknown field (expected one of ${keys.join(", ")})`);
    return o;
  };
  switch (type) {
    case "ORDER":
      return { kind: "ORDER", order: parseOrder(only(["type", "order"]).order, "body.order") };
    case "DEPOSIT":
    case "FORCED_WITHDRAW":
      return { kind: type, entry: parseDeposit(only(["type", "entry"]).entry, "body.entry") };
    case "WITHDRAW":
      return { kind: "WITHDRAW", op: parseWithdraw(body, "body") };
    case "LIQUIDATE":
      return { kind: "LIQUIDATE", op: parseLiquidate(body, "body") };
    case "SETTLE": {
      const op = parseOp(body, "body");
      return { kind: "SETTLE", op: op as SettleOp };
    }
    default:
      throw new BatchFormatError("body.type", `expected one of ${SUBMIT_KINDS.map((k) => `"${k}"`).join(", ")}, got ${typeof type === "string" ? JSON.stringify(type.slice(0, 40)) : String(type)}`);
  }
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
export function jobView(j: Job): JobView {
  const { proof, publicSignals, ...rest } = j;
  void publicSignals;
  return { ...rest, hasProof: proof !== undefined };
}
