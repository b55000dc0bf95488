/**
 * Sequencer mode (docs/service.md, "Sequencer and ledger"): signed orders,
 * withdrawals, liquidations, settlements and L1 priority-queue entries (deposits,
 * forced-withdrawal requests) come in one at a time and are validated at once against
 * the *pending* state — the base state (the ledger after every cut batch) plus the ops
 * accepted for the next batch — with `applyBatch` on a clone. A refused op changes
 * nothing.
 *
 * - An order that crosses resting orders of its market is matched with the best one
 *   (price, then time) at the resting (maker) price for the smaller size, giving a
 *   TRADE. A signed order fills at most once: the fill consumes its nonce, so the
 *   unfilled rest of either order is dropped. An order that crosses nothing rests.
 * - A batch is cut when it holds N ops or `batchIntervalMs` after its first op,
 *   with the oracle header it was validated under; the next batch needs a newer one.
 * - WITHDRAW, LIQUIDATE and SETTLE ops are taken as posted (one op slot each).
 * - Queue entries become DEPOSIT ops, or FORCED_WITHDRAW ops for a request (key
 *   (0, 1)), in queue order.
 * - Auto-deleveraging (`autoDeleverage`, on by default): when a LIQUIDATE is refused
 *   only because the insurance fund cannot pay the deficit it leaves (FUND_NEGATIVE),
 *   the sequencer plans a DELEVERAGE of the liquidatee in that market instead
 *   (`planDeleverage`: the most profitable opposite account, as much as both positions
 *   allow, at the bankruptcy price) and accepts it when the rules do. The liquidator's
 *   message is not used (its nonce does not move); it may post again.
 * - Cut batches wait in `outbox` (in order) until the service hands them to the engine.
 * - Every change a durable journal must hold (resting orders added or removed, the
 *   batch being filled, cut batches, the fate of ops) is marked and read back with
 *   `takeChanges` (sequencer-journal.ts writes it before a client is answered).
 * - `restore` rebuilds the book and the pending ops from the journal; `rebase` moves
 *   everything not yet in the ledger onto a ledger that went back (a cancelled or
 *   refused batch), answering the ops that no longer hold as rejected with the rule.
 *
 * Pure logic: the clock and the dev oracle are injected; nothing here does I/O.
 */
import { isEmptyAccount } from "../state/account";
import { applyBatch, type Batch, type Op } from "../state/batch";
import { RuleError, requireOpenRange } from "../state/errors";
import { pow2 } from "../state/field";
import { applyHeader, checkHeader } from "../state/header";
import { planDeleverage, type DeleverageOp } from "../state/ops/deleverage";
import type { DepositEntry } from "../state/ops/deposit";
import { isForcedRequest } from "../state/ops/forced-withdraw";
import type { LiquidateOp } from "../state/ops/liquidate";
import type { SettleOp } from "../state/ops/settle";
import type { TradeOp } from "../state/ops/trade";
import type { WithdrawOp } from "../state/ops/withdraw";
import { verifyOrder, type SignedOrder } from "../state/signing";
import type { State } from "../state/state";
import type { BatchHeader } from "../state/trace";
import { OrderBook, type RestingOrder } from "./sequencer-book";
import { idsOf, idsOfBatch, type OpFate } from "./sequencer-ids";

/** Why the sequencer refuses an op outside the reference rules. */
export type SequencerErrorCode = "NO_ORACLE_HEADER" | "BOOK_FULL";

/** A refusal that is not a rule of the protocol (no header yet, book full). */
export class SequencerError extends Error {
  constructor(
    readonly code: SequencerErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = "SequencerError";
  }
}

