/**
 * Prometheus metrics of the service (prom-client), on a registry of their own so
 * that tests can build many services in one process. Gauges that mirror someone
 * else's state (queue depth, jobs by state, the sequencer) read it when scraped,
 * from the sources given to `bind`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Capacity, JobState } from "./engine-port";
import { JOB_STATES } from "./engine-port";
import { OpLatency } from "./op-latency";

/** What the scrape-time gauges read. */
export interface MetricSources {
  counts?(): Record<JobState, number> | Promise<Record<JobState, number>>;
  capacity?(): Capacity | Promise<Capacity>;
  sequencer?(): { pendingOps: number; restingOrders: number; outbox: number };
  /** Many machines: whether this process leads. */
  leader?(): boolean;
}

const WINDOW_MS = 60_000;

export class ServiceMetrics {
  readonly registry = new Registry();
  private sources: MetricSources = {};
  private readonly proofTimes: number[] = [];
  private readonly now: () => number;

  readonly queueDepth: Gauge;
  readonly jobs: Gauge<"state">;
  readonly stageSeconds: Histogram<"stage">;
  readonly proofs: Counter;
  readonly proofsPerSecond: Gauge;
  readonly gasUsed: Counter;
  readonly batchGas: Histogram;
  readonly errors: Counter<"code">;
  readonly httpRequests: Counter<"method" | "route" | "status">;
  readonly httpSeconds: Histogram<"method" | "route">;
  readonly sequencerPending: Gauge;
  readonly sequencerResting: Gauge;
  readonly leader: Gauge;
  readonly sequencerOutbox: Gauge;
  readonly opLatencySeconds: Histogram<"stage">;
  /** Where the sequencer and the engine report an op's way to finality (op-latency.ts). */
  readonly opLatency: OpLatency;

  /**
   * @param opts.defaults - also collect the process metrics (CPU, memory, event loop)
   * @param opts.now - clock for the proofs-per-second window
   */
  constructor(opts: { defaults?: boolean; now?: () => number } = {}) {
    this.now = opts.now ?? Date.now;
    const registers = [this.registry];
    // prom-client calls collect() with the metric as `this`; the collectors reach the
    // service through this name.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    if (opts.defaults ?? true) collectDefaultMetrics({ register: this.registry, prefix: "zksettle_" });
    this.queueDepth = new Gauge({
      name: "zksettle_queue_depth",
      help: "Jobs not yet final (queued or in the pipeline)",
      registers,
      async collect() {
        const c = await self.sources.capacity?.();
        if (c !== undefined) this.set(c.queued);
      },
    });
    this.jobs = new Gauge({
      name: "zksettle_jobs",
      help: "Jobs by state",
      labelNames: ["state"],
      registers,
      async collect() {
        const counts = await self.sources.counts?.();
        if (counts !== undefined) for (const s of JOB_STATES) this.set({ state: s }, counts[s] ?? 0);
      },
    });
    this.stageSeconds = new Histogram({
      name: "zksettle_stage_duration_seconds",
      help: "Time a job spent in each stage",
      labelNames: ["stage"],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
      registers,
    });
    this.proofs = new Counter({ name: "zksettle_proofs_total", help: "Proofs made and verified", registers });
    this.proofsPerSecond = new Gauge({
      name: "zksettle_proofs_per_second",
      help: "Proofs per second over the last minute",
      registers,
      collect() {
        this.set(self.proofRate());
      },
    });
    this.gasUsed = new Counter({ name: "zksettle_gas_used_total", help: "Gas used by confirmed batch submissions", registers });
    this.batchGas = new Histogram({
      name: "zksettle_batch_gas_used",
      help: "Gas used per confirmed batch",
      buckets: [100_000, 200_000, 300_000, 500_000, 750_000, 1_000_000, 2_000_000, 5_000_000],
      registers,
    });
    this.errors = new Counter({ name: "zksettle_errors_total", help: "Errors by code (PRV_ERR_* of the API, or the engine's)", labelNames: ["code"], registers });
    this.httpRequests = new Counter({ name: "zksettle_http_requests_total", help: "HTTP requests", labelNames: ["method", "route", "status"], registers });
    this.httpSeconds = new Histogram({
      name: "zksettle_http_request_duration_seconds",
      help: "HTTP request duration",
      labelNames: ["method", "route"],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.sequencerPending = new Gauge({
      name: "zksettle_sequencer_pending_ops",
      help: "Ops accepted for the next batch",
      registers,
      collect() {
        const s = self.sources.sequencer?.();
        if (s !== undefined) this.set(s.pendingOps);
      },
    });
    this.sequencerResting = new Gauge({
      name: "zksettle_sequencer_resting_orders",
      help: "Resting orders over all markets",
      registers,
      collect() {
        const s = self.sources.sequencer?.();
        if (s !== undefined) this.set(s.restingOrders);
      },
    });
    this.sequencerOutbox = new Gauge({
      name: "zksettle_sequencer_outbox",
      help: "Batches the sequencer cut that the engine has not yet taken",
      registers,
      collect() {
        const s = self.sources.sequencer?.();
        if (s !== undefined) this.set(s.outbox);
      },
    });
    this.opLatencySeconds = new Histogram({
      name: "zksettle_op_latency_seconds",
      help: "Sequencer: time from an op's acknowledgement to its batch being cut, proven and final",
      labelNames: ["stage"],
      buckets: [0.01, 0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800],
      registers,
    });
    this.opLatency = new OpLatency(this.opLatencySeconds, this.now);
    // registered by `bind` only when there is a lease (one machine: not reported, docs/operations.md)
    this.leader = new Gauge({
      name: "zksettle_leader",
      help: "Many machines: 1 while this process holds the leader lease, else 0 (one machine: not reported)",
      registers: [],
      collect() {
        const l = self.sources.leader?.();
        if (l !== undefined) this.set(l ? 1 : 0);
      },
    });
  }

  /** Sets what the scrape-time gauges read (merged with earlier sources). */
  bind(sources: MetricSources): void {
    this.sources = { ...this.sources, ...sources };
    if (this.sources.leader !== undefined && this.registry.getSingleMetric("zksettle_leader") === undefined) this.registry.registerMetric(this.leader);
  }

  /** A job left a stage after `ms`. */
  observeStage(stage: JobState, ms: number): void {
    this.stageSeconds.observe({ stage }, ms / 1000);
  }

  /** A proof was made and verified. */
  proofDone(): void {
    this.proofs.inc();
    const t = this.now();
    this.proofTimes.push(t);
    while (this.proofTimes.length > 0 && this.proofTimes[0] < t - WINDOW_MS) this.proofTimes.shift();
  }

  /** Proofs per second over the last minute. */
  proofRate(): number {
    const t = this.now();
    while (this.proofTimes.length > 0 && this.proofTimes[0] < t - WINDOW_MS) this.proofTimes.shift();
    return this.proofTimes.length / (WINDOW_MS / 1000);
  }

  /** A batch was confirmed with this much gas. */
  gas(used: bigint | number | string): void {
    const n = Number(used);
    if (!Number.isFinite(n) || n < 0) return;
    this.gasUsed.inc(n);
    this.batchGas.observe(n);
  }

  /** An error with a code. */
  error(code: string): void {
    this.errors.inc({ code });
  }

  /** The text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
