/**
 * Fakes of the engine and the ledger for the API tests: the engine validates each
 * batch with the reference rules against its ledger (as the real one does), keeps
 * jobs in memory and moves them along the pipeline when told to.
 */
import type { SignatureChecker } from "../../../prover/signatures/checker";
import type { LeadershipPort } from "../../../prover/service/leadership";
import type { RiskSource } from "../../../prover/risk/source";
import { NO_OVERRIDES, applyOverride, type Overrides } from "../../../prover/risk/overrides";
import type { IdempotencyRecords } from "../../../prover/store/records";
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../../../prover/api/app";
import { hashApiKey } from "../../../prover/api/auth";
import { JOB_STATES, type AccountProof, type Capacity, type EnginePort, type Job, type JobState, type LedgerPort } from "../../../prover/service/engine-port";
import { CI_PARAMS, devGenesis, signedHeader } from "../../../prover/dev/fixtures";
import { defaultConfig, type Config } from "../../../prover/service/config";
import { createLogger } from "../../../prover/log/logger";
import { ServiceMetrics } from "../../../prover/service/metrics";
import { Sequencer } from "../../../prover/service/sequencer";
import { SequencerIntake } from "../../../prover/service/sequencer-intake";
import { serializeBatch } from "../../../prover/codec/batch-codec";
import { SqliteJobStore } from "../../../prover/store/sqlite-store";
import { applyBatch, type Batch } from "../../../prover/state/batch";
import type { Params } from "../../../prover/state/params";
import type { State } from "../../../prover/state/state";
import { cutWhileReady } from "../../../prover/run/cut-timer-hooks";

export const API_KEY = "test-key-do-not-use";
export const AUTH = { authorization: `Bearer ${API_KEY}` };
export const PARAMS: Params = { ...CI_PARAMS, batchSize: 4 };

const PROOF = { pi_a: ["1", "2", "1"], pi_b: [["3", "4"], ["5", "6"], ["1", "0"]], pi_c: ["7", "8", "1"], protocol: "groth16", curve: "bn128" };

export class FakeEngine implements EnginePort, LedgerPort {
  readonly jobs = new Map<string, Job & { batch: Batch }>();
  private readonly byKey = new Map<string, string>();
  state: State;
  maxQueued: number;
  submitCalls = 0;

  constructor(state: State, maxQueued = 1000) {
    this.state = state;
    this.maxQueued = maxQueued;
  }

  private unfinished(): number {
    let n = 0;
    for (const j of this.jobs.values()) if (!["confirmed", "failed", "cancelled"].includes(j.state)) n++;
    return n;
  }

  submitBatch(batch: Batch, idempotencyKey?: string): Job {
    this.submitCalls++;
    const known = idempotencyKey === undefined ? undefined : this.byKey.get(idempotencyKey);
    if (known !== undefined) return this.jobs.get(known)!;
    if (this.unfinished() >= this.maxQueued) throw Object.assign(new Error("queue full"), { code: "QUEUE_FULL" });
    const { state, trace } = applyBatch(this.state, batch);
    this.state = state;
    const now = Date.now();
    const job = {
      id: randomUUID(),
      batchNumber: this.jobs.size + 1,
      state: "queued" as JobState,
      progress: 0,
      attempts: 0,
      idempotencyKey,
      oldStateRoot: trace.oldStateRoot.toString(),
      newStateRoot: trace.newStateRoot.toString(),
      inputHash: "0",
      createdAt: now,
      updatedAt: now,
      stageMs: {},
      batch,
    };
    this.jobs.set(job.id, job);
    if (idempotencyKey !== undefined) this.byKey.set(idempotencyKey, job.id);
    return job;
  }

  /** Moves a job to `state` (with a proof from `verifying` on). */
  set(id: string, state: JobState): void {
    const j = this.jobs.get(id)!;
    const proven = ["verifying", "submitting", "confirmed"].includes(state);
    this.jobs.set(id, { ...j, state, progress: proven ? 1 : 0.5, ...(proven ? { proof: PROOF, publicSignals: ["12345"] } : {}) });
  }

