/**
 * The sequencer's journal (docs/service.md, "Durable intake"): what the sequencer has
 * acknowledged but not yet handed to the ledger — resting orders, the batch being
 * filled, cut batches waiting for their job, and the fate of ops (batched, rejected) —
 * as string keys and JSON values next to the jobs, in the same durable store (SQLite
 * WAL with `synchronous = FULL`, or Redis with the append-only file fsynced always).
 *
 * A write is one transaction: every key of `set` and `del` changes, or none. The
 * sequencer answers a client only after the write that holds its op has resolved.
 */
export interface JournalWrite {
  /** Keys to set (value: JSON text). */
  readonly set?: ReadonlyMap<string, string>;
  /** Keys to remove. */
  readonly del?: readonly string[];
}

/** A store that keeps the sequencer's journal (both job stores do). */
export interface SequencerJournal {
  /**
   * Applies the write in one durable transaction.
   * @throws StoreFencedError when a fenced Redis store no longer holds the lease
   */
  writeJournal(w: JournalWrite): Promise<void>;
  /** Every key and value of the journal. */
  readJournal(): Promise<Map<string, string>>;
}

/** The store as a journal (both job stores are one). @throws TypeError for a store that is not */
export function journalOf(store: object): SequencerJournal {
  const j = store as Partial<SequencerJournal>;
  if (typeof j.writeJournal !== "function" || typeof j.readJournal !== "function") throw new TypeError("the job store keeps no sequencer journal");
  return j as SequencerJournal;
}
