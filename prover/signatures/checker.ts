/**
 * What checks an order's signature before it reaches the sequencer (docs/service.md,
 * "Order intake"): the native addon on the libuv thread pool (native.ts), or
 * circomlibjs on worker threads (signature-pool.ts). Either records its verdict
 * (prover/state/verdicts.ts), so the sequencer's rules find it and do not verify again
 * on the event loop. Nothing is decided here: the sequencer still applies every rule.
 */
import type { PublicKey, Signature } from "../state/crypto";
import type { SignedOrder } from "../state/signing";

export interface SignatureChecker {
  /** `native` (the addon) or `threads` (circomlibjs on worker threads). */
  readonly kind: "native" | "threads";
  /** False until `warm` has finished: until then an order is checked on the event loop. */
  readonly ready: boolean;
  /** Verifies off the event loop and records the verdict; resolves to it. */
  verify(msg: bigint, sig: Signature, key: PublicKey): Promise<boolean>;
  /** `verify` of an order under an account's key. */
  verifyOrder(order: SignedOrder, key: PublicKey): Promise<boolean>;
  /** Starts whatever the checks run on; records no verdict. */
  warm(): Promise<void>;
  /** Checks accepted and not yet answered. */
  readonly queued: number;
  close(): Promise<void>;
}
