/**
 * The batch-cut timer: ticks the sequencer's intake so batches are cut by time
 * (--batch-interval) and the journal gets what the deposit feed or the clock changed.
 * It lives in the service, not in the HTTP app, so anything that runs a sequencer can cut
 * batches; the app starts it once it is ready and stops it when it closes (api/app.ts).
 * Not to be confused with the job engine's `pump` (engine.ts), which moves jobs.
 */
import type { SequencerIntake } from "./sequencer-intake";

export class CutTimer {
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param everyMs - the tick; default `CutTimer.tickFor(batchInterval)`
   */
  constructor(
    private readonly intake: SequencerIntake,
    private readonly everyMs: number,
  ) {}

  /** A tenth of the batch interval, between 10 ms and 1 s: a cut is late by at most one tick. */
  static tickFor(batchIntervalS: number): number {
    return Math.min(1000, Math.max(10, (batchIntervalS * 1000) / 10));
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.intake.tick(), this.everyMs);
    // a timer alone keeps no process alive: the server or the caller does
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