export interface SequencerOptions {
  /** The state after every batch recorded so far (the ledger's). */
  readonly state: State;
  /** Milliseconds; `Date.now` in the service, a fake in tests. */
  readonly clock: () => number;
  /** Cut a non-empty batch this long after its first op. */
  readonly batchIntervalMs: number;
  /** Most resting orders over all markets. */
  readonly maxRestingOrders: number;
  readonly makerFeeBps?: bigint;
  readonly takerFeeBps?: bigint;
  /** Signs a header for `state` when none was posted (the INSECURE dev oracle). */
  readonly devOracle?: (state: State, nowMs: number) => BatchHeader;
  /**
   * Plan a DELEVERAGE when a LIQUIDATE leaves a deficit the fund cannot pay (default
   * true); false refuses such a liquidation with FUND_NEGATIVE.
   */
  readonly autoDeleverage?: boolean;
}

/** A batch the sequencer holds: the one being filled (`cut` false) or one waiting for its job. */
export interface HeldBatch {
  /** Sequence number of the batch in this sequencer (its journal key). */
  readonly k: number;
  readonly batch: Batch;
  /** The ids each op of `batch.ops` answers for (idsOf). */
  readonly ids: readonly (readonly string[])[];
  readonly cut: boolean;
  /** Clock time of the first op (cut by time). */
  readonly firstOpAt?: number;
}

/** What the journal must write since the last `takeChanges`. */
export interface SequencerChanges {
  /** Order ids whose resting state changed (resting now, or gone). */
  readonly orders: ReadonlySet<string>;
  /** Batch keys that changed (held now, or gone). */
  readonly batches: ReadonlySet<number>;
  /** New fates of op ids. */
  readonly fates: ReadonlyMap<string, OpFate>;
}

/** What became of a posted WITHDRAW, LIQUIDATE, SETTLE or queue entry. */
export interface OpResult {
  /** The id to ask GET /v1/ops/{id} about. */
  readonly opId: string;
  /** `accepted`: the op is in the pending batch; `deleveraged`: a DELEVERAGE went in instead of the LIQUIDATE. */
  readonly status: "accepted" | "deleveraged";
  /** The op type that went into the pending batch. */
  readonly op: Op["type"];
  /** The planned DELEVERAGE (status `deleveraged`). */
  readonly deleverage?: DeleverageOp;
  /** Ops in the batch being filled after this one. */
  readonly pendingOps: number;
}

/** What became of a posted order. */
export interface OrderResult {
  readonly status: "filled" | "resting";
  readonly orderId: string;
  /** The order it replaced (same account and nonce), if any. */
  readonly replaced?: string;
  readonly trade?: { readonly makerOrderId: string; readonly q: bigint; readonly price: bigint };
  /** Ops in the batch being filled after this one. */
  readonly pendingOps: number;
}

export class Sequencer {
  private readonly opts: SequencerOptions;
  private base: State;
  /** base + pending ops under `header`. */
  private work: State;
  private header: BatchHeader | undefined;
  private pending: Op[] = [];
  private pendingIds: string[][] = [];
  private deposits: DepositEntry[] = [];
  private firstOpAt: number | undefined;
  private readonly books = new Map<number, OrderBook>();
  private cut: HeldBatch[] = [];
  private readonly cutObservers: ((batch: Batch) => void)[] = [];
  /** Key of the batch being filled. */
  private k = 1;
  private changedOrders = new Set<string>();
  private changedBatches = new Set<number>();
  private fates = new Map<string, OpFate>();

  constructor(opts: SequencerOptions) {
    this.opts = opts;
    this.base = opts.state;
    this.work = opts.state;
  }

  /** The params' batch size N. */
  get batchSize(): number {
    return this.base.params.batchSize;
  }

  /** Ops accepted for the next batch. */
  get pendingOps(): number {
    return this.pending.length;
  }

  /** Resting orders over all markets. */
  get restingOrders(): number {
    let n = 0;
    for (const b of this.books.values()) n += b.size;
    return n;
  }

  /** The state after the base and every accepted op (do not mutate). */
  pendingState(): State {
    return this.work;
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
    if (this.pending.length === 0 || this.header === undefined) return undefined;
    return { k: this.k, batch: this.batchOf(this.header, this.pending, this.deposits), ids: this.pendingIds.map((x) => [...x]), cut: false, firstOpAt: this.firstOpAt };
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
    return this.pendingIds.some((x) => x.includes(id)) || this.cut.some((c) => c.ids.some((x) => x.includes(id)));
  }