  getJob(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  cancel(id: string): Job | undefined {
    const j = this.jobs.get(id);
    if (j === undefined || ["confirmed", "failed", "cancelled"].includes(j.state)) return j;
    this.set(id, "cancelled");
    return this.jobs.get(id);
  }

  counts(): Record<JobState, number> {
    const c = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    for (const j of this.jobs.values()) c[j.state]++;
    return c;
  }

  capacity(): Capacity {
    return { queued: this.unfinished(), maxQueued: this.maxQueued, workers: 1, busy: 0 };
  }

  account(i: number) {
    return this.state.account(i);
  }

  accountProof(i: number): AccountProof {
    const s = this.state;
    return { index: i, leaf: s.tree.get(i), siblings: s.tree.siblings(i), accountsRoot: s.accountsRoot(), globalHash: s.globalHash(), stateRoot: s.stateRoot() };
  }

  pendingState(): State {
    return this.state;
  }
}

export interface TestService {
  app: FastifyInstance;
  engine: FakeEngine;
  sequencer?: Sequencer;
  intake?: SequencerIntake;
  genesis: State;
  metrics: ServiceMetrics;
  logs: string[];
}

/** A service over fakes; `mode` picks the way in. Close `app` after reading every body. */
export async function testService(
  opts: {
    mode?: Config["mode"];
    config?: Partial<Config>;
    maxQueued?: number;
    devOracle?: boolean;
    engine?: (genesis: State) => FakeEngine;
    leadership?: LeadershipPort;
    risk?: RiskSource;
    records?: IdempotencyRecords;
    signatures?: SignatureChecker;
  } = {},
): Promise<TestService> {
  const genesis = await devGenesis(PARAMS);
  const engine = opts.engine?.(genesis) ?? new FakeEngine(genesis, opts.maxQueued);
  const mode = opts.mode ?? "batch";
  const config: Config = { ...defaultConfig(), mode, apiKeyHashes: [hashApiKey(API_KEY)], rateLimit: 0, logLevel: "silent", ...opts.config };
  const sequencer =
    mode === "sequencer"
      ? new Sequencer({
          state: genesis,
          clock: Date.now,
          batchIntervalMs: config.batchInterval * 1000,
          maxRestingOrders: config.maxRestingOrders,
          devOracle: opts.devOracle ? (s, now) => signedHeader(s, s.global.oracleTimestamp + 1n + BigInt(Math.floor(now / 1e12))) : undefined,
        })
      : undefined;
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      if (logs.length < 10_000) logs.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger("info", sink);
  const metrics = new ServiceMetrics({ defaults: false });
  // the journal in a throwaway SQLite store (the service's is its job store)
  const intake =
    sequencer &&
    new SequencerIntake(
      sequencer,
      new SqliteJobStore(":memory:"),
      { submitBatch: async (b) => engine.submitBatch(b), ledgerState: () => engine.state, ledgerBatches: async () => [...engine.jobs.values()].map((j) => ({ batchNumber: j.batchNumber, jobId: j.id, batch: serializeBatch(j.batch) })) },
      logger,
    );
  const app = await buildApp({ engine, ledger: engine, intake, config, metrics, logger, leadership: opts.leadership, risk: opts.risk, records: opts.records, signatures: opts.signatures });
  // as zksettle serve wires it (run/bootstrap.ts): the app does not cut by time itself
  cutWhileReady(app, intake, config.batchInterval);
  await app.ready();
  return { app, engine, sequencer, intake, genesis, metrics, logs };
}

/** A header for the engine's ledger at `timestamp` (batch mode). */
export function headerFor(state: State, timestamp: bigint) {
  return signedHeader(state, timestamp);
}

/** A risk source in memory (no plan) whose overrides the routes change; `current` is what they are now. */
export function memoryRisk(markets = PARAMS.markets): RiskSource & { current: Overrides } {
  const r = {
    current: NO_OVERRIDES,
    plan: () => undefined,
    overrides: () => r.current,
    setOverride: (c: Parameters<typeof applyOverride>[1]) => (r.current = applyOverride(r.current, c, markets)),
  };
  return r;
}
