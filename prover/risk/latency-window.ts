/**
 * Rolling windows of latency samples, one per stage of a batch's way to finality,
 * and the time to finality T that sizes the scan range (docs/risk.md section 1).
 *
 * ```
 * stages    proving      queue wait + witness + proof + local verification (service)
 *           submission   proof ready → transaction accepted by the node (service)
 *           inclusion    transaction sent → mined in a block (chain)
 *           confirmations inclusion block → final under the chain's rule (chain)
 * q_stage   exact q-quantile of the stage's last `size` samples (nearest rank)
 * T_q       Σ_stage q_stage                                  q ∈ {p50, p95, p99}
 * ```
 *
 * Estimator. Each stage keeps its last `size` samples in a ring buffer; a quantile is
 * the nearest-rank order statistic of that window, `x_(⌈q·n⌉)`, so every reported value
 * is a sample that was really observed (no interpolation) and the cost is one sort of
 * at most `size` numbers per query. T_q is the SUM of the stage quantiles, which is at
 * least the q-quantile of the end-to-end time whenever the stages are comonotone (slow
 * proving and a congested chain tend to come together, under load) and an over-estimate
 * when they are independent: for margin the error must fall on the safe side.
 *
 * Two windows. A long window (10,000 batches by default) forgets slowly, and its p99
 * rests on its 100 largest samples, so a few slow batches move it by a few ranks, not
 * to their own level (docs/decisions.md, "Latency window"); but it ignores anything
 * rarer than 1% of batches: a hundred one-hour stalls in ten thousand batches leave it
 * unmoved. So the tail quantiles (p95, p99) of each stage are at least the
 * largest of its last `shortSize` samples (20 by default): one slow batch raises T at
 * once and holds it for `shortSize` batches, after which the long window alone remains
 * (docs/decisions.md, "Latency window"). A batch still on its way adds no sample at all;
 * the service adds its age to T as a live sample (horizon.ts).
 */

/** The stages whose times add up to the time to finality. */
export const LATENCY_STAGES = ["proving", "submission", "inclusion", "confirmations"] as const;
/** One of `LATENCY_STAGES`. */
export type LatencyStage = (typeof LATENCY_STAGES)[number];

/** Quantiles of a set of samples, in seconds. */
export interface Quantiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  /** Samples the quantiles were taken from (0: every quantile is 0). */
  readonly count: number;
}

/** T as p50/p95/p99 and the stage quantiles it is the sum of. */
export interface TimeToFinality {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly stages: Readonly<Record<LatencyStage, Quantiles>>;
}

/** The most samples a window may keep: bounds memory and the cost of a query. */
export const MAX_WINDOW_SIZE = 100_000;

/**
 * Nearest-rank quantile `x_(⌈q·n⌉)` of ascending-sorted samples (q in (0, 1]).
 * @returns 0 for no samples
 */
export function quantileOfSorted(sorted: readonly number[], q: number): number {
  if (!(q > 0 && q <= 1)) throw new RangeError(`quantile ${q} is outside (0, 1]`);
  if (sorted.length === 0) return 0;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** p50, p95 and p99 of samples in any order. */
export function quantiles(samples: readonly number[]): Quantiles {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: quantileOfSorted(sorted, 0.5),
    p95: quantileOfSorted(sorted, 0.95),
    p99: quantileOfSorted(sorted, 0.99),
    count: sorted.length,
  };
}

/** A fixed-size ring buffer of the most recent samples of one stage. */
class Ring {
  private readonly buf: number[] = [];
  private next = 0;
  /** Bumped on every push: a query's sort is kept until the next sample (a 10,000-sample sort is ~2 ms). */
  version = 0;
  constructor(private readonly size: number) {}

  push(x: number): void {
    this.version++;
    if (this.buf.length < this.size) this.buf.push(x);
    else this.buf[this.next] = x;
    this.next = (this.next + 1) % this.size;
  }

  values(): readonly number[] {
    return this.buf;
  }

  /** The last n samples pushed (fewer while the buffer holds fewer). */
  recent(n: number): number[] {
    const k = Math.min(n, this.buf.length);
    return Array.from({ length: k }, (_, i) => this.buf[(this.next - 1 - i + 2 * this.size) % this.size]);
  }
}

/** Rolling windows of stage latencies; `timeToFinality()` gives T. */
export class LatencyWindow {
  private readonly rings: Record<LatencyStage, Ring>;
  private readonly sorted = new Map<LatencyStage, { readonly version: number; readonly q: Quantiles }>();

  /**
   * @param size - samples kept per stage (1..MAX_WINDOW_SIZE); older ones fall out
   * @param seed - a starting value per stage, in seconds, used while a stage has no
   *   sample yet (a fresh service must not take T = 0 before its first batch)
   * @param shortSize - the short window (0..size): p95 and p99 are at least the largest
   *   of the last `shortSize` samples (0: the long window alone)
   */
  constructor(
    readonly size: number,
    private readonly seed: Partial<Record<LatencyStage, number>> = {},
    readonly shortSize = 0,
  ) {
    if (!Number.isInteger(size) || size < 1 || size > MAX_WINDOW_SIZE) {
      throw new RangeError(`latency window size ${size} is outside 1..${MAX_WINDOW_SIZE}`);
    }
    if (!Number.isInteger(shortSize) || shortSize < 0 || shortSize > size) {
      throw new RangeError(`short latency window ${shortSize} is outside 0..${size} (the long window)`);
    }
    for (const [stage, v] of Object.entries(seed)) checkSeconds(stage, v);
    this.rings = Object.fromEntries(LATENCY_STAGES.map((s) => [s, new Ring(size)])) as Record<LatencyStage, Ring>;
  }

