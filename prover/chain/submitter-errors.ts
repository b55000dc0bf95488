/**
 * Typed errors of the chain submitter and the decoding of what a node answers: custom
 * errors of the settlement contract, nonce and fee refusals. Plain ethers v6; works with
 * a JSON-RPC node (ethers' error codes) and Hardhat's in-process network (its messages).
 */
import type { Interface } from "ethers";

/**
 * What went wrong with a submission.
 * - SUBMIT_REVERTED: the contract refused the batch; `revert` holds the decoded custom error.
 * - SUBMIT_STUCK: not mined after `maxAttempts` transactions (replacements included); the
 *   last one may still be pending, and the next `submit` replaces it (same nonce).
 * - SUBMIT_DROPPED: dropped from the mempool again and again until `maxAttempts`.
 * - SUBMIT_NONCE: the nonce kept being refused (another sender uses this key?).
 * - SUBMIT_SEND: the node refused the transaction for another reason (see `cause`).
 * - SUBMIT_INVALID: the arguments do not fit (proof length, root not in the data, numbering).
 */
export type SubmitErrorCode =
  | "SUBMIT_REVERTED"
  | "SUBMIT_STUCK"
  | "SUBMIT_DROPPED"
  | "SUBMIT_NONCE"
  | "SUBMIT_SEND"
  | "SUBMIT_INVALID";

/** A custom error of the settlement contract, decoded with its ABI. */
export interface DecodedRevert {
  /** The error's name, e.g. `StateRootMismatch`, `InvalidProof`; `unknown` when it could not be decoded. */
  readonly name: string;
  /** e.g. `StateRootMismatch(uint256,uint256)`; empty when unknown. */
  readonly signature: string;
  /** The error's arguments in ABI order (uint256 as bigint). */
  readonly args: readonly unknown[];
  /** The raw revert data (0x when none came back). */
  readonly data: string;
}

/**
 * The contract's refusals of a batch that no retry can turn into an acceptance, given
 * that the batch before it is confirmed (the engine submits in order): the data is
 * malformed (BatchDataLength, RiskTailLength, FieldOverflow), the batch consumes queue
 * entries the L1 queue does not have (DepositsOutOfRange: a later entry cannot make it
 * valid either, its queue hash would differ), or the verifier refuses the proof for the
 * input the contract computes from the data (InvalidProof). Every other revert may pass
 * later: OracleTimestampAhead (time), StateRootMismatch (a reorg under way), NotOperator
 * (fallback mode ends), Frozen (nothing a rewind could fix), an undecoded one (gas).
 */
const REFUSED_FOR_GOOD: ReadonlySet<string> = new Set(["BatchDataLength", "RiskTailLength", "FieldOverflow", "DepositsOutOfRange", "InvalidProof"]);

/** True when the contract refuses the batch for good (see REFUSED_FOR_GOOD). */
export function refusesForGood(revert: DecodedRevert): boolean {
  return REFUSED_FOR_GOOD.has(revert.name);
}

/** A revert whose data is missing or not one of the contract's errors (e.g. out of gas). */
export const UNKNOWN_REVERT: DecodedRevert = Object.freeze({ name: "unknown", signature: "", args: [], data: "0x" });

/** A failed submission. `code` is stable; the message is for people. */
export class SubmitError extends Error {
  override readonly name = "SubmitError";
  constructor(
    readonly code: SubmitErrorCode,
    message: string,
    readonly details: {
      /** The job's batch number (1-based). */
      readonly batchNumber: number;
      /** The last transaction sent for it, if any. */
      readonly txHash?: string;
      /** For SUBMIT_REVERTED: the contract's custom error. */
      readonly revert?: DecodedRevert;
      readonly cause?: unknown;
    },
  ) {
    super(`${code}: ${message}`);
  }
  get batchNumber(): number {
    return this.details.batchNumber;
  }
  get revert(): DecodedRevert | undefined {
    return this.details.revert;
  }
  get txHash(): string | undefined {
    return this.details.txHash;
  }
}

const HEX_DATA = /^0x([0-9a-fA-F]{2}){4,}$/;

/** Finds revert data in an error thrown by ethers or by a node, nested or not. */
export function findRevertData(err: unknown, depth = 0): string | undefined {
  if (err === null || typeof err !== "object" || depth > 5) return undefined;
  const o = err as Record<string, unknown>;
  if (typeof o.data === "string" && HEX_DATA.test(o.data)) return o.data;
  for (const key of ["revert", "error", "info", "cause", "data"]) {
    const found = findRevertData(o[key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** Decodes a custom error with the contract's interface; undefined when no revert data is found. */
export function decodeRevert(iface: Interface, err: unknown): DecodedRevert | undefined {
  const data = findRevertData(err);
  if (!data) return undefined;
  try {
    const parsed = iface.parseError(data);
    if (parsed) return { name: parsed.name, signature: parsed.signature, args: [...parsed.args], data };
  } catch {
    // not one of the contract's errors: fall through
  }
  return { name: "unknown", signature: "", args: [], data };
}

/** The messages of an error and of the errors it wraps, lowercased. */
function messages(err: unknown, depth = 0): string {
  if (err === null || typeof err !== "object" || depth > 5) return "";
  const o = err as Record<string, unknown>;
  const own = ["message", "shortMessage"].map((k) => (typeof o[k] === "string" ? (o[k] as string) : "")).join(" ");
  return [own, ...["error", "info", "cause"].map((k) => messages(o[k], depth + 1))].join(" ").toLowerCase();
}

/** What a node's refusal of `eth_sendTransaction`/`eth_sendRawTransaction` means. */
export type SendFailure = "nonce-low" | "nonce-high" | "underpriced" | "known" | "revert" | "other";

/** Classifies an error thrown while sending a transaction. */
export function classifySendError(err: unknown): SendFailure {
  const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
  const text = messages(err);
  if (code === "NONCE_EXPIRED" || /nonce too low|nonce has already been used|nonce is too low/.test(text)) return "nonce-low";
  if (/nonce too high|nonce gap/.test(text)) return "nonce-high";
  if (code === "REPLACEMENT_UNDERPRICED" || /underpriced|fee too low|replacement fee/.test(text)) return "underpriced";
  if (/already known|known transaction/.test(text)) return "known";
  if (code === "CALL_EXCEPTION" || findRevertData(err) !== undefined || /revert/.test(text)) return "revert";
  return "other";
}

/** The hash of the transaction an error belongs to, where the node names it (Hardhat's mined reverts). */
export function errorTxHash(err: unknown): string | undefined {
  if (err === null || typeof err !== "object") return undefined;
  const h = (err as { transactionHash?: unknown }).transactionHash;
  return typeof h === "string" && /^0x[0-9a-fA-F]{64}$/.test(h) ? h : undefined;
}
