/**
 * Who starts the sequencer's batch-cut timer (service/cut-timer.ts): the run layer, not
 * the HTTP app, so the app only answers requests and the service cuts batches without it
 * (docs/architecture.md). The timer follows the app's life because the app is what
 * accepts ops: it ticks once the app is ready, and stops before the app's own close hook
 * hands the cut batches to the engine, so no tick races that last drain.
 */
import { CutTimer } from "../service/cut-timer";
import type { SequencerIntake } from "../service/sequencer-intake";

/** The two hooks of the app's life the timer follows (a FastifyInstance has them; only api/ names fastify). */
export interface AppLife {
  addHook(name: "onReady", hook: () => Promise<void>): unknown;
  addHook(name: "preClose", hook: () => Promise<void>): unknown;
}

/**
 * Attaches a CutTimer for `intake` to `app` (before `app.ready()` or `listen`).
 * @param batchIntervalS - --batch-interval; the tick is `CutTimer.tickFor` of it
 * @returns the timer (undefined without an intake: batch mode cuts nothing)
 */
export function cutWhileReady(app: AppLife, intake: SequencerIntake | undefined, batchIntervalS: number): CutTimer | undefined {
  if (intake === undefined) return undefined;
  const cuts = new CutTimer(intake, CutTimer.tickFor(batchIntervalS));
  app.addHook("onReady", async () => cuts.start());
  app.addHook("preClose", async () => cuts.stop());
  return cuts;
}
