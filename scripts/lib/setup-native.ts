/**
 * The INSECURE dev Groth16 setup in the native addon (native/src/setup.rs): the key
 * snarkjs `zkey new` writes over the dev ptau of scripts/lib/ptau-dev.ts, byte for byte,
 * computed from the dev secrets without writing the ptau. Seconds where snarkjs takes
 * minutes (docs/decisions.md, "Native dev setup"). Never for a ceremony ptau: there the
 * secrets are unknown, which is the point.
 */
import { nativeAddon } from "../../prover/zk/backend-native";
import { devSecrets } from "./ptau-dev";

export type SetupErrorCode = "SETUP_ERR_INPUT" | "SETUP_ERR_IO" | "SETUP_ERR_NATIVE";

/** A refused or failed setup; `code` says whether the input or the machine is at fault. */
export class SetupError extends Error {
  constructor(
    readonly code: SetupErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "SetupError";
  }
}

/** What the native setup reports: the key's sizes, its csHash and where the time went (ms). */
export interface NativeSetupReport {
  nVars: number;
  nPublic: number;
  constraints: number;
  domainSize: number;
  csHash: string;
  timings: { r1csMs: number; scalarsMs: number; pointsMs: number; writeMs: number };
}

type DevSetupFn = (r1cs: string, zkey: string, tau: string, alpha: string, beta: string, power: number) => Promise<string>;

/** The addon's dev setup, or why it cannot run here (no addon, or one built before it). */
export function nativeDevSetup(): { run: DevSetupFn } | { problem: string } {
  const found = nativeAddon();
  if ("problem" in found) return { problem: found.problem };
  const fn = found.addon.devSetup;
  if (typeof fn !== "function") return { problem: "the native addon predates devSetup (npm run build:native)" };
  return { run: fn.bind(found.addon) };
}

/**
 * Writes to `zkey` the INSECURE dev key of `r1cs` over the dev ptau of 2^`power` (the
 * file itself is never needed). Throws SetupError: SETUP_ERR_INPUT for a bad r1cs or
 * a circuit too large for `power` (nothing written), SETUP_ERR_IO for a failed write,
 * SETUP_ERR_NATIVE when the addon cannot run.
 */
export async function runNativeDevSetup(r1cs: string, zkey: string, power: number, seed?: string): Promise<NativeSetupReport> {
  const found = nativeDevSetup();
  if ("problem" in found) throw new SetupError("SETUP_ERR_NATIVE", `native dev setup: ${found.problem}`);
  const { tau, alpha, beta } = devSecrets(seed);
  let text: string;
  try {
    text = await found.run(r1cs, zkey, tau.toString(), alpha.toString(), beta.toString(), power);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const m = /^(SETUP_ERR_INPUT|SETUP_ERR_IO): ([\s\S]*)$/.exec(message);
    throw m ? new SetupError(m[1] as SetupErrorCode, m[2], { cause: err }) : new SetupError("SETUP_ERR_NATIVE", `native dev setup: ${message}`, { cause: err });
  }
  return JSON.parse(text) as NativeSetupReport;
}