  /**
   * Records one sample.
   * @param stage - the stage
   * @param seconds - its duration (finite, ≥ 0)
   * @throws RangeError for an unknown stage or a negative / non-finite duration
   */
  record(stage: LatencyStage, seconds: number): void {
    if (!LATENCY_STAGES.includes(stage)) throw new RangeError(`unknown latency stage ${JSON.stringify(stage)}`);
    checkSeconds(stage, seconds);
    this.rings[stage].push(seconds);
  }

  /** The samples of a stage now in the window (oldest first is not guaranteed). */
  samples(stage: LatencyStage): readonly number[] {
    return this.rings[stage].values();
  }

  /** p50/p95/p99 of one stage (the seed, as count 0, while the stage has no sample); the tails at least the short window's max. */
  stage(stage: LatencyStage): Quantiles {
    const ring = this.rings[stage];
    const v = ring.values();
    if (v.length === 0) {
      const s = this.seed[stage] ?? 0;
      return { p50: s, p95: s, p99: s, count: 0 };
    }
    let cached = this.sorted.get(stage);
    if (cached?.version !== ring.version) {
      cached = { version: ring.version, q: quantiles(v) };
      this.sorted.set(stage, cached);
    }
    const q = cached.q;
    const recent = Math.max(0, ...ring.recent(this.shortSize));
    return { ...q, p95: Math.max(q.p95, recent), p99: Math.max(q.p99, recent) };
  }

  /** T_q = Σ_stage q-quantile of the stage, for q = p50, p95, p99. */
  timeToFinality(): TimeToFinality {
    const stages = Object.fromEntries(LATENCY_STAGES.map((s) => [s, this.stage(s)])) as Record<LatencyStage, Quantiles>;
    return sumStages(stages);
  }
}

/** T from per-stage quantiles: the sum of each quantile over the stages. */
export function sumStages(stages: Readonly<Record<LatencyStage, Quantiles>>): TimeToFinality {
  let p50 = 0;
  let p95 = 0;
  let p99 = 0;
  for (const s of LATENCY_STAGES) {
    p50 += stages[s].p50;
    p95 += stages[s].p95;
    p99 += stages[s].p99;
  }
  return { p50, p95, p99, stages };
}

/**
 * The service's job stages (prover/service/engine-port.ts `stageMs`) folded into latency stages:
 * the proof itself (witness, proving, verifying) counts as `proving`; the engine's
 * `submitting` covers submission, inclusion and confirmations at once, so it is returned
 * as `submission` only when the chain-side split (`chainSample`) is not recorded too.
 *
 * Why not the time a batch `queued` for a prover: one slow or stalled proof holds every
 * batch cut behind it, and each of them would bring that one event into the window again
 * (seven batches held by one stall were 7 of the 10 samples that set a 1,000-batch p99).
 * While batches wait, the stall term of T (horizon.ts) already counts the oldest one's
 * age; a prover that keeps up has no queue to speak of, and one that does not keeps the
 * oldest waiting batch ageing, which that term sees. docs/decisions.md, "A proving sample
 * is the proof, not the queue".
 * @returns seconds per latency stage, only for the stages the job has times for
 */
export function jobSample(stageMs: Readonly<Partial<Record<string, number>>>, opts: { includeSubmitting?: boolean } = {}): Partial<Record<LatencyStage, number>> {
  const out: Partial<Record<LatencyStage, number>> = {};
  const proof = ["witness", "proving", "verifying"].map((k) => stageMs[k]).filter((v): v is number => v !== undefined);
  if (proof.length > 0) out.proving = proof.reduce((a, b) => a + b, 0) / 1000;
  if (opts.includeSubmitting === true && stageMs.submitting !== undefined) out.submission = stageMs.submitting / 1000;
  return out;
}

/**
 * The chain-side stages of one batch from the submitter's timestamps (ms): proof
 * ready → sent → included (receipt's block) → final (confirmations or `finalized`).
 */
export function chainSample(t: { readonly proofReadyMs: number; readonly sentMs: number; readonly includedMs: number; readonly finalMs: number }): Record<"submission" | "inclusion" | "confirmations", number> {
  if (!(t.proofReadyMs <= t.sentMs && t.sentMs <= t.includedMs && t.includedMs <= t.finalMs)) {
    throw new RangeError(`chain timestamps out of order: ready ${t.proofReadyMs}, sent ${t.sentMs}, included ${t.includedMs}, final ${t.finalMs}`);
  }
  return {
    submission: (t.sentMs - t.proofReadyMs) / 1000,
    inclusion: (t.includedMs - t.sentMs) / 1000,
    confirmations: (t.finalMs - t.includedMs) / 1000,
  };
}

/** Records every stage of a sample (from `jobSample` or `chainSample`). */
export function recordSample(w: LatencyWindow, sample: Partial<Record<LatencyStage, number>>): void {
  for (const s of LATENCY_STAGES) {
    const v = sample[s];
    if (v !== undefined) w.record(s, v);
  }
}

function checkSeconds(stage: string, v: unknown): void {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw new RangeError(`latency sample for ${stage} must be a finite number of seconds ≥ 0, got ${String(v)}`);
  }
}
