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
 * nothing changes. Phases B–E are batch-cursor.ts, one slot of C batch-slot.ts.
 */
import { RuleError } from "./errors";
import { BatchCursor } from "./batch-cursor";
import type { DeleverageOp } from "./ops/deleverage";
import type { DepositEntry, DepositOp } from "./ops/deposit";
import type { ForcedWithdrawOp } from "./ops/forced-withdraw";
import type { LiquidateOp } from "./ops/liquidate";
import { NOOP, type NoopOp } from "./ops/noop";
import type { SettleOp } from "./ops/settle";
import type { TradeOp } from "./ops/trade";
import type { WithdrawOp } from "./ops/withdraw";
import type { State } from "./state";
import type { BatchHeader, BatchTrace } from "./trace";

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

/**
 * Applies a batch.
 * @param state - the state before the batch (not mutated)
 * @param batch - header, ops (≤ N) and the deposit-queue entries they consume
 * @returns the new state and the trace
 * @throws RuleError naming the op, the rule and the numbers; the input is unchanged
 */
export function applyBatch(state: State, batch: Batch): BatchResult {
  const cursor = new BatchCursor(state, batch.header);
  const ops = padOps(state, batch);
  for (const op of ops) {
    const queued = op.type === "DEPOSIT" || op.type === "FORCED_WITHDRAW";
    cursor.apply(op, queued ? batch.deposits[cursor.consumed] : undefined);
  }
  return cursor.finish();
}
