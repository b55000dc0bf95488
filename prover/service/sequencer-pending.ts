/**
 * The batch the sequencer is filling: its ops, the ids they answer for, the queue
 * entries they consume, and a `BatchCursor` holding the state they lead to. An op is
 * added by applying it alone to that state (`BatchCursor.tryApply`: the same rules and
 * errors as `applyBatch` of the whole batch from the base, which a property test
 * checks), so a fill costs one op, not the whole batch again.
 */
import type { Account } from "../state/account";
import type { Batch, Op } from "../state/batch";
import { BatchCursor } from "../state/batch-cursor";
import type { DepositEntry } from "../state/ops/deposit";
import type { State } from "../state/state";
import type { BatchHeader } from "../state/trace";

const isQueued = (op: Op): boolean => op.type === "DEPOSIT" || op.type === "FORCED_WITHDRAW";

export class PendingBatch {
  private readonly cursor: BatchCursor;
  private readonly opList: Op[] = [];
  private readonly idList: string[][] = [];
  private readonly entries: DepositEntry[] = [];
  /** Clock time of the first op (a batch is cut by time from it). */
  firstOpAt: number | undefined;
  private previewed: State | undefined;

  /**
   * An empty batch under `header` on `base`.
   * @throws RuleError when the header does not hold on `base`
   */
  constructor(
    readonly base: State,
    readonly header: BatchHeader,
  ) {
    // no Merkle paths: an op added costs its rules, not Poseidon; the cut batch's trace is applyBatch's
    this.cursor = new BatchCursor(base, header, { traces: false });
  }

  /**
   * The batch `ops` make under `header` on `base`, applied as `applyBatch` would
   * (the fund's end checks once, after the last op).
   * @throws RuleError when it does not hold
   */
  static of(base: State, header: BatchHeader, ops: readonly Op[], ids: readonly (readonly string[])[], deposits: readonly DepositEntry[], firstOpAt?: number): PendingBatch {
    const p = new PendingBatch(base, header);
    let q = 0;
    ops.forEach((op, j) => {
      const entry = isQueued(op) ? deposits[q++] : undefined;
      p.cursor.apply(op, entry);
      p.push(op, [...(ids[j] ?? [])], entry);
    });
    p.cursor.checkEnd();
    p.firstOpAt = firstOpAt;
    return p;
  }

  /** Ops in the batch. */
  get size(): number {
    return this.opList.length;
  }

  get ops(): readonly Op[] {
    return this.opList;
  }

  /** The ids each op answers for. */
  get ids(): readonly (readonly string[])[] {
    return this.idList;
  }

  /** The queue index the next DEPOSIT or FORCED_WITHDRAW consumes. */
  get nextQueueIndex(): bigint {
    return BigInt(this.base.global.depositCount + this.cursor.consumed);
  }

  /** The markets after the header. */
  get markets(): BatchCursor["markets"] {
    return this.cursor.markets;
  }

  /**
   * Adds `op` when the batch so far plus `op` holds.
   * @throws RuleError naming the rule and the slot; nothing changes then
   */
  add(op: Op, ids: string[], entry: DepositEntry | undefined, now: number): void {
    this.cursor.tryApply(op, entry);
    this.push(op, ids, entry);
    this.firstOpAt ??= now;
  }

  /** The accounts the last op added changed (funding applied included). */
  get lastChanged(): readonly number[] {
    return this.cursor.lastChanged;
  }

  /** The account as the batch leaves it. */
  account(index: number): Account {
    return this.cursor.account(index);
  }

  /** The state the batch leads to (made on first use after a change; do not mutate). */
  state(): State {
    return (this.previewed ??= this.cursor.preview());
  }

  /** The batch as it would be cut now. */
  batch(): Batch {
    return { header: this.header, ops: [...this.opList], deposits: [...this.entries] };
  }

  private push(op: Op, ids: string[], entry: DepositEntry | undefined): void {
    this.opList.push(op);
    this.idList.push(ids);
    if (entry !== undefined) this.entries.push(entry);
    this.previewed = undefined;
  }
}