  /** Marks an op's fate (the journal keeps it). */
  setFate(id: string, fate: OpFate): void {
    this.fates.set(id, fate);
  }

  /** True when something changed since the last `takeChanges`. */
  hasChanges(): boolean {
    return this.changedOrders.size + this.changedBatches.size + this.fates.size > 0;
  }

  /** Gives back changes a journal could not write (they are written with the next ones). */
  oweChanges(c: SequencerChanges): void {
    for (const id of c.orders) this.changedOrders.add(id);
    for (const k of c.batches) this.changedBatches.add(k);
    for (const [id, f] of c.fates) if (!this.fates.has(id)) this.fates.set(id, f);
  }

  /** The changes since the last call (see SequencerChanges), and forgets them. */
  takeChanges(): SequencerChanges {
    const c = { orders: this.changedOrders, batches: this.changedBatches, fates: this.fates };
    this.changedOrders = new Set();
    this.changedBatches = new Set();
    this.fates = new Map();
    return c;
  }

  /**
   * Starts over from `state` (the ledger's), dropping the pending ops, the resting
   * orders and the cut batches not yet handed over. For a leader change
   * (docs/operations.md, "Many machines"): a process must not cut batches on a state
   * that another leader has moved past.
   * @returns what was dropped
   */
  reset(state: State): { pendingOps: number; restingOrders: number; cut: number } {
    const dropped = { pendingOps: this.pending.length, restingOrders: this.restingOrders, cut: this.cut.length };
    this.base = state;
    this.work = state;
    this.clearBatches();
    this.books.clear();
    this.changedOrders.clear();
    this.changedBatches.clear();
    this.fates.clear();
    return dropped;
  }

  /** Calls `fn` with each batch as it is cut (metrics: op-latency.ts). */
  onCut(fn: (batch: Batch) => void): void {
    this.cutObservers.push(fn);
  }

  private clearBatches(): void {
    for (const c of this.cut) this.changedBatches.add(c.k);
    if (this.pending.length > 0) this.changedBatches.add(this.k);
    this.header = undefined;
    this.pending = [];
    this.pendingIds = [];
    this.deposits = [];
    this.firstOpAt = undefined;
    this.cut = [];
  }

  /** Takes the oldest cut batch (the service stored it as a job). */
  takeCut(): Batch | undefined {
    const c = this.cut.shift();
    if (c !== undefined) this.changedBatches.add(c.k);
    return c?.batch;
  }

  /**
   * Sets the oracle header of the next batch. When the pending ops do not hold under
   * it (e.g. an order expires), the pending batch is first cut with its old header.
   * @throws RuleError when the header is not valid; nothing changes then
   */
  setHeader(h: BatchHeader): void {
    if (this.pending.length === 0) {
      checkHeader(this.base.params, this.base.global, h);
      this.header = h;
      return;
    }
    try {
      this.work = applyBatch(this.base, this.batchOf(h, this.pending, this.deposits)).state;
      this.header = h;
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      checkHeader(this.work.params, this.work.global, h);
      this.cutNow();
      this.header = h;
    }
  }

