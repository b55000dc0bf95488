/**
 * The core of the sequencer (sequencer.ts): the base state, the batch being filled
 * (sequencer-pending.ts: each op applied alone to the pending state), the cut batches
 * waiting for the service, the books and their upkeep, and the changes the durable
 * journal must write. Cutting checks a batch once with `applyBatch` from the base.
 *
 * Pure logic: the clock and the dev oracle are injected; nothing here does I/O.
 */
import { emptyAccount, isEmptyAccount, type Account } from "../state/account";
import { applyBatchInSteps, type Batch, type Op } from "../state/batch";
import { RuleError } from "../state/errors";
import type { DepositEntry } from "../state/ops/deposit";
import { sameState } from "../state/same-state";
import type { State } from "../state/state";
import type { BatchHeader } from "../state/trace";
import { OrderBook, type RestingOrder } from "./sequencer-book";
import { ChangeLog } from "./sequencer-changes";
import type { OpFate } from "./sequencer-ids";
import { PendingBatch } from "./sequencer-pending";
import { SequencerError, type HeldBatch, type SequencerChanges, type SequencerOptions } from "./sequencer-types";

export abstract class SequencerCore {
  protected readonly opts: SequencerOptions;
  /** The state after every cut batch. */
  protected base: State;
  /** The header of the next batch, once set (posted, or taken with its first op). */
  protected header: BatchHeader | undefined;
  /** The batch being filled (undefined while it has no op). */
  protected open: PendingBatch | undefined;
  protected readonly books = new Map<number, OrderBook>();
  protected cut: HeldBatch[] = [];
  private readonly cutObservers: ((batch: Batch) => void)[] = [];
  /** Key of the batch being filled. */
  protected k = 1;
  protected readonly changes = new ChangeLog();
  /** Cut batches whose `applyBatch` check disagreed with the one-op-at-a-time state (a bug if ever > 0). */
  cutCheckFailures = 0;

  constructor(opts: SequencerOptions) {
    this.opts = opts;
    this.base = opts.state;
  }

  /** The params' batch size N. */
  get batchSize(): number {
    return this.base.params.batchSize;
  }

  /** Ops accepted for the next batch. */
  get pendingOps(): number {
    return this.open?.size ?? 0;
  }

  /** Resting orders over all markets. */
  get restingOrders(): number {
    let n = 0;
    for (const b of this.books.values()) n += b.size;
    return n;
  }

  /** The state after the base and every accepted op (do not mutate). */
  pendingState(): State {
    return this.open?.state() ?? this.base;
  }

  /** An account as the pending batch leaves it (empty outside the tree). */
  pendingAccount(i: number): Account {
    return Number.isInteger(i) && i >= 0 && i < this.base.capacity ? this.account(i) : emptyAccount(this.base.params.positionSlots);
  }

  /** The header the next batch will carry, if one is set. */
  currentHeader(): BatchHeader | undefined {
    return this.header;
  }

  /** The book of a market (created empty on first use). */
  book(marketId: number): OrderBook {
    let b = this.books.get(marketId);
    if (b === undefined) {
      b = new OrderBook();
      this.books.set(marketId, b);
    }
    return b;
  }

  /** Cut batches not yet taken by the service, oldest first. */
  get outbox(): readonly Batch[] {
    return this.cut.map((c) => c.batch);
  }

  /** Cut batches with their keys and op ids, oldest first. */
  get held(): readonly HeldBatch[] {
    return this.cut;
  }

  /** The batch being filled (undefined when empty). */
  filling(): HeldBatch | undefined {
    const o = this.open;
    if (o === undefined) return undefined;
    return { k: this.k, batch: o.batch(), ids: o.ids.map((x) => [...x]), cut: false, firstOpAt: o.firstOpAt };
  }

  /** The resting order with this id, in any market. */
  resting(id: string): RestingOrder | undefined {
    for (const b of this.books.values()) {
      const r = b.get(id);
      if (r !== undefined) return r;
    }
    return undefined;
  }

  /** True when an op with this id waits in the batch being filled or a cut batch. */
  isPending(id: string): boolean {
    return (this.open?.ids.some((x) => x.includes(id)) ?? false) || this.cut.some((c) => c.ids.some((x) => x.includes(id)));
  }

  /** Marks an op's fate (the journal keeps it). */
  setFate(id: string, fate: OpFate): void {
    this.changes.fate(id, fate);
  }

  /** True when something changed since the last `takeChanges`. */
  hasChanges(): boolean {
    return this.changes.any();
  }

  /** Gives back changes a journal could not write (they are written with the next ones). */
  oweChanges(c: SequencerChanges): void {
    this.changes.owe(c);
  }

  /** The changes since the last call (see SequencerChanges), and forgets them. */
  takeChanges(): SequencerChanges {
    return this.changes.take();
  }

  /**
   * Starts over from `state` (the ledger's), dropping the pending ops, the resting
   * orders and the cut batches not yet handed over. For a leader change
   * (docs/operations.md, "Many machines"): a process must not cut batches on a state
   * that another leader has moved past.
   * @returns what was dropped
   */
  reset(state: State): { pendingOps: number; restingOrders: number; cut: number } {
    const dropped = { pendingOps: this.pendingOps, restingOrders: this.restingOrders, cut: this.cut.length };
    this.base = state;
    this.clearBatches();
    this.books.clear();
    this.changes.clear();
    return dropped;
  }

