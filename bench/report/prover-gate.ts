/**
 * A prover stall or slowdown injected into a running service (bench/latency.ts): while
 * held, every proof the engine starts waits before it begins; the sequencer goes on
 * cutting batches and signing headers, which queue up. Slowed down, every proof waits a
 * fixed time first: a slower prover whatever else runs on the machine (busy processes
 * beside it show little on a machine that other work already loads). The service has no hook for this (a stall is a
 * fault, not a feature), so the bench wraps the engine's prover port in place.
 */
import type { Engine } from "../../prover/service/engine";
import type { ProverPort } from "../../prover/pool/prover-port";

/** Holds and releases the proofs of one engine, or slows each one down. */
export interface ProverGate {
  hold(): void;
  release(): void;
  /** Every proof started from now on first waits `ms` (0: none). */
  slowDown(ms: number): void;
}

/** Wraps `engine`'s prover port (once per engine). */
export function gateProver(engine: Engine): ProverGate {
  // the engine keeps its port in its options (engine.ts); a bench-only fault injection
  const pool = (engine as unknown as { o: { pool: ProverPort } }).o.pool;
  const prove = pool.prove.bind(pool);
  let open: Promise<void> = Promise.resolve();
  let release = (): void => undefined;
  let extraMs = 0;
  pool.prove = async (...args: Parameters<ProverPort["prove"]>) => {
    await open;
    if (extraMs > 0) await new Promise((r) => setTimeout(r, extraMs));
    return prove(...args);
  };
  return {
    hold: () => {
      open = new Promise((r) => (release = r));
    },
    release: () => release(),
    slowDown: (ms) => {
      extraMs = ms;
    },
  };
}
