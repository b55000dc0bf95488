/**
 * Applying a batch (protocol.md section 5) to a state, producing the new state and
 * the trace a circuit witness builder needs. Phases:
 *
 * A: header checks (timestamp, prices, funding rates, risk arrays, oracle quorum) and
 *    its effect on the markets: settlement of expiring markets, mark prices, funding indices
 * B: the new markets and the risk in force (the header's arrays, if any) in the global
 *    state, before any op
 * C: the N op slots, each two account updates a then b (see trace.ts); funding is
 *    applied to the accounts an op changes (every op but DEPOSIT) before the op
 * D: credit the fund's net credit (fees + penalties − deficits) to account 0 in one
 *    update; the fund may not end below 0
 * E: new global hash (timestamp, markets, depositHead) and state root
 *
 * The input state is never mutated: the batch runs on a clone, and on any RuleError
 * nothing changes.
 */
import type { Account } from "./account";
import { RuleError, formatUnits } from "./errors";
import { pow2 } from "./field";
import { globalHash, pricesHash, ratesHash, riskHash, stateRoot } from "./global";
import { applyHeader } from "./header";
import { applyDeleverage, type DeleverageOp } from "./ops/deleverage";
import { applyDeposit, depositChainStep, type DepositEntry, type DepositOp } from "./ops/deposit";
import { applyForcedWithdraw, type ForcedWithdrawOp } from "./ops/forced-withdraw";
import { applyLiquidate, type LiquidateOp } from "./ops/liquidate";
import { NOOP, type NoopOp } from "./ops/noop";
import { applySettle, type SettleOp } from "./ops/settle";
import { applyTrade, type TradeOp } from "./ops/trade";
import { applyWithdraw, type WithdrawOp } from "./ops/withdraw";
import type { OpContext } from "./ops/common";
import type { State } from "./state";
import type { AccountUpdateTrace, BatchHeader, BatchTrace, SlotTrace } from "./trace";

/** One op slot. */
export type Op = NoopOp | DepositOp | TradeOp | WithdrawOp | LiquidateOp | SettleOp | DeleverageOp | ForcedWithdrawOp;

/** A batch as the operator submits it to the reference rules. */
export interface Batch {
  readonly header: BatchHeader;
  /** At most N ops; padded with NOOP to N. */
  readonly ops: readonly Op[];
  /** The L1 priority-queue entries the DEPOSIT and FORCED_WITHDRAW ops consume, in queue order (one per such op). */
  readonly deposits: readonly DepositEntry[];
}

/** The new state and the trace of a batch. */
export interface BatchResult {
  readonly state: State;
  readonly trace: BatchTrace;
}

/** Writes an account into the working state and records the update. */
function update(s: State, index: number, after: Account): AccountUpdateTrace {
  const before = s.account(index);
  const siblings = s.tree.siblings(index);
  const rootBefore = s.accountsRoot();
  if (after !== before) s.setAccount(index, after);
  return { index, before, after, siblings, rootBefore, rootAfter: s.accountsRoot() };
}

/** The dummy update: account 0, after = before. */
function dummy(s: State): AccountUpdateTrace {
  return update(s, 0, s.account(0));
}

/** Pads ops with NOOP to N and counts the DEPOSIT ops against the supplied entries. */
function padOps(s: State, batch: Batch): Op[] {
  const N = s.params.batchSize;
  if (batch.ops.length > N) {
    throw new RuleError("BATCH_FULL", "BATCH", `${batch.ops.length} ops > batchSize ${N}`, { ops: batch.ops.length, batchSize: N });
  }
  const deposits = batch.ops.filter((o) => o.type === "DEPOSIT" || o.type === "FORCED_WITHDRAW").length;
  if (deposits !== batch.deposits.length) {
    throw new RuleError("DEPOSIT_QUEUE", "BATCH", `${deposits} DEPOSIT and FORCED_WITHDRAW ops but ${batch.deposits.length} queue entries supplied`, {
      depositOps: deposits,
      entries: batch.deposits.length,
    });
  }
  return [...batch.ops, ...Array.from({ length: N - batch.ops.length }, () => NOOP)];
}

