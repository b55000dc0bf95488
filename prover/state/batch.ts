/**
 * Applying a batch (protocol.md section 5) to a state, producing the new state and
 * the trace a circuit witness builder needs. Phases:
 *
 * A: header checks (timestamp, prices, oracle quorum)
 * B: set the new mark prices in every market leaf
 * C: the N op slots, each two account updates a then b (see trace.ts)
 * D: credit the summed fees to account 0 in one update
 * E: new global hash (timestamp, prices, depositHead) and state root
 *
 * The input state is never mutated: the batch runs on a clone, and on any RuleError
 * nothing changes.
 */
import type { Account } from "./account";
import { RuleError, formatUnits } from "./errors";
import { pow2 } from "./field";
import { globalHash, pricesHash, riskHash, stateRoot, withMarkPrices } from "./global";
import { checkHeader } from "./header";
import { applyDeposit, depositChainStep, type DepositEntry, type DepositOp } from "./ops/deposit";
import { NOOP, type NoopOp } from "./ops/noop";
import { applyTrade, type TradeOp } from "./ops/trade";
import type { State } from "./state";
import type { AccountUpdateTrace, BatchHeader, BatchTrace, SlotTrace } from "./trace";

/** One op slot of a batch. */
export type Op = NoopOp | DepositOp | TradeOp;

/** A batch as the operator submits it to the reference rules. */
export interface Batch {
  readonly header: BatchHeader;
  /** At most N ops; padded with NOOP to N. */
  readonly ops: readonly Op[];
  /** The L1 queue entries the DEPOSIT ops consume, in queue order (exactly one per DEPOSIT op). */
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
  const deposits = batch.ops.filter((o) => o.type === "DEPOSIT").length;
  if (deposits !== batch.deposits.length) {
    throw new RuleError("DEPOSIT_QUEUE", "BATCH", `${deposits} DEPOSIT ops but ${batch.deposits.length} queue entries supplied`, {
      depositOps: deposits,
      entries: batch.deposits.length,
    });
  }
  return [...batch.ops, ...Array.from({ length: N - batch.ops.length }, () => NOOP)];
}

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

  // A: header checks
  const oracleMsg = checkHeader(s.params, oldGlobal, batch.header);
  const ops = padOps(s, batch);

  // B: new mark prices before any op
  s.setGlobal(withMarkPrices(oldGlobal, batch.header.markPrices));
  const ctx = { timestamp: batch.header.timestamp, markets: s.global.markets, risk: s.global.risk, capacity: s.capacity };

  // C: op slots
  let head = oldGlobal.depositHead;
  let fees = 0n;
  let consumed = 0;
  const slots: SlotTrace[] = [];
  ops.forEach((op, slot) => {
    const headBefore = head;
    const feesBefore = fees;
    try {
      if (op.type === "NOOP") {
        const a = dummy(s);
        const b = dummy(s);
        slots.push({ type: "NOOP", a, b, depositHeadBefore: head, depositHeadAfter: head, feesBefore, feesAfter: fees });
      } else if (op.type === "DEPOSIT") {
        const entry = batch.deposits[consumed];
        const after = applyDeposit(s.account(entry.accountIndex), entry, s.capacity);
        const a = update(s, entry.accountIndex, after);
        const b = dummy(s);
        head = depositChainStep(headBefore, entry);
        consumed++;
        slots.push({
          type: "DEPOSIT",
          a,
          b,
          deposit: { entry, headBefore, headAfter: head },
          depositHeadBefore: headBefore,
          depositHeadAfter: head,
          feesBefore,
          feesAfter: fees,
        });
      } else {
        const r = applyTrade(ctx, s.account(op.maker.accountIndex), s.account(op.taker.accountIndex), op);
        const a = update(s, op.maker.accountIndex, r.maker);
        const b = update(s, op.taker.accountIndex, r.taker);
        fees += r.makerFee + r.takerFee;
        slots.push({
          type: "TRADE",
          a,
          b,
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
          depositHeadBefore: headBefore,
          depositHeadAfter: head,
          feesBefore,
          feesAfter: fees,
        });
      }
    } catch (e) {
      throw e instanceof RuleError ? e.atSlot(slot) : e;
    }
  });

  // D: fees to the insurance fund
  const fund = s.account(0);
  const credited = fund.collateral + fees;
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
    riskHash: riskHash(oldGlobal.risk),
    pricesHash: pricesHash(batch.header.markPrices),
    oracleHash: oracleMsg,
    slots,
    feeUpdate,
    totalFees: fees,
    depositsConsumed: consumed,
    depositsEnd: s.global.depositCount,
  };
  return { state: s, trace };
}
