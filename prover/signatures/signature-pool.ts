/**
 * Signature checks on worker threads running circomlibjs itself (checker.ts): the
 * checker where the native addon is not built, or `--signature-checker threads`. A
 * posted order's EdDSA-Poseidon signature is verified on one of a few threads, in
 * parallel with other requests, and the verdict is recorded.
 */
import path from "node:path";
import { Piscina } from "piscina";
import type { PublicKey, Signature } from "../state/crypto";
import { orderHash, type SignedOrder } from "../state/signing";
import { recordVerdict } from "../state/verdicts";
import type { SignatureChecker } from "./checker";
import type { CheckTask } from "./types";

/** Under ts-node the thread starts from a .js file that registers ts-node (check-worker.boot.js). */
function workerFile(): string {
  return __filename.endsWith(".ts") ? path.join(__dirname, "check-worker.boot.js") : path.join(__dirname, "check-worker.js");
}

export class SignaturePool implements SignatureChecker {
  readonly kind = "threads";
  private readonly piscina: Piscina<CheckTask, boolean>;
  /** True once `warm` has finished: until then an order is checked on the event loop, as without threads. */
  ready = false;

  /** @param threads - worker threads (each holds its own circomlibjs instance) */
  constructor(readonly threads: number) {
    this.piscina = new Piscina<CheckTask, boolean>({ filename: workerFile(), minThreads: threads, maxThreads: threads, idleTimeout: Number.POSITIVE_INFINITY });
  }

  /** Verifies on a thread and records the verdict; resolves to it. */
  async verify(msg: bigint, sig: Signature, key: PublicKey): Promise<boolean> {
    const ok = await this.piscina.run({ msg, sig: { R8x: sig.R8x, R8y: sig.R8y, S: sig.S }, key: { ax: key.ax, ay: key.ay } });
    recordVerdict(msg, sig, key, ok);
    return ok;
  }

  /** `verify` of an order under an account's key. */
  verifyOrder(order: SignedOrder, key: PublicKey): Promise<boolean> {
    return this.verify(orderHash(order), order, key);
  }

  /**
   * Starts every thread and loads circomlibjs in it (seconds under ts-node), so that the
   * first orders need not wait for that. Records no verdict.
   */
  async warm(): Promise<void> {
    const nothing: CheckTask = { msg: 0n, sig: { R8x: 0n, R8y: 0n, S: 0n }, key: { ax: 0n, ay: 0n } };
    await Promise.all(Array.from({ length: this.threads }, () => this.piscina.run(nothing)));
    this.ready = true;
  }

  /** Checks waiting for a thread. */
  get queued(): number {
    return this.piscina.queueSize;
  }

  close(): Promise<void> {
    return this.piscina.destroy();
  }
}
