/**
 * Whether the pipeline can make progress (docs/operations.md, "Alerts"): /ready answers
 * 503 and `zksettle_pipeline_stalled` reads 1 while it cannot. It cannot when a job has
 * failed (batches are submitted in order, so a failed batch holds back every later one
 * until it is retried or, the newest, cancelled), while a failed submission waits for
 * its automatic retry, or when the sequencer cannot store its cut batches or write its
 * journal.
 */
import { Gauge, type Registry } from "prom-client";
import type { SequencerIntake } from "../service/sequencer-intake";
import type { EnginePort } from "../service/engine-port";

/** Why the pipeline is stuck, or undefined when it is not. */
export async function pipelineStall(engine: EnginePort, intake: SequencerIntake | undefined): Promise<string | undefined> {
  const s = intake?.stalled;
  if (s !== undefined) return `${s.reason} (since ${new Date(s.since).toISOString()})`;
  const retrying = engine.stalled?.();
  if (retrying !== undefined) return retrying;
  const failed = (await engine.counts()).failed;
  if (failed > 0) return `${failed} failed job(s) hold back the batches after them: cancel the newest (POST /v1/jobs/{id}/cancel) or find what failed`;
  return undefined;
}

/** zksettle_pipeline_stalled: 1 while `stalled()` says the pipeline is stuck. */
export function registerPipelineGauge(registry: Registry, stalled: () => Promise<boolean>): void {
  new Gauge({
    name: "zksettle_pipeline_stalled",
    help: "1 while the pipeline cannot make progress (a failed job, or cut batches the engine does not take); /ready answers 503 meanwhile",
    registers: [registry],
    async collect() {
      this.set((await stalled().catch(() => true)) ? 1 : 0);
    },
  });
}
