/**
 * Before `hardhat test`: the `ci` circuit, its INSECURE dev keys and verifier, and the
 * contracts, each built only if missing or stale (cached by content hash).
 */
import { ensureBuilt } from "./lib/pipeline";
import { terminateCurves } from "../prover/zk/prover";

ensureBuilt("ci")
  .then(async (b) => {
    console.log(`ci circuit ready: ${b.circuit.constraints} constraints, ptau 2^${b.setup.power}`);
    await terminateCurves();
  })
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exit(1);
  });
