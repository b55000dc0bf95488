/**
 * The submitter's public types: options, events, results, the clock.
 * Batch numbers are the job's, 1-based (on chain: batchNumber − 1).
 */
import type { FinalityRule } from "./finality-rule";
import type { Addressable, Interface, InterfaceAbi, Signer } from "ethers";
import type { Fees } from "./fees";

export type { Fees } from "./fees";

/** Time as the submitter sees it (tests may pass their own). */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}
export const systemClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

/** Why a transaction was sent: the first, one replacing a stuck one (same nonce), one after a drop. */
export type SendReason = "initial" | "replacement" | "resubmission";

/** What the submitter did, in order; awaited, so a handler may persist it (e.g. the txHash) first. */
export type SubmitterEvent =
  | ({ type: "sent"; batchNumber: number; txHash: string; nonce: number; attempt: number; reason: SendReason } & Fees)
  | { type: "mined"; batchNumber: number; txHash: string; blockNumber: number; status: number }
  | { type: "dropped"; batchNumber: number; txHash: string; nonce: number }
  | { type: "reorged-out"; batchNumber: number; txHash: string; blockNumber: number }
  | { type: "nonce-resync"; batchNumber: number; nonce: number }
  | { type: "already-finalized"; batchNumber: number; txHash: string; blockNumber: number };

export interface SubmitterOptions {
  /** The settlement contract: its address, or a contract handle (whose ABI is then used). */
  settlement: string | Addressable;
  /** The contract's ABI; defaults to the handle's, else to Hardhat's Settlement artifact. */
  abi?: InterfaceAbi | Interface;
  /** Hardhat's artifacts folder, for the default ABI. */
  artifactsDir?: string;
  /** The operator; must be connected to a provider. */
  signer: Signer;
  /** Blocks a finalization must have (1 = mined in the latest block). Default 1. */
  confirmations?: number;
  /** The chain's finality rule (finality-rule.ts); default: `confirmations` blocks and nothing else. */
  finality?: FinalityRule;
  /** Replace a transaction not mined after this long. Default 120 000. */
  replaceAfterMs?: number;
  /** Fee bump per replacement, ≥ 12.5 (nodes want ≥ 10 %). Default 12.5. */
  feeBumpPercent?: number;
  /** Transactions one `submit` may send (first, replacements, resubmissions). Default 8. */
  maxAttempts?: number;
  /** Poll interval for receipts, the mempool and the head. Default 2 000. */
  pollMs?: number;
  /** Gas limit = estimate × (100 + this) / 100. Default 25. */
  gasMarginPercent?: number;
  /** First block scanned for BatchFinalized events (the deployment block). Default 0. */
  fromBlock?: number;
  clock?: Clock;
  onEvent?: (event: SubmitterEvent) => void | Promise<void>;
}

export interface SubmitResult {
  readonly txHash: string;
  readonly blockNumber: number;
  readonly gasUsed: bigint;
  /** True where the batch was already on chain and this call sent nothing (more) for it. */
  readonly alreadyFinalized: boolean;
}

/** The options with their defaults, checked. */
export interface ResolvedOptions {
  confirmations: number;
  replaceAfterMs: number;
  feeBumpPercent: number;
  maxAttempts: number;
  pollMs: number;
  gasMarginPercent: bigint;
  fromBlock: number;
  clock: Clock;
}

/** Applies the defaults; throws RangeError on a value out of range. */
export function resolveOptions(o: SubmitterOptions): ResolvedOptions {
  const int = (name: string, v: number, min: number): number => {
    if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`${name} ${v} is not an integer ≥ ${min}`);
    return v;
  };
  const feeBumpPercent = o.feeBumpPercent ?? 12.5;
  if (!(feeBumpPercent >= 12.5 && feeBumpPercent <= 1000)) throw new RangeError(`feeBumpPercent ${feeBumpPercent} is not in [12.5, 1000]`);
  return {
    confirmations: int("confirmations", o.confirmations ?? 1, 1),
    replaceAfterMs: int("replaceAfterMs", o.replaceAfterMs ?? 120_000, 1),
    feeBumpPercent,
    maxAttempts: int("maxAttempts", o.maxAttempts ?? 8, 1),
    pollMs: int("pollMs", o.pollMs ?? 2_000, 1),
    gasMarginPercent: BigInt(int("gasMarginPercent", o.gasMarginPercent ?? 25, 0)),
    fromBlock: int("fromBlock", o.fromBlock ?? 0, 0),
    clock: o.clock ?? systemClock,
  };
}