  /** Calls `fn` with each batch as it is cut (metrics: op-latency.ts). */
  onCut(fn: (batch: Batch) => void): void {
    this.cutObservers.push(fn);
  }

  protected clearBatches(): void {
    for (const c of this.cut) this.changes.batch(c.k);
    if (this.open !== undefined) this.changes.batch(this.k);
    this.header = undefined;
    this.open = undefined;
    this.cut = [];
  }

  /** Takes the oldest cut batch (the service stored it as a job). */
  takeCut(): Batch | undefined {
    const c = this.cut.shift();
    if (c !== undefined) this.changes.batch(c.k);
    return c?.batch;
  }

  /**
   * Adds `op` to the batch being filled, opening it under the current header.
   * @throws RuleError / SequencerError; nothing changes then
   */
  protected add(op: Op, ids: string[], entry?: DepositEntry): void {
    const header = this.headerOrThrow();
    const o = this.open ?? new PendingBatch(this.base, header);
    o.add(op, ids, entry, this.opts.clock());
    this.open = o;
    this.header = header;
  }

  /** What follows an added op: the journal's mark, the book's pruning, a cut when full. */
  protected afterAdd(): void {
    this.changes.batch(this.k);
    // only the accounts the op changed can have lost a nonce or emptied
    this.pruneBook("NONCE_CONSUMED", this.open?.lastChanged);
    if (this.pendingOps >= this.batchSize) this.cutNow();
  }

  protected nextQueueIndex(): bigint {
    return this.open?.nextQueueIndex ?? BigInt(this.base.global.depositCount);
  }

  /** The account as the pending batch leaves it. */
  protected account(i: number): Account {
    return this.open?.account(i) ?? this.base.account(i);
  }

  /** Cuts the pending batch when `batchIntervalMs` has passed since its first op. */
  tick(): Batch | undefined {
    const first = this.open?.firstOpAt;
    if (first === undefined) return undefined;
    if (this.opts.clock() - first < this.opts.batchIntervalMs) return undefined;
    return this.cutNow();
  }

  /**
   * Cuts the pending batch now (nothing when it is empty) and goes on from the state
   * its ops were accepted on. The batch is checked once with `applyBatch` from the state
   * before it, in steps, before it is stored (`checkCut`, which the intake awaits).
   */
  cutNow(): Batch | undefined {
    const o = this.open;
    if (o === undefined) return undefined;
    const batch = o.batch();
    const next = o.state();
    this.cut.push({ k: this.k, batch, ids: o.ids.map((x) => [...x]), cut: true, firstOpAt: o.firstOpAt, check: { before: this.base, after: next } });
    this.changes.batch(this.k);
    this.k++;
    this.base = next;
    this.open = undefined;
    this.header = undefined;
    for (const f of this.cutObservers) f(batch);
    return batch;
  }

  /**
   * The cut check of a batch cut in this process: `applyBatch` of it, in steps that
   * await `pause`, from the state it was cut on, must hold and reach (by content: the
   * sequencer's states defer their leaves) the state the sequencer went on from.
   * @returns undefined when it does; else why not (`cutCheckFailures` counts it), and the
   *   caller rebases the sequencer on the state before the batch
   */
  async checkCut(h: HeldBatch, pause: () => Promise<void>): Promise<string | undefined> {
    if (h.check === undefined) return undefined;
    let wrong: string;
    try {
      const { state } = await applyBatchInSteps(h.check.before, h.batch, pause);
      wrong = sameState(state, h.check.after) ? "" : "its state differs from the state the sequencer went on from";
      // the next cut batch starts from `after`: its check then needs no hashing of the leaves this one touched
      if (wrong === "") h.check.after.adoptTreeOf(state);
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      wrong = e.message;
    }
    if (wrong === "") return undefined;
    this.cutCheckFailures++;
    return `the cut batch does not hold under applyBatch from the base: ${wrong}`;
  }

  /**
   * Takes off the book the orders that can never fill on the pending state (nonce
   * consumed, account gone): of `accounts` only, when given (the accounts an op changed).
   */
  protected pruneBook(code: string, accounts?: readonly number[]): void {
    for (const b of this.books.values()) {
      b.prune((r) => {
        const a = this.account(r.order.accountIndex);
        if (r.order.nonce === a.nonce && !isEmptyAccount(a)) return true;
        this.changes.order(r.id);
        const why = isEmptyAccount(a) ? `account ${r.order.accountIndex} no longer exists` : `account ${r.order.accountIndex}'s nonce moved to ${a.nonce}`;
        this.changes.fate(r.id, { status: "cancelled", code, reason: `taken off the book: ${why}` });
        return false;
      }, accounts);
    }
  }

  protected headerOrThrow(): BatchHeader {
    if (this.header !== undefined) return this.header;
    if (this.opts.devOracle !== undefined) return this.opts.devOracle(this.base, this.opts.clock());
    throw new SequencerError("NO_ORACLE_HEADER", "no oracle header for the next batch; the oracle must post one to /v1/oracle/headers");
  }

  /** Moves everything not yet in the ledger onto `state` (sequencer.ts). */
  abstract rebase(state: State, why: string, lost?: Batch): string[];
}
