/**
 * The JSON the API answers for jobs and capacity, as types the dashboard (ui/src/api.ts)
 * imports instead of keeping its own copies. Type-only and importing only plain files
 * (store/job-states.ts, risk/views.ts): the UI is typechecked without Node's types, so nothing here may
 * pull in the service's code. The routes check their answers against these types.
 */
import type { JobRecord } from "../store/job-states";
import type { Horizon, MarketRiskView, RiskHistoryPoint, UpgradeEffect } from "../risk/views";

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

// -- the risk routes (prover/api/routes/risk.ts): the plain parts come from risk/views.ts
// (a file that imports nothing); the rest (amounts as strings, the overrides' log) is
// the JSON form written out here, and the routes return these types, so a field the
// service renames breaks the route's build, not the dashboard at run time.

/** One market of GET /v1/risk. */
export type MarketRiskWire = MarketRiskView;

/** The time-to-finality quantiles, seconds; `count` only on a stage's own quantiles. */
export interface QuantilesWire {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly count?: number;
}

/** GET /v1/risk: the last risk update. */
export interface RiskView {
  readonly timeToFinality: QuantilesWire & { readonly stages: Readonly<Record<string, QuantilesWire>> };
  /** The T the scan ranges use, seconds. */
  readonly T: number;
  /** T and what set it. */
  readonly horizon: Horizon;
  /** Upgrade windows near or open. */
  readonly upgrade: UpgradeEffect;
  /** The named emergency override is on. */
  readonly emergency: boolean;
  /** The node's `web3_clientVersion` (null: not read). */
  readonly clientVersion: { readonly current: string; readonly previous?: string; readonly changedAt?: number } | null;
  readonly percentile: "p50" | "p95" | "p99";
  readonly z: number;
  readonly mmBps: number;
  readonly publish: boolean;
  /** How many accounts the next arrays would put below maintenance. */
  readonly atRisk: number;
  readonly markets: readonly MarketRiskWire[];
}

/** One point of GET /v1/risk/history. */
export type RiskHistoryPointWire = RiskHistoryPoint;

/** GET /v1/risk/history. */
export interface RiskHistoryView {
  readonly points: readonly RiskHistoryPointWire[];
}

/** One account of GET /v1/risk/at-risk: amounts as decimal strings (bigints). */
export interface AtRiskAccountWire {
  readonly index: number;
  readonly equity: string;
  readonly maintenanceNow: string;
  readonly maintenanceNext: string;
  readonly shortfall: string;
}

/** GET /v1/risk/at-risk. */
export interface AtRiskView {
  readonly accounts: readonly AtRiskAccountWire[];
}

/** GET and POST /v1/risk/overrides: the overrides in force and their audit log (risk/overrides.ts `Overrides`). */
export interface OverridesView {
  readonly values: Readonly<Partial<Record<string, number>>>;
  readonly log: readonly { readonly seq: number; readonly who: string; readonly when: number; readonly key: string; readonly previous: number | null; readonly value: number | null; readonly reason: string }[];
}
