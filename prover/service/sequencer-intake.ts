/**
 * Durable intake (docs/service.md, "Durable intake"): the sequencer's decisions are
 * written to the job store's journal (journal.ts) before a client hears of them, and
 * cut batches become jobs in the order they were cut.
 *
 * - `run(f)` applies one request to the sequencer (synchronously, so requests are
 *   totally ordered), then waits for the flush that writes what it changed. Requests
 *   that arrive while a flush is under way share the next one (group commit): one
 *   transaction, one fsync, for all of them.
 * - A flush writes the journal, then hands the cut batches to the engine, oldest first,
 *   and records each as batched once its job exists. So the order that completes a
 *   batch is answered after the batch is a job (or, if the engine cannot take it now,
 *   after the cut batch is in the journal, from which it is taken again).
 * - A cut batch the engine refuses by the rules can never be stored: the sequencer
 *   rebases on the ledger (`rebase`), and the ops that no longer hold are rejected with
 *   the rule, readable at GET /v1/ops/{id}. A batch the engine cannot take for another
 *   reason (queue full, not ready, store down) stays and is retried on the next tick;
 *   `stalled` says so (/ready, zksettle_pipeline_stalled).
 * - `restore` (at start and when this process becomes the leader) rebuilds the book,
 *   the cut batches and the batch being filled from the journal and the ledger.
 */
import type { Logger } from "pino";
import type { Batch } from "../state/batch";
import { RuleError } from "../state/errors";
import type { State } from "../state/state";
import type { LedgerEntry } from "../store/job-store";
import type { SequencerJournal } from "../store/journal";
import type { HeldBatch, Sequencer, SequencerChanges } from "./sequencer";
import type { RestingOrder } from "./sequencer-book";
import type { OpFate } from "./sequencer-ids";
import { parseBatch, parseOrder, serializeBatch, serializeOrder, type SerializedBatch, type SerializedSignedOrder } from "../codec/batch-codec";

/** What the intake needs of the engine and the ledger. */
export interface IntakePorts {
  /** Records a batch and its job (the ledger checks it with `applyBatch` from its state). */
  submitBatch(batch: Batch): Promise<{ readonly id: string; readonly batchNumber: number }>;
  /** The ledger's state (after every stored batch). */
  ledgerState(): State;
  /** The ledger's batches, oldest first (to tell which journal batches are already stored). */
  ledgerBatches(): Promise<readonly Pick<LedgerEntry, "batchNumber" | "jobId" | "batch">[]>;
}

/** Where a client's op is (GET /v1/ops/{id}). */
export type OpStatus = { readonly status: "resting" | "pending" } | OpFate;

interface StoredOrder {
  readonly order: SerializedSignedOrder;
  readonly seq: number;
  readonly at: number;
}
interface StoredBatch {
  readonly k: number;
  readonly batch: SerializedBatch;
  readonly ids: readonly (readonly string[])[];
  readonly cut: boolean;
  readonly firstOpAt?: number;
}

const ORDER = "o:";
const BATCH = "b:";
const FATE = "f:";

