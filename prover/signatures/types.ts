/** What a signature-check thread is sent: one EdDSA-Poseidon verification. */
import type { PublicKey, Signature } from "../state/crypto";

export interface CheckTask {
  readonly msg: bigint;
  readonly sig: Signature;
  readonly key: PublicKey;
}