  /**
   * Validates an order and matches it against the book, or rests it.
   * @throws RuleError naming the rule the order breaks; SequencerError when there is
   *   no header to validate a trade under or the book is full. Nothing changes then.
   */
  submitOrder(order: SignedOrder): OrderResult {
    this.checkOrder(order);
    const book = this.book(order.marketId);
    const orderId = OrderBook.idOf(order);
    for (const maker of book.crossing(order)) {
      if (maker.order.accountIndex === order.accountIndex || maker.id === orderId) continue;
      const op = this.tradeOf(maker, order);
      const header = this.headerOrThrow();
      let next: State;
      try {
        next = applyBatch(this.base, this.batchOf(header, [...this.pending, op], this.deposits)).state;
      } catch (e) {
        if (e instanceof RuleError && blamesMaker(e, maker.order)) continue; // a stale maker: try the next one
        throw e;
      }
      this.header = header;
      book.remove(maker.id);
      this.changedOrders.add(maker.id);
      this.accept(op, next, [maker.id, orderId]);
      return { status: "filled", orderId, trade: { makerOrderId: maker.id, q: op.q, price: maker.order.limitPrice }, pendingOps: this.pending.length };
    }
    const old = book.findByNonce(order.accountIndex, order.nonce);
    if (old === undefined && this.restingOrders >= this.opts.maxRestingOrders) {
      throw new SequencerError("BOOK_FULL", `${this.restingOrders} resting orders, limit ${this.opts.maxRestingOrders}`);
    }
    if (old !== undefined) {
      book.remove(old.id);
      this.changedOrders.add(old.id);
      if (old.id !== orderId) this.fates.set(old.id, { status: "cancelled", code: "REPLACED", reason: `replaced by order ${orderId} (same account and nonce)` });
    }
    book.add(order, this.opts.clock());
    this.changedOrders.add(orderId);
    return { status: "resting", orderId, replaced: old?.id, pendingOps: this.pending.length };
  }

  /**
   * Accepts the next L1 priority-queue entry as a DEPOSIT op (the operator reads the
   * entries from the contract, in order; `submitQueueEntry` picks the op by the key).
   * @throws RuleError / SequencerError as `submitOrder`; nothing changes then
   */
  submitDeposit(entry: DepositEntry): OpResult {
    return this.submitOp({ type: "DEPOSIT" }, entry);
  }

  /**
   * Accepts the next L1 priority-queue entry, a forced-withdrawal request (key (0, 1)),
   * as a FORCED_WITHDRAW op.
   * @throws RuleError (DEPOSIT_QUEUE when the entry is a deposit) / SequencerError; nothing changes then
   */
  submitForcedWithdraw(entry: DepositEntry): OpResult {
    return this.submitOp({ type: "FORCED_WITHDRAW" }, entry);
  }

  /** The next L1 priority-queue entry as the op its key calls for: FORCED_WITHDRAW for a request, DEPOSIT otherwise. */
  submitQueueEntry(entry: DepositEntry): OpResult {
    return isForcedRequest(entry) ? this.submitForcedWithdraw(entry) : this.submitDeposit(entry);
  }

  /**
   * Accepts a signed withdrawal.
   * @throws RuleError (BAD_SIGNATURE, NONCE_MISMATCH, INSUFFICIENT_MARGIN, …) / SequencerError; nothing changes then
   */
  submitWithdraw(op: WithdrawOp): OpResult {
    return this.submitOp(op);
  }

  /**
   * Accepts a settlement of a position in a settled market (no signature).
   * @throws RuleError (MARKET_NOT_SETTLED, NO_POSITION, …) / SequencerError; nothing changes then
   */
  submitSettle(op: SettleOp): OpResult {
    return this.submitOp(op);
  }

  /**
   * Accepts a liquidation (the liquidator's signed message and q). When the rules
   * refuse it only because the fund cannot pay the deficit it leaves (FUND_NEGATIVE)
   * and `autoDeleverage` is on, a planned DELEVERAGE of the liquidatee goes in instead
   * (status `deleveraged`); when no deleverage holds either, the FUND_NEGATIVE refusal stands.
   * @throws RuleError (NOT_LIQUIDATABLE, BAD_SIGNATURE, …) / SequencerError; nothing changes then
   */
  submitLiquidate(op: LiquidateOp): OpResult {
    try {
      return this.submitOp(op);
    } catch (e) {
      if (!(e instanceof RuleError) || e.code !== "FUND_NEGATIVE" || this.opts.autoDeleverage === false) throw e;
      const dlv = this.planDeleverageFor(op.liquidatee, op.liquidator.marketId);
      if (dlv === undefined) throw e;
      try {
        const r = this.submitOp(dlv);
        return { ...r, status: "deleveraged", deleverage: dlv };
      } catch (e2) {
        if (e2 instanceof RuleError) throw e; // the liquidation's refusal is the answer
        throw e2;
      }
    }
  }

