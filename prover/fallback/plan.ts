/**
 * The batch a fallback prover submits (pure): the next priority-queue entries, in
 * queue order, as the first op slots (DEPOSIT for a deposit, FORCED_WITHDRAW for a
 * request), as many as fit in N. This is the queue-first rule of
 * contracts/settlement/Fallback.sol in its simplest form: the batch carries no other op.
 */
import type { Batch, Op } from "../state/batch";
import type { DepositEntry } from "../state/ops/deposit";
import { isForcedRequest } from "../state/ops/forced-withdraw";
import type { State } from "../state/state";
import type { BatchHeader } from "../state/trace";

/**
 * The next fallback batch.
 * @param state - the last finalized state (rebuilt from the chain)
 * @param pending - the unconsumed queue entries, from `depositsConsumed` on, in queue order
 * @param header - an oracle-signed header newer than the state's oracle timestamp
 * @returns the batch serving the first min(N, pending) entries
 */
export function planFallbackBatch(state: State, pending: readonly DepositEntry[], header: BatchHeader): Batch {
  const served = pending.slice(0, state.params.batchSize);
  const ops: Op[] = served.map((e) => (isForcedRequest(e) ? { type: "FORCED_WITHDRAW" } : { type: "DEPOSIT" }));
  return { header, ops, deposits: served };
}
