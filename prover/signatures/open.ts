/**
 * The sequencer's signature checker as `--signature-checker` and `--signature-threads`
 * choose it: native (the addon) where it is built and allowed, else circomlibjs on
 * worker threads, else none (the event loop checks, as the sequencer always can).
 */
import type { SignatureChecker } from "./checker";
import { NativeSignatureChecker, nativeCrypto, useNativeCrypto } from "./native";
import { SignaturePool } from "./signature-pool";

export interface CheckerChoice {
  readonly signatureChecker: "auto" | "native" | "threads";
  readonly signatureThreads: number;
}

/**
 * The checker, or why the one asked for cannot run (`native` without the addon). With
 * the native checker the event loop's own verifications (batch headers, replays) use the
 * addon too (signatures and Poseidon); with threads, circomlibjs stays everywhere.
 */
export function openSignatureChecker(choice: CheckerChoice): { checker: SignatureChecker | undefined; note: string } | { problem: string } {
  if (choice.signatureChecker !== "threads") {
    const found = nativeCrypto();
    if ("verify" in found) {
      useNativeCrypto();
      return { checker: new NativeSignatureChecker(found.verify), note: "order signatures checked by the native addon on the libuv thread pool" };
    }
    if (choice.signatureChecker === "native") return { problem: `--signature-checker native: ${found.problem}` };
  }
  if (choice.signatureThreads <= 0) return { checker: undefined, note: "order signatures checked on the event loop (circomlibjs)" };
  return { checker: new SignaturePool(choice.signatureThreads), note: `order signatures checked by circomlibjs on ${choice.signatureThreads} worker thread(s)` };
}
