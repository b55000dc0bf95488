/**
 * Moves the sequencer's cut batches to the engine, oldest first, one at a time, and
 * cuts by time on a timer. A batch the engine refuses stays at the head of the
 * outbox and is retried on the next tick, so an accepted op is never dropped.
 */
import type { Logger } from "pino";
import type { Sequencer } from "../service/sequencer";
import type { ServiceMetrics } from "../service/metrics";
import type { EnginePort, Job } from "./ports";

export class SequencerPump {
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private cutCount = 0;

  constructor(
    private readonly sequencer: Sequencer,
    private readonly engine: EnginePort,
    private readonly log: Logger,
    private readonly metrics: ServiceMetrics,
  ) {}

  /** Batches handed to the engine so far. */
  get submitted(): number {
    return this.cutCount;
  }

  /** Hands every cut batch to the engine; resolves when the outbox is empty or the engine refused one. */
  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.drain());
    return this.chain;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const batch = this.sequencer.takeCut();
      if (batch === undefined) return;
      let job: Job;
      try {
        job = await this.engine.submitBatch(batch);
      } catch (e) {
        this.sequencer.requeue(batch);
        this.metrics.error("SEQUENCER_SUBMIT");
        this.log.error({ err: e, outbox: this.sequencer.outbox.length }, "engine refused a cut batch; retrying on the next tick");
        return;
      }
      this.cutCount++;
      this.metrics.opLatency.handedOver(batch, job.batchNumber);
      this.log.info({ jobId: job.id, batchNumber: job.batchNumber, ops: batch.ops.length }, "batch cut and queued");
    }
  }

  /** Starts the interval timer (ticks every `everyMs`). */
  start(everyMs: number): void {
    this.stop();
    this.timer = setInterval(() => {
      this.sequencer.tick();
      if (this.sequencer.outbox.length > 0) void this.flush();
    }, everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** For shutdown: cuts what is pending and hands everything to the engine. */
  async drainAll(): Promise<void> {
    this.stop();
    this.sequencer.cutNow();
    await this.flush();
  }
}
