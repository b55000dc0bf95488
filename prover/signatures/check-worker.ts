/**
 * A signature-check thread (signature-pool.ts): EdDSA-Poseidon verifications with
 * circomlibjs, the same `verifyNow` the event loop would run.
 */
import path from "node:path";
import { installWebWorkerShim } from "../pool/web-worker-shim";
import { initCrypto, verifyNow } from "../state/crypto";
import type { CheckTask } from "./types";

// circomlibjs's own ffjavascript requires web-worker, which breaks in a piscina thread (web-worker-shim.ts)
installWebWorkerShim(path.dirname(require.resolve("circomlibjs")));

export default async function check(task: CheckTask): Promise<boolean> {
  await initCrypto(); // once per thread; SignaturePool.warm calls it before the first order
  return verifyNow(task.msg, task.sig, task.key);
}
