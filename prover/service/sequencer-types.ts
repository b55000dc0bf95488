/**
 * What the sequencer (sequencer.ts) is given and answers: its options, its own
 * refusals, the results of posted ops and orders, the batches it holds and the changes
 * its durable journal must write (sequencer-intake.ts).
 */
import type { Batch, Op } from "../state/batch";
import type { DeleverageOp } from "../state/ops/deleverage";
import type { State } from "../state/state";
import type { BatchHeader } from "../state/trace";
import type { OpFate } from "./sequencer-ids";

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
  /**
   * Cut in this process: the state the batch was cut on and the one the sequencer went
   * on from, for the cut check (SequencerIntake: `applyBatch` of the batch from `before`
   * must reach `after`). Absent for a batch restored from the journal.
   */
  readonly check?: { readonly before: State; readonly after: State };
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
