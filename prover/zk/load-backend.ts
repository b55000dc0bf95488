/**
 * Picks and loads a prover backend: `auto` is native where its addon is built and
 * loads, snarkjs otherwise; an explicit `native` on a machine without the addon is an
 * error (PRV_ERR_BACKEND_UNAVAILABLE) instead of a silent fallback.
 */
import { BACKEND_NAMES, type BackendChoice, type BackendName, type KeySource, type ProvingBackend } from "./backend";
import { loadNativeBackend, nativeAddon } from "./backend-native";
import { loadSnarkjsBackend } from "./backend-snarkjs";

/** The backend `choice` means on this machine, and why when `auto` fell back to snarkjs. */
export function resolveBackend(choice: BackendChoice): { name: BackendName; fallback?: string } {
  if (choice !== "auto") return { name: choice };
  const found = nativeAddon();
  return "problem" in found ? { name: "snarkjs", fallback: found.problem } : { name: "native" };
}

/** Why `choice` cannot prove on this machine (an explicit `native` without its addon), or undefined. */
export function backendProblem(choice: BackendChoice): string | undefined {
  if (choice !== "native") return undefined;
  const found = nativeAddon();
  return "problem" in found ? `prover: native backend unavailable: ${found.problem}` : undefined;
}

/** Parses a `--prover` value. */
export function parseBackendChoice(v: string): BackendChoice {
  if (v === "auto" || (BACKEND_NAMES as readonly string[]).includes(v)) return v as BackendChoice;
  throw new RangeError(`prover backend "${v}": expected one of auto, ${BACKEND_NAMES.join(", ")}`);
}

/** Loads `key` into the backend `choice` resolves to. */
export function loadBackend(choice: BackendChoice, key: KeySource): Promise<ProvingBackend> {
  return resolveBackend(choice).name === "native" ? loadNativeBackend(key) : loadSnarkjsBackend(key);
}