  /**
   * The DELEVERAGE the rules take first for `bankrupt` in `marketId` under the current
   * header, on the pending state (undefined when nobody holds the opposite side or the
   * account holds no position there).
   */
  planDeleverageFor(bankrupt: number, marketId: number): DeleverageOp | undefined {
    const header = this.headerOrThrow();
    const s = this.work;
    if (!Number.isInteger(bankrupt) || bankrupt <= 0 || bankrupt >= s.capacity) return undefined;
    if (!Number.isInteger(marketId) || marketId < 1 || marketId > s.params.markets) return undefined;
    let markets;
    try {
      markets = applyHeader(this.base.params, this.base.global, header).markets;
    } catch (e) {
      if (e instanceof RuleError) return undefined;
      throw e;
    }
    try {
      return planDeleverage(s, bankrupt, marketId, markets);
    } catch (e) {
      if (e instanceof RangeError) return undefined; // no position, or no bankruptcy price
      throw e;
    }
  }

  /**
   * Validates one op (with its queue entry for DEPOSIT / FORCED_WITHDRAW) against the
   * pending state under the current header and adds it to the pending batch.
   */
  private submitOp(op: Op, entry?: DepositEntry): OpResult {
    const header = this.headerOrThrow();
    const deposits = entry === undefined ? this.deposits : [...this.deposits, entry];
    const ids = idsOf(op, entry, entry === undefined ? undefined : BigInt(this.work.global.depositCount));
    const next = applyBatch(this.base, this.batchOf(header, [...this.pending, op], deposits)).state;
    this.header = header;
    this.deposits = deposits;
    this.accept(op, next, ids);
    return { opId: ids[0], status: "accepted", op: op.type, pendingOps: this.pending.length };
  }

  /**
   * Rebuilds the sequencer on `state` (the ledger's) from what a journal held: the
   * batches not yet in the ledger, oldest first, and the resting orders. A held batch
   * that still applies whole is kept as it was (same ops, same header, cut or being
   * filled); from the first one that does not, the ops are re-applied one at a time
   * (`rebase`). Resting orders that can no longer fill are taken off the book.
   */
  restore(state: State, batches: readonly HeldBatch[], resting: readonly RestingOrder[]): void {
    this.reset(state);
    for (const r of [...resting].sort((x, y) => x.seq - y.seq)) this.book(r.order.marketId).restore(r);
    let i = 0;
    for (; i < batches.length; i++) {
      const h = batches[i];
      let next: State;
      try {
        next = applyBatch(this.work, h.batch).state;
      } catch (e) {
        if (e instanceof RuleError) break;
        throw e;
      }
      this.k = h.k;
      if (h.cut || i < batches.length - 1) {
        this.cut.push({ ...h, cut: true });
        this.base = next;
        this.k = h.k + 1;
      } else {
        this.header = h.batch.header;
        this.pending = [...h.batch.ops];
        this.pendingIds = h.ids.map((x) => [...x]);
        this.deposits = [...h.batch.deposits];
        this.firstOpAt = h.firstOpAt;
      }
      this.work = next;
    }
    if (i < batches.length) {
      this.k = Math.max(this.k, ...batches.map((b) => b.k + 1));
      // their ops go into new batches: the journal drops the old keys
      for (const b of batches.slice(i)) this.changedBatches.add(b.k);
      this.reapply(batches.slice(i), "does not apply to the stored ledger on restart");
    }
    this.pruneBook("NONCE_CONSUMED");
  }

  /**
   * Moves everything not yet in the ledger onto `state`, the ledger after a batch was
   * taken back (cancelled, or refused by the engine): the ops of `lost` (that batch,
   * if it was this sequencer's) and of every held batch are re-applied one at a time, in
   * order. L1 queue entries are not re-applied: the deposit feed reads them again from
   * the queue, in order, so an entry that is not in the queue (a fabricated deposit) is
   * never added again. An op that no longer holds is marked rejected with the rule.
   * Resting orders stay unless they can no longer fill.
   * @returns the ids marked rejected
   */
  rebase(state: State, why: string, lost?: Batch): string[] {
    const held: HeldBatch[] = [...this.cut];
    const f = this.filling();
    if (f !== undefined) held.push(f);
    if (lost !== undefined) held.unshift({ k: 0, batch: lost, ids: idsOfBatch(lost, BigInt(state.global.depositCount)), cut: true });
    this.base = state;
    this.work = state;
    this.clearBatches();
    this.k++;
    const rejected = this.reapply(held, why);
    this.pruneBook("REBASED");
    return rejected;
  }

