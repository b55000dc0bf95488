/**
 * Sequencer mode: when batches leave the ledger (a cancel, or a batch the chain refuses
 * for good and those after it), the sequencer rebases on the rewound ledger with their
 * ops first, in order (docs/service.md, "Durable intake"). The sequencer re-applies ops
 * one at a time, so the dropped batches go to it as one list of ops: their header is the
 * oldest one's, their queue entries follow each other in the L1 queue.
 */
import type { Logger } from "pino";
import type { Batch } from "../state/batch";
import type { Job } from "../store/job-store";
import type { Engine } from "./engine";
import type { SequencerIntake } from "./sequencer-intake";
import { parseBatch } from "../codec/batch-codec";

/** Why the ops of `dropped` are re-applied (the reason a rejected op's status carries). */
export function rewindReason(dropped: readonly Job[]): string {
  const first = dropped[0];
  const numbers = dropped.length === 1 ? `batch ${first.batchNumber} was` : `batches ${first.batchNumber}..${dropped[dropped.length - 1].batchNumber} were`;
  const cause = first.error === undefined ? "" : ` (${first.error.code}: ${first.error.message})`;
  return `${numbers} cancelled${cause}`;
}

/** The ops of the dropped batches, oldest first, as one batch for `Sequencer.rebase`. */
export function lostOps(dropped: readonly Job[]): Batch | undefined {
  if (dropped.length === 0) return undefined;
  const batches = dropped.map((j) => parseBatch(j.batch));
  return { header: batches[0].header, ops: batches.flatMap((b) => b.ops), deposits: batches.flatMap((b) => b.deposits) };
}

/** Holds rebases while the sequencer is not restored from the journal. */
export interface RebaseGate {
  /** The sequencer was restored (start, election): held rebases run, in order, and later ones at once. */
  release(): void;
  /** The sequencer is no longer this process's (stood down): rebases wait for the next restore. */
  hold(): void;
}

/**
 * Rebases the intake's sequencer each time the engine rewinds the ledger. A rewind can
 * come before the sequencer is restored (a batch refused while the engine resumes): its
 * rebase waits for the restore, so the journal's batches are in the sequencer when the
 * dropped ops are re-applied before them. Held at first.
 */
export function rebaseOnRewind(engine: Engine, intake: SequencerIntake, log: Logger): RebaseGate {
  let held: (() => void)[] | undefined = [];
  const rebase = (height: number, dropped: readonly Job[]): void => {
    void intake
      .rebase(dropped.length > 0 ? rewindReason(dropped) : `the ledger went back to batch ${height}`, lostOps(dropped))
      .then((rejected) => log.warn({ height, dropped: dropped.map((j) => j.batchNumber), rejected: rejected.length }, "sequencer rebased on the rewound ledger"))
      .catch((err: unknown) => log.error({ err }, "sequencer rebase failed"));
  };
  engine.on("rewound", (height, dropped) => {
    if (held === undefined) rebase(height, dropped);
    else held.push(() => rebase(height, dropped));
  });
  return {
    release() {
      const waiting = held ?? [];
      held = undefined;
      for (const f of waiting) f();
    },
    hold() {
      held ??= [];
    },
  };
}
