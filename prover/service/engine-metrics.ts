/**
 * The engine's job events as metrics: each stage's duration once per attempt, a proof
 * when a job leaves verifying, gas when it is confirmed, the error code when it fails
 * (also a submission that failed and is retried).
 */
import type { Job, JobState } from "../store/job-store";
import type { Engine } from "./engine";
import type { ServiceMetrics } from "./metrics";

/** Feeds the metrics from the engine's job events: stage durations, proofs, gas, errors. */
export function attachEngineMetrics(engine: Engine, metrics: ServiceMetrics): void {
  const seen = new Map<string, { state: JobState; stages: Set<string> }>();
  engine.on("job", (job: Job) => {
    metrics.opLatency.job(job);
    const prev = seen.get(job.id);
    const stages = prev?.stages ?? new Set<string>();
    for (const [stage, ms] of Object.entries(job.stageMs) as [JobState, number][]) {
      const k = `${job.attempts}:${stage}`;
      if (stages.has(k) || typeof ms !== "number") continue;
      stages.add(k);
      metrics.observeStage(stage, ms);
    }
    if (job.state !== prev?.state) {
      if (job.state === "submitting" && prev?.state === "verifying") metrics.proofDone();
      if (job.state === "confirmed" && job.gasUsed !== undefined) metrics.gas(job.gasUsed);
      if (job.state === "failed") metrics.error(job.error?.code ?? "PRV_ERR_INTERNAL");
    } else if (job.state === "submitting" && job.error !== undefined) {
      // a failed submission that stays submitting, to be retried (engine-retry.ts)
      metrics.error(job.error.code);
    }
    if (job.state === "confirmed" || job.state === "cancelled") seen.delete(job.id);
    else seen.set(job.id, { state: job.state, stages });
  });
}
