/**
 * Verdicts of EdDSA-Poseidon verifications already made, so that a signature checked
 * once (on a worker thread when an order is posted, or when its batch was applied) is
 * not checked again on the event loop when the batch is applied, cut and stored. A
 * verdict is keyed by a SHA-256 of everything the verification reads (message,
 * signature, key), so a hit is the answer `verifyPoseidon` would give. Bounded: the
 * oldest verdicts are forgotten first.
 */
import { createHash } from "node:crypto";
import type { PublicKey, Signature } from "./crypto";

const LIMIT = 1 << 17;
const verdicts = new Map<string, boolean>();

function keyOf(msg: bigint, sig: Signature, key: PublicKey): string {
  return createHash("sha256").update(`${msg},${sig.R8x},${sig.R8y},${sig.S},${key.ax},${key.ay}`).digest("base64");
}

/** The verdict recorded for this message, signature and key, if any. */
export function knownVerdict(msg: bigint, sig: Signature, key: PublicKey): boolean | undefined {
  return verdicts.get(keyOf(msg, sig, key));
}

/**
 * Records what `verifyPoseidon(msg, sig, key)` returned. Only the result of that
 * function (here or on a worker thread running it) may be recorded.
 */
export function recordVerdict(msg: bigint, sig: Signature, key: PublicKey, ok: boolean): void {
  const k = keyOf(msg, sig, key);
  verdicts.delete(k);
  verdicts.set(k, ok);
  if (verdicts.size > LIMIT) verdicts.delete(verdicts.keys().next().value as string);
}
