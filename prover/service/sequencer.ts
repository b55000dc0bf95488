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

/** What became of a posted WITHDRAW, LIQUIDATE, SETTLE or queue entry. */
export interface OpResult {
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
  private deposits: DepositEntry[] = [];
  private firstOpAt: number | undefined;
  private readonly books = new Map<number, OrderBook>();
  private readonly cut: Batch[] = [];
  private readonly cutObservers: ((batch: Batch) => void)[] = [];

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
    return this.cut;
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
    this.header = undefined;
    this.pending = [];
    this.deposits = [];
    this.firstOpAt = undefined;
    this.books.clear();
    this.cut.length = 0;
    return dropped;
  }

  /** Calls `fn` with each batch as it is cut (metrics: op-latency.ts). */
  onCut(fn: (batch: Batch) => void): void {
    this.cutObservers.push(fn);
  }

  /** Takes the oldest cut batch; `requeue` puts it back when the engine refused it. */
  takeCut(): Batch | undefined {
    return this.cut.shift();
  }

  requeue(batch: Batch): void {
    this.cut.unshift(batch);
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
      this.accept(op, next);
      return { status: "filled", orderId, trade: { makerOrderId: maker.id, q: op.q, price: maker.order.limitPrice }, pendingOps: this.pending.length };
    }
    const old = book.findByNonce(order.accountIndex, order.nonce);
    if (old === undefined && this.restingOrders >= this.opts.maxRestingOrders) {
      throw new SequencerError("BOOK_FULL", `${this.restingOrders} resting orders, limit ${this.opts.maxRestingOrders}`);
    }
    if (old !== undefined) book.remove(old.id);
    book.add(order, this.opts.clock());
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
    const next = applyBatch(this.base, this.batchOf(header, [...this.pending, op], deposits)).state;
    this.header = header;
    this.deposits = deposits;
    this.accept(op, next);
    return { status: "accepted", op: op.type, pendingOps: this.pending.length };
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
    this.base = this.work;
    this.pending = [];
    this.deposits = [];
    this.header = undefined;
    this.firstOpAt = undefined;
    this.cut.push(batch);
    for (const f of this.cutObservers) f(batch);
    return batch;
  }

  private accept(op: Op, next: State): void {
    if (this.pending.length === 0) this.firstOpAt = this.opts.clock();
    this.pending.push(op);
    this.work = next;
    // orders whose nonce the accepted ops consumed can never fill
    for (const b of this.books.values()) b.prune((r) => r.order.nonce === next.account(r.order.accountIndex).nonce);
    if (this.pending.length >= this.batchSize) this.cutNow();
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
