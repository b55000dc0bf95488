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

// -- the risk routes (prover/api/routes/risk.ts). The service's own types (risk/plan.ts,
// risk/horizon.ts, risk/upgrades.ts, risk/overrides.ts) import code the UI must not load,
// so the answers are written out here and the routes return them typed: a field the
// service renames breaks the route's build, not the dashboard at run time.

/** One market of GET /v1/risk (risk/plan.ts `MarketRiskView`). */
export interface MarketRiskWire {
  readonly market: number;
  /** σ after overrides, annualised. */
  readonly sigmaAnnual: number;
  /** Scan range latency asks for (fraction of the price, floored) or the pinned one. */
  readonly targetScan: number;
  /** Scan range of the arrays after the step. */
  readonly appliedScan: number;
  readonly multiplier: number;
  readonly pinned: boolean;
}

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
  /** T and what set it (risk/horizon.ts `Horizon`). */
  readonly horizon: {
    readonly T: number;
    readonly windowSeconds: number;
    readonly stallSeconds: number;
    readonly reorgSeconds: number;
    readonly upgradeSeconds: number;
    readonly source: "window" | "stall" | "upgrade" | "override";
  };
  /** Upgrade windows near or open (risk/upgrades.ts `UpgradeEffect`). */
  readonly upgrade: { readonly multiplier: number; readonly latencySeconds: number; readonly windows: readonly { readonly name: string; readonly phase: "ahead" | "open" }[] };
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

/** One point of GET /v1/risk/history (risk/source.ts `RiskHistoryPoint`). */
export interface RiskHistoryPointWire {
  /** ms since epoch */
  readonly at: number;
  readonly T: number;
  readonly publish: boolean;
  readonly markets: readonly { readonly market: number; readonly targetScan: number; readonly appliedScan: number; readonly multiplier: number }[];
}

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
