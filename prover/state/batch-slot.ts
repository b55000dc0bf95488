/**
 * One op slot of a batch (phase C of batch.ts): the op's rules on the accounts it
 * names, its two account updates a then b (trace.ts), and what it adds to the running
 * values of the batch (deposit head, the fund's net credit, withdrawals). Shared by
 * `applyBatch` and the sequencer's one-op-at-a-time `BatchCursor`, so both apply the
 * same rules and raise the same errors.
 */
import { RuleError } from "./errors";
import { applyDeleverage } from "./ops/deleverage";
import { applyDeposit, depositChainStep, type DepositEntry } from "./ops/deposit";
import { applyForcedWithdraw } from "./ops/forced-withdraw";
import { applyLiquidate } from "./ops/liquidate";
import { applySettle } from "./ops/settle";
import { applyTrade } from "./ops/trade";
import { applyWithdraw } from "./ops/withdraw";
import type { OpContext } from "./ops/common";
import type { Op } from "./batch";
import type { State } from "./state";
import type { Account } from "./account";
import type { AccountUpdateTrace, SlotTrace } from "./trace";

/** The running values of a batch, after the slots applied so far. */
export interface SlotRun {
  head: bigint;
  /** The fund's net credit: fees + penalties − deficits. */
  fees: bigint;
  tradeFees: bigint;
  penalties: bigint;
  deficits: bigint;
  withdrawn: bigint;
  /** L1 queue entries consumed. */
  consumed: number;
}

/** The account updates of a slot, on the batch's working state. */
export interface SlotUpdates {
  update(index: number, after: Account): AccountUpdateTrace;
  /** The dummy update: account 0, after = before. */
  dummy(): AccountUpdateTrace;
}

/** What one slot contributes to the trace besides the running values. */
export type SlotBody = Omit<SlotTrace, "depositHeadBefore" | "depositHeadAfter" | "feesBefore" | "feesAfter" | "fundAvailableBefore">;

/** The queue entry a DEPOSIT or FORCED_WITHDRAW consumes (the batch supplies one per such op). */
function queueEntry(type: string, entry: DepositEntry | undefined): DepositEntry {
  if (entry === undefined) throw new RuleError("DEPOSIT_QUEUE", "BATCH", `a ${type} op with no queue entry supplied`, { depositOps: 1, entries: 0 });
  return entry;
}

/**
 * Applies one op to `s` through `u`, moving `run` on.
 * @param fundStart - the fund's collateral at the start of the batch (DELEVERAGE compares with it)
 * @param entry - the queue entry of a DEPOSIT or FORCED_WITHDRAW
 * @throws RuleError of the op's rules; the accounts are unchanged then (each op's rules run before its updates)
 */
export function applySlot(s: State, ctx: OpContext, fundStart: bigint, run: SlotRun, op: Op, entry: DepositEntry | undefined, u: SlotUpdates): SlotBody {
  const headBefore = run.head;
  switch (op.type) {
    case "NOOP": {
      const a = u.dummy();
      const b = u.dummy();
      return { type: "NOOP", a, b, aFunded: a.before, bFunded: b.before };
    }
    case "DEPOSIT": {
      const q = queueEntry(op.type, entry);
      const after = applyDeposit(s.account(q.accountIndex), q, s.capacity);
      const a = u.update(q.accountIndex, after);
      const b = u.dummy();
      run.head = depositChainStep(headBefore, q);
      run.consumed++;
      return { type: "DEPOSIT", a, b, aFunded: a.before, bFunded: b.before, deposit: { entry: q, headBefore, headAfter: run.head } };
    }
    case "TRADE": {
      const r = applyTrade(ctx, s.account(op.maker.accountIndex), s.account(op.taker.accountIndex), op);
      const a = u.update(op.maker.accountIndex, r.maker);
      const b = u.update(op.taker.accountIndex, r.taker);
      run.fees += r.makerFee + r.takerFee;
      run.tradeFees += r.makerFee + r.takerFee;
      return {
        type: "TRADE",
        a,
        b,
        aFunded: r.makerFunded,
        bFunded: r.takerFunded,
        trade: {
          maker: op.maker,
          taker: op.taker,
          q: op.q,
          price: r.price,
          makerFeeBps: op.makerFeeBps,
          takerFeeBps: op.takerFeeBps,
          makerFee: r.makerFee,
          takerFee: r.takerFee,
          makerSlot: r.makerSlot,
          takerSlot: r.takerSlot,
        },
      };
    }
    case "WITHDRAW": {
      const r = applyWithdraw(ctx, s.account(op.accountIndex), op);
      const a = u.update(op.accountIndex, r.after);
      const b = u.dummy();
      run.withdrawn += op.amount;
      return { type: "WITHDRAW", a, b, aFunded: r.funded, bFunded: b.before, withdraw: { amount: op.amount, nonce: op.nonce, signature: op.signature } };
    }
    case "LIQUIDATE": {
      const bi = op.liquidator.liquidatorIndex;
      const r = applyLiquidate(ctx, s.account(op.liquidatee), s.account(bi), op);
      const a = u.update(op.liquidatee, r.liquidatee);
      const b = u.update(bi, r.liquidator);
      run.fees += r.penalty - r.deficit;
      run.penalties += r.penalty;
      run.deficits += r.deficit;
      return {
        type: "LIQUIDATE",
        a,
        b,
        aFunded: r.liquidateeFunded,
        bFunded: r.liquidatorFunded,
        liquidate: {
          message: op.liquidator,
          q: op.q,
          marketId: op.liquidator.marketId,
          markPrice: r.markPrice,
          penalty: r.penalty,
          deficit: r.deficit,
          slotA: r.slotA,
          slotB: r.slotB,
        },
      };
    }
    case "SETTLE": {
      const r = applySettle(ctx, s.account(op.accountIndex), op);
      const a = u.update(op.accountIndex, r.after);
      const b = u.dummy();
      run.fees -= r.deficit;
      run.deficits += r.deficit;
      return { type: "SETTLE", a, b, aFunded: r.funded, bFunded: b.before, settle: { marketId: op.marketId, slot: r.slot, value: r.value, deficit: r.deficit } };
    }
    case "FORCED_WITHDRAW": {
      const q = queueEntry(op.type, entry);
      const r = applyForcedWithdraw(ctx, s.account(q.accountIndex), q);
      const a = u.update(q.accountIndex, r.after);
      const b = u.dummy();
      run.head = depositChainStep(headBefore, q);
      run.consumed++;
      run.withdrawn += r.amount;
      return {
        type: "FORCED_WITHDRAW",
        a,
        b,
        aFunded: r.funded,
        bFunded: b.before,
        deposit: { entry: q, headBefore, headAfter: run.head },
        forcedWithdraw: { amount: r.amount },
      };
    }
    case "DELEVERAGE": {
      const r = applyDeleverage(ctx, s.account(op.bankrupt), s.account(op.counterparty), op, fundStart + run.fees);
      const a = u.update(op.bankrupt, r.bankrupt);
      const b = u.update(op.counterparty, r.counterparty);
      return {
        type: "DELEVERAGE",
        a,
        b,
        aFunded: r.bankruptFunded,
        bFunded: r.counterpartyFunded,
        deleverage: { marketId: op.marketId, q: op.q, price: op.price, slotA: r.slotA, slotB: r.slotB },
      };
    }
    default:
      throw new RuleError("RANGE", "BATCH", `unknown op type ${(op as { type?: unknown }).type}`, { type: String((op as { type?: unknown }).type) });
  }
}