/** Lets timers and I/O (a /health probe) run between the steps of a cut check. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class SequencerIntake {
  private chain: Promise<void> = Promise.resolve();
  private next: Promise<void> | undefined;
  private readonly fates = new Map<string, OpFate>();
  /** Why the pipeline cannot move on, since when (undefined: it can). */
  private stall: { readonly reason: string; readonly since: number } | undefined;
  /** Settles when the last `restore` has (requests wait for it). */
  private restored: Promise<void> = Promise.resolve();
  /** Batches handed to the engine so far. */
  submitted = 0;
  private readonly storedObservers: ((batch: Batch, batchNumber: number) => void)[] = [];

  constructor(
    readonly sequencer: Sequencer,
    private readonly journal: SequencerJournal,
    private readonly ports: IntakePorts,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Applies `f` to the sequencer and resolves once what it changed is durable (and any
   * batch it cut is a job, or durably waiting for one).
   * @throws what `f` throws (nothing changed then), or the journal's write error
   */
  async run<T>(f: (s: Sequencer) => T): Promise<T> {
    await this.restored;
    const r = f(this.sequencer);
    await this.commit();
    return r;
  }

  /** Writes every change so far (one flush shared by all callers until it starts). */
  commit(): Promise<void> {
    if (this.next !== undefined) return this.next;
    const run = this.chain.then(() => {
      this.next = undefined;
      return this.flush();
    });
    this.next = run;
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Runs `f` alone in the chain of flushes (a rebase, a restore). */
  private exclusive<T>(f: () => Promise<T>): Promise<T> {
    const run = this.chain.then(f);
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Cuts by time and writes what the deposit feed or the clock changed. */
  tick(): Promise<void> {
    this.sequencer.tick();
    return this.commit().catch((err: unknown) => this.log.error({ err }, "sequencer journal write failed; retrying on the next tick"));
  }

  /** Calls `fn` with each cut batch once the engine has stored it as job `batchNumber` (metrics: op-latency.ts). */
  onStored(fn: (batch: Batch, batchNumber: number) => void): void {
    this.storedObservers.push(fn);
  }

  /** True while a cut batch cannot be stored or the journal cannot be written. */
  get stalled(): { readonly reason: string; readonly since: number } | undefined {
    return this.stall;
  }

  /** Where an op is: resting, pending (in a batch not yet a job), or its fate. */
  status(id: string): OpStatus | undefined {
    if (this.sequencer.resting(id) !== undefined) return { status: "resting" };
    if (this.sequencer.isPending(id)) return { status: "pending" };
    return this.fates.get(id);
  }

  private async flush(): Promise<void> {
    let failedChecks = 0;
    for (;;) {
      // the journal holds every change so far — the cut batch exactly as it will be stored
      // included — before the engine is asked to store it (a restart matches them);
      // requests that came in during a write are written first too
      do await this.write(this.sequencer.takeChanges());
      while (this.sequencer.hasChanges());
      const h = this.sequencer.held[0];
      if (h === undefined) break;
      // checked once, before it is stored, yielding to other requests between slots
      const wrong = await this.sequencer.checkCut(h, yieldToEventLoop);
      if (wrong !== undefined) {
        this.log.error({ k: h.k, msg: wrong }, "a cut batch failed its check: rebasing the sequencer on the state before it");
        // a check that fails again after the rebase is a bug the rebase cannot mend: stop, keep the journal
        if (++failedChecks > 1) {
          this.stall ??= { reason: wrong, since: this.clock() };
          return;
        }
        this.sequencer.rebase(this.ports.ledgerState(), wrong);
        continue;
      }
      let job: { id: string; batchNumber: number };
      try {
        job = await this.ports.submitBatch(h.batch);
      } catch (e) {
        if (e instanceof RuleError) {
          this.log.error({ rule: e.code, msg: e.message, k: h.k }, "the ledger refuses a cut batch: rebasing the sequencer on it");
          this.sequencer.rebase(this.ports.ledgerState(), `a cut batch was refused by the ledger (${e.code})`);
          continue;
        }
        this.stall ??= { reason: `the engine does not take cut batches: ${(e as Error).message}`, since: this.clock() };
        this.log.error({ err: e, outbox: this.sequencer.held.length }, "engine refused a cut batch; it stays in the journal and is retried on the next tick");
        return;
      }
      this.submitted++;
      this.sequencer.takeCut();
      for (const f of this.storedObservers) f(h.batch, job.batchNumber);
      for (const ids of h.ids) for (const id of ids) this.sequencer.setFate(id, { status: "batched", batchNumber: job.batchNumber, jobId: job.id });
      this.log.info({ jobId: job.id, batchNumber: job.batchNumber, ops: h.batch.ops.length }, "batch cut and queued");
    }
    this.stall = undefined;
  }

  /** Writes one set of changes; on failure they stay owed (the next flush writes them). */
  private async write(c: SequencerChanges, alsoDelete: readonly string[] = []): Promise<void> {
    const set = new Map<string, string>();
    const del: string[] = [...alsoDelete];
    for (const id of c.orders) {
      const r = this.sequencer.resting(id);
      if (r === undefined) del.push(ORDER + id);
      else set.set(ORDER + id, JSON.stringify({ order: serializeOrder(r.order), seq: r.seq, at: r.at } satisfies StoredOrder));
    }
    const held = new Map<number, HeldBatch>(this.sequencer.held.map((h) => [h.k, h]));
    const filling = this.sequencer.filling();
    if (filling !== undefined) held.set(filling.k, filling);
    for (const k of c.batches) {
      const h = held.get(k);
      if (h === undefined) del.push(BATCH + k);
      else set.set(BATCH + k, JSON.stringify({ k, batch: serializeBatch(h.batch), ids: h.ids, cut: h.cut, firstOpAt: h.firstOpAt } satisfies StoredBatch));
    }
    for (const [id, f] of c.fates) set.set(FATE + id, JSON.stringify(f));
    if (set.size === 0 && del.length === 0) return;
    try {
      await this.journal.writeJournal({ set, del });
    } catch (e) {
      this.sequencer.oweChanges(c);
      this.stall ??= { reason: `the journal cannot be written: ${(e as Error).message}`, since: this.clock() };
      throw e;
    }
    for (const [id, f] of c.fates) this.fates.set(id, f);
  }

  /**
   * Rebuilds the sequencer from the journal on the ledger's state (start, election).
   * Journal batches the ledger already holds (a crash between storing the job and
   * clearing the journal) are recorded as batched and dropped.
   */
  restore(): Promise<{ resting: number; batches: number; rejected: number }> {
    const run = this.exclusive(async () => {
      const j = await this.journal.readJournal();
      const stored = new Map((await this.ports.ledgerBatches()).map((e) => [JSON.stringify(e.batch), e]));
      const resting: RestingOrder[] = [];
      const batches: HeldBatch[] = [];
      const dropped: string[] = [];
      const batched: [string, OpFate][] = [];
      this.fates.clear();
      for (const [key, value] of j) {
        if (key.startsWith(FATE)) this.fates.set(key.slice(FATE.length), JSON.parse(value) as OpFate);
      }
      for (const [key, value] of j) {
        if (key.startsWith(ORDER)) {
          const o = JSON.parse(value) as StoredOrder;
          resting.push({ id: key.slice(ORDER.length), order: parseOrder(o.order), seq: o.seq, at: o.at });
        } else if (key.startsWith(BATCH)) {
          const b = JSON.parse(value) as StoredBatch;
          const entry = stored.get(JSON.stringify(b.batch));
          if (entry === undefined) batches.push({ k: b.k, batch: parseBatch(b.batch), ids: b.ids, cut: b.cut, firstOpAt: b.firstOpAt });
          else {
            // stored as a job, then the process stopped before the journal said so
            dropped.push(key);
            for (const id of b.ids.flat()) batched.push([id, { status: "batched", batchNumber: entry.batchNumber, jobId: entry.jobId }]);
          }
        }
      }
      batches.sort((x, y) => x.k - y.k);
      this.sequencer.restore(this.ports.ledgerState(), batches, resting);
      for (const [id, f] of batched) this.sequencer.setFate(id, f);
      const c = this.sequencer.takeChanges();
      const rejected = [...c.fates.values()].filter((f) => f.status === "rejected").length;
      await this.write(c, dropped);
      return { resting: this.sequencer.restingOrders, batches: batches.length, rejected };
    });
    this.restored = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * The ledger went back (a job was cancelled): the sequencer rebases on it, with the
   * ops of the batch taken back (`lost`) first, and the journal records the result.
   */
  rebase(why: string, lost?: Batch): Promise<string[]> {
    return this.exclusive(async () => {
      const rejected = this.sequencer.rebase(this.ports.ledgerState(), why, lost);
      await this.write(this.sequencer.takeChanges());
      return rejected;
    });
  }

  /** For shutdown: cuts what is pending and stores what it can; the rest stays in the journal. */
  async drainAll(): Promise<void> {
    this.sequencer.cutNow();
    await this.commit();
  }
}
