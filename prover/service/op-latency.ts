/**
 * End-to-end latency of sequencer ops (docs/operations.md, "Metrics"): for each op a
 * client was told is in the pending batch (filled, accepted, deleveraged), the time
 * from that acknowledgement to its batch being cut, proven and final, as the histogram
 * `zksettle_op_latency_seconds{stage="cut"|"proven"|"final"}`.
 *
 * The sequencer's ops go into batches in order, so the acknowledgements since the last
 * cut belong to the next batch cut; the intake says which job number a cut batch became,
 * and the engine's job events say when that job is proven and final. Nothing here
 * holds an op, only times, and every map is bounded.
 */
import type { Histogram } from "prom-client";

/** Batches whose ops are still awaited (a stalled pipeline must not grow memory). */
const MAX_TRACKED = 4096;

/** The part of a job the tracker reads. */
export interface JobProgress {
  readonly batchNumber: number;
  readonly state: string;
  readonly proof?: unknown;
}

export class OpLatency {
  private open: number[] = [];
  private cuts = 0;
  private lastCut: { batch: object; acks: number[] } | undefined;
  private readonly cutBatches = new WeakMap<object, number[]>();
  private readonly byNumber = new Map<number, { acks: number[]; proven: boolean }>();

  constructor(
    private readonly histogram: Histogram<"stage">,
    private readonly now: () => number = Date.now,
  ) {}

  /** Taken before an op is submitted: `acknowledged` then knows whether the op's own call cut its batch. */
  mark(): { readonly at: number; readonly cuts: number } {
    return { at: this.now(), cuts: this.cuts };
  }

  /** The op marked with `m` was acknowledged as in the pending batch. */
  acknowledged(m: { readonly at: number; readonly cuts: number }): void {
    if (this.cuts !== m.cuts && this.lastCut !== undefined) {
      // the op filled the batch and its own call cut it
      this.lastCut.acks.push(m.at);
      this.histogram.observe({ stage: "cut" }, Math.max(0, this.now() - m.at) / 1000);
      return;
    }
    this.open.push(m.at);
  }

  /** The sequencer cut `batch`: the ops acknowledged since the last cut are in it. */
  cut(batch: object): void {
    const t = this.now();
    for (const at of this.open) this.histogram.observe({ stage: "cut" }, Math.max(0, t - at) / 1000);
    const acks = this.open;
    this.open = [];
    this.cuts++;
    this.lastCut = { batch, acks };
    this.cutBatches.set(batch, acks);
  }

  /**
   * The intake stored `batch` as job `batchNumber`. It may have no acknowledgement yet:
   * the op whose call cut the batch is acknowledged after the journal write, which is
   * after the batch is stored (its time joins the same list).
   */
  handedOver(batch: object, batchNumber: number): void {
    const acks = this.cutBatches.get(batch);
    if (acks === undefined) return;
    this.cutBatches.delete(batch);
    this.byNumber.set(batchNumber, { acks, proven: false });
    while (this.byNumber.size > MAX_TRACKED) this.byNumber.delete(this.byNumber.keys().next().value as number);
  }

  /** A job event: its ops are proven when it has a proof, final when it is confirmed. */
  job(j: JobProgress): void {
    const b = this.byNumber.get(j.batchNumber);
    if (b === undefined) return;
    const t = this.now();
    if (!b.proven && j.proof !== undefined && (j.state === "submitting" || j.state === "confirmed")) {
      b.proven = true;
      for (const at of b.acks) this.histogram.observe({ stage: "proven" }, Math.max(0, t - at) / 1000);
    }
    if (j.state === "confirmed") {
      for (const at of b.acks) this.histogram.observe({ stage: "final" }, Math.max(0, t - at) / 1000);
      this.byNumber.delete(j.batchNumber);
    } else if (j.state === "cancelled") {
      this.byNumber.delete(j.batchNumber);
    }
  }
}
