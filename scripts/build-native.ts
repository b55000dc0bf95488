/**
 * `npm run build:native`: builds the native prover addon (scripts/lib/native-build.ts).
 * Exits 1 when it cannot (no cargo, a failed build), so CI fails instead of falling
 * back to snarkjs unseen.
 */
import { buildNative } from "./lib/native-build";

buildNative()
  .then((b) => {
    if ("problem" in b) {
      console.error(`native prover not built: ${b.problem}`);
      process.exit(1);
    }
    console.log(`native prover ready: ${b.addon}`);
  })
  .catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