  private reapply(held: readonly HeldBatch[], why: string): string[] {
    const rejected: string[] = [];
    const reject = (ids: readonly string[], code: string, reason: string): void => {
      for (const id of ids) {
        rejected.push(id);
        this.fates.set(id, { status: "rejected", code, reason });
      }
    };
    for (const h of held) {
      if (this.header === undefined) this.reuseHeader(h.batch.header);
      h.batch.ops.forEach((op, j) => {
        const ids = h.ids[j] ?? [];
        if (op.type === "DEPOSIT" || op.type === "FORCED_WITHDRAW") {
          reject(ids, "REBASED_QUEUE_ENTRY", `${why}: an L1 queue entry is read again from the queue, in order (one that is not in the queue is not added again)`);
          return;
        }
        if (op.type === "NOOP") return;
        try {
          const header = this.headerOrThrow();
          const next = applyBatch(this.base, this.batchOf(header, [...this.pending, op], this.deposits)).state;
          this.header = header;
          this.accept(op, next, [...ids]);
        } catch (e) {
          if (e instanceof RuleError || e instanceof SequencerError) reject(ids, e.code, `${why}; re-applied on the ledger it is refused: ${e.message}`);
          else throw e;
        }
      });
    }
    return rejected;
  }

  /** Takes a header of a batch taken back when it still holds on the new base. */
  private reuseHeader(h: BatchHeader): void {
    try {
      checkHeader(this.base.params, this.base.global, h);
      this.header = h;
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
    }
  }

  /** Cuts the pending batch when `batchIntervalMs` has passed since its first op. */
  tick(): Batch | undefined {
    if (this.firstOpAt === undefined) return undefined;
    if (this.opts.clock() - this.firstOpAt < this.opts.batchIntervalMs) return undefined;
    return this.cutNow();
  }

  /** Cuts the pending batch now (nothing when it is empty). */
  cutNow(): Batch | undefined {
    if (this.pending.length === 0 || this.header === undefined) return undefined;
    const batch = this.batchOf(this.header, this.pending, this.deposits);
    this.cut.push({ k: this.k, batch, ids: this.pendingIds, cut: true, firstOpAt: this.firstOpAt });
    this.changedBatches.add(this.k);
    this.k++;
    this.base = this.work;
    this.pending = [];
    this.pendingIds = [];
    this.deposits = [];
    this.header = undefined;
    this.firstOpAt = undefined;
    for (const f of this.cutObservers) f(batch);
    return batch;
  }

  private accept(op: Op, next: State, ids: string[]): void {
    if (this.pending.length === 0) this.firstOpAt = this.opts.clock();
    this.pending.push(op);
    this.pendingIds.push(ids);
    this.changedBatches.add(this.k);
    this.work = next;
    this.pruneBook("NONCE_CONSUMED");
    if (this.pending.length >= this.batchSize) this.cutNow();
  }

  /** Takes off the book the orders that can never fill on the pending state (nonce consumed, account gone). */
  private pruneBook(code: string): void {
    const s = this.work;
    for (const b of this.books.values()) {
      b.prune((r) => {
        const a = s.account(r.order.accountIndex);
        if (r.order.nonce === a.nonce && !isEmptyAccount(a)) return true;
        this.changedOrders.add(r.id);
        const why = isEmptyAccount(a) ? `account ${r.order.accountIndex} no longer exists` : `account ${r.order.accountIndex}'s nonce moved to ${a.nonce}`;
        this.fates.set(r.id, { status: "cancelled", code, reason: `taken off the book: ${why}` });
        return false;
      });
    }
  }

