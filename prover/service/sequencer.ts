/**
 * Sequencer mode (docs/service.md, "Sequencer and ledger"): signed orders,
 * withdrawals, liquidations, settlements and L1 priority-queue entries (deposits,
 * forced-withdrawal requests) come in one at a time and are validated at once against
 * the *pending* state — the base state (the ledger after every cut batch) plus the ops
 * accepted for the next batch. Each op is applied alone to that state, with the rules
 * and errors of `applyBatch` (sequencer-pending.ts); a refused op changes nothing. The
 * base, the batch being filled, cutting and the books' upkeep are sequencer-core.ts;
 * this file is the ops clients post and the recovery (restore, rebase).
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
 *   `takeChanges` (sequencer-intake.ts writes it before a client is answered).
 * - `restore` rebuilds the book and the pending ops from the journal; `rebase` moves
 *   everything not yet in the ledger onto a ledger that went back (a cancelled or
 *   refused batch), answering the ops that no longer hold as rejected with the rule.
 *
 * Pure logic: the clock and the dev oracle are injected; nothing here does I/O.
 */
import { applyBatch, type Batch, type Op } from "../state/batch";
import { RuleError } from "../state/errors";
import { applyHeader, checkHeader } from "../state/header";
import { planDeleverage, type DeleverageOp } from "../state/ops/deleverage";
import type { DepositEntry } from "../state/ops/deposit";
import { isForcedRequest } from "../state/ops/forced-withdraw";
import type { LiquidateOp } from "../state/ops/liquidate";
import type { SettleOp } from "../state/ops/settle";
import type { WithdrawOp } from "../state/ops/withdraw";
import type { SignedOrder } from "../state/signing";
import type { State } from "../state/state";
import type { BatchHeader } from "../state/trace";
import { OrderBook, type RestingOrder } from "./sequencer-book";
import { SequencerCore } from "./sequencer-core";
import { idsOf, idsOfBatch } from "./sequencer-ids";
import { PendingBatch } from "./sequencer-pending";
import { blamesMaker, checkOrder, tradeOf } from "./sequencer-rules";
import { SequencerError, type HeldBatch, type OpResult, type OrderResult } from "./sequencer-types";

export { SequencerError, type HeldBatch, type OpResult, type OrderResult, type SequencerChanges, type SequencerErrorCode, type SequencerOptions } from "./sequencer-types";

export class Sequencer extends SequencerCore {
  /**
   * Sets the oracle header of the next batch. When the pending ops do not hold under
   * it (e.g. an order expires), the pending batch is first cut with its old header.
   * @throws RuleError when the header is not valid; nothing changes then
   */
  setHeader(h: BatchHeader): void {
    const o = this.open;
    if (o === undefined) {
      checkHeader(this.base.params, this.base.global, h);
      this.header = h;
      return;
    }
    try {
      this.open = PendingBatch.of(this.base, h, o.ops, o.ids, o.batch().deposits, o.firstOpAt);
      this.header = h;
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      const s = o.state();
      checkHeader(s.params, s.global, h);
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
    const mf = this.opts.makerFeeBps ?? 0n;
    const tf = this.opts.takerFeeBps ?? 0n;
    checkOrder(order, { params: this.base.params, capacity: this.base.capacity, account: (i) => this.account(i), timestamp: this.header?.timestamp, makerFeeBps: mf, takerFeeBps: tf });
    const book = this.book(order.marketId);
    const orderId = OrderBook.idOf(order);
    for (const maker of book.crossing(order)) {
      if (maker.order.accountIndex === order.accountIndex || maker.id === orderId) continue;
      const op = tradeOf(maker, order, mf, tf);
      try {
        this.add(op, [maker.id, orderId]);
      } catch (e) {
        if (e instanceof RuleError && blamesMaker(e, maker.order)) continue; // a stale maker: try the next one
        throw e;
      }
      book.remove(maker.id);
      this.changes.order(maker.id);
      this.afterAdd();
      return { status: "filled", orderId, trade: { makerOrderId: maker.id, q: op.q, price: maker.order.limitPrice }, pendingOps: this.pendingOps };
    }
    const old = book.findByNonce(order.accountIndex, order.nonce);
    if (old === undefined && this.restingOrders >= this.opts.maxRestingOrders) {
      throw new SequencerError("BOOK_FULL", `${this.restingOrders} resting orders, limit ${this.opts.maxRestingOrders}`);
    }
    if (old !== undefined) {
      book.remove(old.id);
      this.changes.order(old.id);
      if (old.id !== orderId) this.changes.fate(old.id, { status: "cancelled", code: "REPLACED", reason: `replaced by order ${orderId} (same account and nonce)` });
    }
    book.add(order, this.opts.clock());
    this.changes.order(orderId);
    return { status: "resting", orderId, replaced: old?.id, pendingOps: this.pendingOps };
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
    const s = this.pendingState();
    if (!Number.isInteger(bankrupt) || bankrupt <= 0 || bankrupt >= s.capacity) return undefined;
    if (!Number.isInteger(marketId) || marketId < 1 || marketId > s.params.markets) return undefined;
    let markets;
    try {
      markets = this.open?.markets ?? applyHeader(this.base.params, this.base.global, header).markets;
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
    const ids = idsOf(op, entry, entry === undefined ? undefined : this.nextQueueIndex());
    this.add(op, ids, entry);
    this.afterAdd();
    return { opId: ids[0], status: "accepted", op: op.type, pendingOps: this.pendingOps };
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
      const filling = !h.cut && i === batches.length - 1;
      let next: State | PendingBatch;
      try {
        const b = h.batch;
        next = filling ? PendingBatch.of(this.base, b.header, b.ops, h.ids, b.deposits, h.firstOpAt) : applyBatch(this.base, b).state;
      } catch (e) {
        if (e instanceof RuleError) break;
        throw e;
      }
      this.k = h.k;
      if (next instanceof PendingBatch) {
        this.header = h.batch.header;
        this.open = next;
      } else {
        this.cut.push({ ...h, cut: true });
        this.base = next;
        this.k = h.k + 1;
      }
    }
    if (i < batches.length) {
      this.k = Math.max(this.k, ...batches.map((b) => b.k + 1));
      // their ops go into new batches: the journal drops the old keys
      for (const b of batches.slice(i)) this.changes.batch(b.k);
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
        this.changes.fate(id, { status: "rejected", code, reason });
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
          this.add(op, [...ids]);
        } catch (e) {
          if (e instanceof RuleError || e instanceof SequencerError) reject(ids, e.code, `${why}; re-applied on the ledger it is refused: ${e.message}`);
          else throw e;
          return;
        }
        this.afterAdd();
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
}
