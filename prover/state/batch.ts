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
import type { Params } from "./params";
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
  const from = startKey(state);
  const known = recalled(state, batch, from);
  if (known !== undefined) return known;
  const cursor = new BatchCursor(state, batch.header);
  const ops = padOps(state, batch);
  for (const op of ops) applyOp(cursor, batch, op);
  return remember(state, batch, from, cursor.finish());
}

/**
 * `applyBatch` in steps of `slotsPerStep` slots, awaiting `pause()` between them (the
 * service yields to its event loop there, so that a batch's Merkle updates do not hold
 * up other requests). The same rules, result and errors as `applyBatch`; `state` must
 * not change until it resolves (it is copied first in any case).
 */
export async function applyBatchInSteps(state: State, batch: Batch, pause: () => Promise<void>, slotsPerStep = 4): Promise<BatchResult> {
  const from = startKey(state);
  const known = recalled(state, batch, from);
  if (known !== undefined) return known;
  const cursor = new BatchCursor(state, batch.header);
  const ops = padOps(state, batch);
  for (let i = 0; i < ops.length; i++) {
    if (i > 0 && i % slotsPerStep === 0) await pause();
    applyOp(cursor, batch, ops[i]);
  }
  return remember(state, batch, from, cursor.finish());
}

function applyOp(cursor: BatchCursor, batch: Batch, op: Op): void {
  const queued = op.type === "DEPOSIT" || op.type === "FORCED_WITHDRAW";
  cursor.apply(op, queued ? batch.deposits[cursor.consumed] : undefined);
}

function recalled(state: State, batch: Batch, from: string | undefined): BatchResult | undefined {
  const known = from === undefined ? undefined : lastResults.get(batch);
  return known !== undefined && known.from === from && known.params === state.params ? { state: known.state.clone(), trace: known.trace } : undefined;
}

function remember(state: State, batch: Batch, from: string | undefined, result: BatchResult): BatchResult {
  if (from !== undefined) lastResults.set(batch, { from, params: state.params, state: result.state.clone(), trace: result.trace });
  return result;
}

/**
 * The last result of `applyBatch` of each batch object still alive, with the state it
 * started from. The same batch is applied from the same state twice in a row on the
 * order path: the intake's check of the batch the sequencer cut, then the ledger's
 * append of it (docs/decisions.md, "Order intake at exchange speed"); the second is
 * answered from here. `applyBatch` is a pure function of the state's content and the batch, so the
 * answer is the one it would compute: the start is keyed by everything the rules read,
 * the state root (every account and the global state) and what it does not commit to,
 * the deposit count and the parameters. A state whose risk arrays are unpublished
 * (riskHash is then not their hash) is never keyed. Results are copied in and out, so
 * no caller shares a mutable state with another; traces are never written after they
 * are made.
 */
const lastResults = new WeakMap<Batch, { readonly from: string; readonly params: Params; readonly state: State; readonly trace: BatchTrace }>();

function startKey(s: State): string | undefined {
  if (s.global.risk.unpublished !== undefined) return undefined;
  return `${s.stateRoot()}/${s.global.depositCount}`;
}