  private batchOf(header: BatchHeader, ops: readonly Op[], deposits: readonly DepositEntry[]): Batch {
    return { header, ops: [...ops], deposits: [...deposits] };
  }

  private headerOrThrow(): BatchHeader {
    if (this.header !== undefined) return this.header;
    if (this.opts.devOracle !== undefined) return this.opts.devOracle(this.base, this.opts.clock());
    throw new SequencerError("NO_ORACLE_HEADER", "no oracle header for the next batch; the oracle must post one to /v1/oracle/headers");
  }

  private tradeOf(maker: RestingOrder, taker: SignedOrder): TradeOp {
    const q = maker.order.size < taker.size ? maker.order.size : taker.size;
    return { type: "TRADE", maker: maker.order, taker, q, makerFeeBps: this.opts.makerFeeBps ?? 0n, takerFeeBps: this.opts.takerFeeBps ?? 0n };
  }

  /** The rules of an order that hold without a counterparty, against the pending state. */
  private checkOrder(o: SignedOrder): void {
    const s = this.work;
    const M = s.params.markets;
    if (!Number.isInteger(o.marketId) || o.marketId < 1 || o.marketId > M) {
      throw new RuleError("UNKNOWN_MARKET", "TRADE", `order market ${o.marketId} outside 1..${M}`, { marketId: o.marketId, markets: M });
    }
    const i = o.accountIndex;
    if (!Number.isInteger(i) || i < 0 || i >= s.capacity || isEmptyAccount(s.account(i))) {
      throw new RuleError("UNKNOWN_ACCOUNT", "TRADE", `order account ${i} is empty or outside the tree (0..${s.capacity - 1})`, { accountIndex: i });
    }
    requireOpenRange("TRADE", "size", o.size, 0n, pow2(32), "order");
    requireOpenRange("TRADE", "limitPrice", o.limitPrice, 0n, pow2(48), "order");
    requireOpenRange("TRADE", "expiry", o.expiry, -1n, pow2(32), "order");
    requireOpenRange("TRADE", "nonce", o.nonce, -1n, pow2(32), "order");
    requireOpenRange("TRADE", "maxFeeBps", o.maxFeeBps, -1n, pow2(8), "order");
    const a = s.account(i);
    if (!verifyOrder(o, a)) {
      throw new RuleError("BAD_SIGNATURE", "TRADE", `order signature does not verify under account ${i}'s key`, { accountIndex: i });
    }
    if (o.nonce !== a.nonce) {
      throw new RuleError("NONCE_MISMATCH", "TRADE", `order nonce ${o.nonce} ≠ account ${i} nonce ${a.nonce}`, { accountIndex: i, orderNonce: o.nonce, nonce: a.nonce });
    }
    // the order may end up maker or taker: it must allow the larger of the two fees
    const [mf, tf] = [this.opts.makerFeeBps ?? 0n, this.opts.takerFeeBps ?? 0n];
    const fee = mf > tf ? mf : tf;
    if (fee > o.maxFeeBps) {
      throw new RuleError("FEE_ABOVE_MAX", "TRADE", `the operator's fee ${fee} bps > maxFeeBps ${o.maxFeeBps} of account ${i}'s order`, { accountIndex: i, feeBps: fee, maxFeeBps: o.maxFeeBps });
    }
    const ts = this.header?.timestamp;
    if (ts !== undefined && ts > o.expiry) {
      throw new RuleError("ORDER_EXPIRED", "TRADE", `order of account ${i} expired: timestamp ${ts} > expiry ${o.expiry}`, { accountIndex: i, timestamp: ts, expiry: o.expiry });
    }
  }
}

/** True when a trade's refusal is about the resting (maker) order. */
function blamesMaker(e: RuleError, maker: SignedOrder): boolean {
  if (e.details.role === "maker") return true;
  if (e.details.role === "taker") return false;
  if (e.details.accountIndex === maker.accountIndex) return true;
  return /\bmaker\b/.test(e.message);
}