/** What one slot contributes to the trace besides the running values. */
type SlotBody = Omit<SlotTrace, "depositHeadBefore" | "depositHeadAfter" | "feesBefore" | "feesAfter" | "fundAvailableBefore">;

/**
 * Applies a batch.
 * @param state - the state before the batch (not mutated)
 * @param batch - header, ops (≤ N) and the deposit-queue entries they consume
 * @returns the new state and the trace
 * @throws RuleError naming the op, the rule and the numbers; the input is unchanged
 */
export function applyBatch(state: State, batch: Batch): BatchResult {
  const s = state.clone();
  const oldGlobal = state.global;
  const oldAccountsRoot = state.accountsRoot();
  const oldGlobalHash = globalHash(oldGlobal);

  // A: header
  const eff = applyHeader(s.params, oldGlobal, batch.header);
  const ops = padOps(s, batch);

  // B: the header's markets before any op
  s.setGlobal({ ...oldGlobal, markets: eff.markets, risk: eff.risk });
  const ctx: OpContext = { timestamp: batch.header.timestamp, markets: eff.markets, risk: eff.risk, capacity: s.capacity };
  const fundStart = s.account(0).collateral;

  // C: op slots
  let head = oldGlobal.depositHead;
  let fees = 0n; // net credit of the fund: fees + penalties − deficits
  let tradeFees = 0n;
  let penalties = 0n;
  let deficits = 0n;
  let withdrawn = 0n;
  let consumed = 0;
  const slots: SlotTrace[] = [];
  ops.forEach((op, slot) => {
    const headBefore = head;
    const feesBefore = fees;
    let body: SlotBody;
    try {
      switch (op.type) {
        case "NOOP": {
          const a = dummy(s);
          const b = dummy(s);
          body = { type: "NOOP", a, b, aFunded: a.before, bFunded: b.before };
          break;
        }
        case "DEPOSIT": {
          const entry = batch.deposits[consumed];
          const after = applyDeposit(s.account(entry.accountIndex), entry, s.capacity);
          const a = update(s, entry.accountIndex, after);
          const b = dummy(s);
          head = depositChainStep(headBefore, entry);
          consumed++;
          body = { type: "DEPOSIT", a, b, aFunded: a.before, bFunded: b.before, deposit: { entry, headBefore, headAfter: head } };
          break;
        }
        case "TRADE": {
          const r = applyTrade(ctx, s.account(op.maker.accountIndex), s.account(op.taker.accountIndex), op);
          const a = update(s, op.maker.accountIndex, r.maker);
          const b = update(s, op.taker.accountIndex, r.taker);
          fees += r.makerFee + r.takerFee;
          tradeFees += r.makerFee + r.takerFee;
          body = {
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
          break;
        }
        case "WITHDRAW": {
          const r = applyWithdraw(ctx, s.account(op.accountIndex), op);
          const a = update(s, op.accountIndex, r.after);
          const b = dummy(s);
          withdrawn += op.amount;
          body = { type: "WITHDRAW", a, b, aFunded: r.funded, bFunded: b.before, withdraw: { amount: op.amount, nonce: op.nonce, signature: op.signature } };
          break;
        }
        case "LIQUIDATE": {
          const bi = op.liquidator.liquidatorIndex;
          const r = applyLiquidate(ctx, s.account(op.liquidatee), s.account(bi), op);
          const a = update(s, op.liquidatee, r.liquidatee);
          const b = update(s, bi, r.liquidator);
          fees += r.penalty - r.deficit;
          penalties += r.penalty;
          deficits += r.deficit;
          body = {
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
          break;
        }
        case "SETTLE": {
          const r = applySettle(ctx, s.account(op.accountIndex), op);
          const a = update(s, op.accountIndex, r.after);
          const b = dummy(s);
          fees -= r.deficit;
          deficits += r.deficit;
          body = { type: "SETTLE", a, b, aFunded: r.funded, bFunded: b.before, settle: { marketId: op.marketId, slot: r.slot, value: r.value, deficit: r.deficit } };
          break;
        }
        case "FORCED_WITHDRAW": {
          const entry = batch.deposits[consumed];
          const r = applyForcedWithdraw(ctx, s.account(entry.accountIndex), entry);
          const a = update(s, entry.accountIndex, r.after);
          const b = dummy(s);
          head = depositChainStep(headBefore, entry);
          consumed++;
          withdrawn += r.amount;
          body = {
            type: "FORCED_WITHDRAW",
            a,
            b,
            aFunded: r.funded,
            bFunded: b.before,
            deposit: { entry, headBefore, headAfter: head },
            forcedWithdraw: { amount: r.amount },
          };
          break;
        }
        case "DELEVERAGE": {
          const r = applyDeleverage(ctx, s.account(op.bankrupt), s.account(op.counterparty), op, fundStart + fees);
          const a = update(s, op.bankrupt, r.bankrupt);
          const b = update(s, op.counterparty, r.counterparty);
          body = {
            type: "DELEVERAGE",
            a,
            b,
            aFunded: r.bankruptFunded,
            bFunded: r.counterpartyFunded,
            deleverage: { marketId: op.marketId, q: op.q, price: op.price, slotA: r.slotA, slotB: r.slotB },
          };
          break;
        }
        default:
          throw new RuleError("RANGE", "BATCH", `unknown op type ${(op as { type?: unknown }).type}`, { type: String((op as { type?: unknown }).type) });
      }
    } catch (e) {
      throw e instanceof RuleError ? e.atSlot(slot) : e;
    }
    slots.push({ ...body, depositHeadBefore: headBefore, depositHeadAfter: head, feesBefore, feesAfter: fees, fundAvailableBefore: fundStart + feesBefore });
  });

  // D: the net credit to the insurance fund
  const fund = s.account(0);
  const credited = fund.collateral + fees;
  if (credited < 0n) {
    throw new RuleError(
      "FUND_NEGATIVE",
      "FEES",
      `insurance fund collateral ${formatUnits(fund.collateral)} + fees and penalties ${formatUnits(tradeFees + penalties)} − deficits ${formatUnits(deficits)} = ${formatUnits(credited)} < 0: deleverage instead`,
      { collateral: fund.collateral, fees: tradeFees, penalties, deficits },
    );
  }
  if (credited >= pow2(63)) {
    throw new RuleError("RANGE", "FEES", `insurance fund collateral ${formatUnits(fund.collateral)} + fees ${formatUnits(fees)} reaches 2^63`, {
      collateral: fund.collateral,
      fees,
    });
  }
  const feeUpdate = update(s, 0, { ...fund, collateral: credited });

  // E: new global state
  s.setGlobal({ ...s.global, oracleTimestamp: batch.header.timestamp, depositHead: head, depositCount: oldGlobal.depositCount + consumed });
  const trace: BatchTrace = {
    oldGlobal,
    newGlobal: s.global,
    oldGlobalHash,
    newGlobalHash: s.globalHash(),
    oldAccountsRoot,
    newAccountsRoot: s.accountsRoot(),
    oldStateRoot: stateRoot(oldAccountsRoot, oldGlobalHash),
    newStateRoot: s.stateRoot(),
    header: batch.header,
    riskHash: riskHash(eff.risk),
    oldRiskHash: riskHash(oldGlobal.risk),
    pricesHash: pricesHash(batch.header.markPrices),
    ratesHash: ratesHash(batch.header.fundingRates),
    fundingRates: batch.header.fundingRates,
    dt: eff.dt,
    oldMarket: oldGlobal.markets,
    newMarket: eff.markets,
    fundingDelta: eff.fundingDelta,
    expiresNow: eff.expiresNow,
    oracleHash: eff.oracleHash,
    slots,
    feeUpdate,
    totalFees: fees,
    totalTradeFees: tradeFees,
    totalPenalties: penalties,
    totalDeficits: deficits,
    totalWithdrawn: withdrawn,
    depositsConsumed: consumed,
    depositsEnd: s.global.depositCount,
  };
  return { state: s, trace };
}
