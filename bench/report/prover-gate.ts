/**
 * A prover stall injected into a running service (bench/latency.ts): while held, every
 * proof the engine starts waits before it begins; the sequencer goes on cutting batches
 * and signing headers, which queue up. The service has no hook for this (a stall is a
 * fault, not a feature), so the bench wraps the engine's prover port in place.
 */
import type { Engine } from "../../prover/service/engine";
import type { ProverPort } from "../../prover/service/ports";

/** Holds and releases the proofs of one engine. */
export interface ProverGate {
  hold(): void;
  release(): void;
}

/** Wraps `engine`'s prover port (once per engine). */
export function gateProver(engine: Engine): ProverGate {
  // the engine keeps its port in its options (engine.ts); a bench-only fault injection
  const pool = (engine as unknown as { o: { pool: ProverPort } }).o.pool;
  const prove = pool.prove.bind(pool);
  let open: Promise<void> = Promise.resolve();
  let release = (): void => undefined;
  pool.prove = async (...args: Parameters<ProverPort["prove"]>) => {
    await open;
    return prove(...args);
  };
  return {
    hold: () => {
      open = new Promise((r) => (release = r));
    },
    release: () => release(),
  };
}
