/**
 * A signature-check thread (signature-pool.ts): EdDSA-Poseidon verifications with
 * circomlibjs, the same `verifyNow` the event loop would run.
 */
import { initCrypto, verifyNow } from "../state/crypto";
import type { CheckTask } from "./types";

export default async function check(task: CheckTask): Promise<boolean> {
  await initCrypto();
  return verifyNow(task.msg, task.sig, task.key);
}
