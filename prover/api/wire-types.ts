/**
 * The JSON the API answers for jobs and capacity, as types the dashboard (ui/src/api.ts)
 * imports instead of keeping its own copies. Type-only and importing only plain files
 * (store/job-states.ts): the UI is typechecked without Node's types, so nothing here may
 * pull in the service's code. The routes check their answers against these types.
 */
import type { JobRecord } from "../store/job-states";

/** A job as GET /v1/jobs/{id} and GET /v1/jobs show it: without the batch and the proof (see the proof route). */
export interface JobView extends JobRecord {
  readonly hasProof: boolean;
}

/** What a job's batch holds (GET /v1/jobs, `ops`): non-NOOP ops, ops by type, deposits. */
export interface OpSummary {
  readonly total: number;
  readonly byType: Record<string, number>;
  readonly deposits: number;
}

/** GET /v1/jobs: the newest jobs, and each one's op summary by job id. */
export interface JobList {
  readonly jobs: JobView[];
  readonly ops?: Record<string, OpSummary>;
}

/** GET /v1/capacity (prover/api/routes/health.ts). */
export interface CapacityView {
  readonly queued: number;
  readonly maxQueued: number;
  readonly workers: number;
  readonly busy: number;
  /** The prover backend of the local threads (native or snarkjs). */
  readonly backend?: string;
  readonly accepting: boolean;
  readonly mode: "sequencer" | "batch";
  /** One machine, or this process's part in the leader election. */
  readonly role: "single" | "leader" | "follower";
  /** Sequencer mode only. */
  readonly sequencer?: { readonly pendingOps: number; readonly batchSize: number; readonly restingOrders: number; readonly outbox: number };
}
