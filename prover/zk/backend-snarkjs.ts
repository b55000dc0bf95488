/**
 * The snarkjs backend: the zkey read once into memory (snarkjs accepts Uint8Arrays; its
 * issue 523) and `groth16.prove` on every witness, in WebAssembly, on ffjavascript's
 * curve threads (or on one thread, where the caller installed a single-thread curve).
 *
 * snarkjs proves whatever witness it is given, so each proof is verified before it is
 * returned: a witness that does not satisfy the constraints fails as PRV_ERR_WITNESS,
 * as it does with the native backend.
 */
import fs from "node:fs";
import os from "node:os";
import { BackendError } from "./backend-errors";
import type { KeySource, ProvingBackend } from "./backend";
import { snarkjs } from "./snarkjs";

export async function loadSnarkjsBackend(key: KeySource): Promise<ProvingBackend> {
  let zkey: Uint8Array;
  try {
    zkey = new Uint8Array(await fs.promises.readFile(key.zkeyPath));
  } catch (err) {
    throw new BackendError("PRV_ERR_ZKEY", `${key.zkeyPath}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const exported = await snarkjs.zKey.exportVerificationKey(zkey).catch((err: unknown) => {
    throw new BackendError("PRV_ERR_ZKEY", `${key.zkeyPath} is not a Groth16 zkey: ${String(err)}`, { cause: err });
  });
  assertSameKey(key, exported);
  return {
    name: "snarkjs",
    device: `cpu (WebAssembly), up to ${os.availableParallelism()} threads`,
    async prove(wtns) {
      let out;
      try {
        const t0 = performance.now();
        out = await snarkjs.groth16.prove(zkey, wtns);
        const t1 = performance.now();
        const ok = await snarkjs.groth16.verify(key.vkey, out.publicSignals, out.proof);
        if (!ok) throw new BackendError("PRV_ERR_WITNESS", "the witness does not satisfy the circuit's constraints (its proof fails the pairing check)");
        return { ...out, phases: { proveMs: t1 - t0, verifyMs: performance.now() - t1 } };
      } catch (err) {
        if (err instanceof BackendError) throw err;
        const text = err instanceof Error ? err.message : String(err);
        // snarkjs' own words for a witness of another size
        if (/Invalid witness length/i.test(text)) throw new BackendError("PRV_ERR_CIRCUIT_MISMATCH", `the witness is not for this proving key: ${text}`, { cause: err });
        throw new BackendError("PRV_ERR_PROVE", `snarkjs: ${text}`, { cause: err });
      }
    },
  };
}

/** The fields of a verification key that identify the circuit's key. */
const IDENTITY = ["nPublic", "vk_alpha_1", "vk_beta_2", "vk_gamma_2", "vk_delta_2", "IC"] as const;

/**
 * Refuses a zkey whose verification key is not the circuit's: a zkey of another
 * circuit (or of another setup) would make proofs no verifier of this circuit accepts.
 */
export function assertSameKey(key: KeySource, fromZkey: Record<string, unknown>): void {
  const wanted = key.vkey as unknown as Record<string, unknown>;
  const differs = IDENTITY.filter((f) => JSON.stringify(fromZkey[f]) !== JSON.stringify(wanted[f]));
  if (differs.length > 0) {
    throw new BackendError(
      "PRV_ERR_CIRCUIT_MISMATCH",
      `${key.zkeyPath} is not this circuit's proving key: its ${differs.join(", ")} differ from the circuit's verification key`,
    );
  }
}
