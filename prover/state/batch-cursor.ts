/**
 * A batch applied one op at a time: phases B–E of batch.ts on a working copy of the
 * state, so that a sequencer can add the next op without applying the ones before it
 * again. `applyBatch` is this cursor run over the padded ops; `tryApply` is one more
 * slot with the batch's end checks (phase D) on the slots so far, exactly what
 * `applyBatch` of the ops so far plus this one would check, and nothing changes when
 * it refuses.
 *
 * A cursor made `{ traces: false }` (the sequencer's pending batch) records no Merkle
 * paths and leaves its state's leaves deferred (state.ts), so that trying an op hashes
 * nothing; it cannot `finish` (only `applyBatch` makes a batch's trace).
 */
import type { Account } from "./account";
import { RuleError, formatUnits } from "./errors";
import { pow2 } from "./field";
import { globalHash, pricesHash, ratesHash, riskHash, stateRoot, type GlobalState } from "./global";
import { applyHeader } from "./header";
import type { DepositEntry } from "./ops/deposit";
import type { OpContext } from "./ops/common";
import { applySlot, type SlotRun } from "./batch-slot";
import type { BatchResult, Op } from "./batch";
import type { State } from "./state";
import type { AccountUpdateTrace, BatchHeader, BatchTrace, SlotTrace } from "./trace";

export class BatchCursor {
  readonly header: BatchHeader;
  private readonly s: State;
  private readonly oldGlobal: GlobalState;
  private readonly oldAccountsRoot: bigint;
  private readonly eff: ReturnType<typeof applyHeader>;
  private readonly ctx: OpContext;
  private readonly fundStart: bigint;
  private run: SlotRun;
  private readonly slots: SlotTrace[] = [];
  /** Accounts as they were before the updates of the slot being tried (undone on a refusal). */
  private undo: [number, Account][] | undefined;
  /** Accounts the last accepted `tryApply` changed. */
  private changed: number[] = [];
  private finished = false;
  private readonly traces: boolean;

  /**
   * Phase A and B: checks the header against `state` and puts its markets in force.
   * @param state - the state before the batch (not mutated)
   * @param opts.traces - false: no Merkle paths, deferred leaves, no `finish`
   * @throws RuleError of the header
   */
  constructor(state: State, header: BatchHeader, opts: { readonly traces: boolean } = { traces: true }) {
    this.header = header;
    this.traces = opts.traces;
    this.oldGlobal = state.global;
    this.oldAccountsRoot = opts.traces ? state.accountsRoot() : -1n;
    this.eff = applyHeader(state.params, this.oldGlobal, header);
    this.s = opts.traces ? state.clone() : state.deferringClone();
    this.s.setGlobal({ ...this.oldGlobal, markets: this.eff.markets, risk: this.eff.risk });
    this.ctx = { timestamp: header.timestamp, markets: this.eff.markets, risk: this.eff.risk, capacity: this.s.capacity };
    this.fundStart = this.s.account(0).collateral;
    this.run = { head: this.oldGlobal.depositHead, fees: 0n, tradeFees: 0n, penalties: 0n, deficits: 0n, withdrawn: 0n, consumed: 0 };
  }

  /** Slots applied so far. */
  get ops(): number {
    return this.slots.length;
  }

  /** L1 queue entries consumed so far. */
  get consumed(): number {
    return this.run.consumed;
  }

  /** The markets after the header (what the batch's ops see). */
  get markets(): OpContext["markets"] {
    return this.eff.markets;
  }

  /**
   * Phase C for the next slot.
   * @throws RuleError naming the slot; the accounts may be half updated only where a
   *   caller goes on to throw the batch away (applyBatch); `tryApply` undoes it
   */
  apply(op: Op, entry?: DepositEntry): void {
    this.requireOpen();
    const run = this.run;
    const before = { head: run.head, fees: run.fees };
    const slot = this.slots.length;
    try {
      const body = applySlot(this.s, this.ctx, this.fundStart, run, op, entry, this.updates);
      this.slots.push({ ...body, depositHeadBefore: before.head, depositHeadAfter: run.head, feesBefore: before.fees, feesAfter: run.fees, fundAvailableBefore: this.fundStart + before.fees });
    } catch (e) {
      throw e instanceof RuleError ? e.atSlot(slot) : e;
    }
  }

  /**
   * The next slot, accepted only when the batch of the slots so far and this one would
   * be: its rules, then the fund's end checks (phase D). On a RuleError nothing changes.
   */
  tryApply(op: Op, entry?: DepositEntry): void {
    const run = { ...this.run };
    const slots = this.slots.length;
    this.undo = [];
    try {
      this.apply(op, entry);
      this.creditedFund();
      this.changed = [...new Set(this.undo.map(([i]) => i))];
    } catch (e) {
      for (const [i, a] of this.undo.reverse()) this.s.setAccount(i, a);
      this.slots.length = slots;
      this.run = run;
      throw e;
    } finally {
      this.undo = undefined;
    }
  }

  /** The accounts the last accepted `tryApply` changed. */
  get lastChanged(): readonly number[] {
    return this.changed;
  }

  /**
   * Phase D's checks on the slots so far, without finishing.
   * @throws RuleError FUND_NEGATIVE / RANGE of the fund
   */
  checkEnd(): void {
    this.creditedFund();
  }

  /** The account at `index` as the batch so far leaves it (the fund with its net credit). */
  account(index: number): Account {
    const a = this.s.account(index);
    return index === 0 ? { ...a, collateral: a.collateral + this.run.fees } : a;
  }

  /** The state the batch so far ends in (a copy; the cursor goes on). */
  preview(): State {
    const s = this.s.clone();
    s.setAccount(0, { ...s.account(0), collateral: this.creditedFund() });
    s.setGlobal(this.endGlobal());
    return s;
  }

  /**
   * Phases D and E: credits the fund and writes the new global state. The cursor is
   * used up.
   * @throws RuleError FUND_NEGATIVE / RANGE of the fund
   */
  finish(): BatchResult {
    this.requireOpen();
    if (!this.traces) throw new Error("BatchCursor: a cursor without traces cannot finish (applyBatch makes the trace)");
    const s = this.s;
    const run = this.run;
    const fund = s.account(0);
    const feeUpdate = this.updates.update(0, { ...fund, collateral: this.creditedFund() });
    this.finished = true;
    const oldGlobal = this.oldGlobal;
    const oldGlobalHash = globalHash(oldGlobal);
    s.setGlobal(this.endGlobal());
    const h = this.header;
    const trace: BatchTrace = {
      oldGlobal,
      newGlobal: s.global,
      oldGlobalHash,
      newGlobalHash: s.globalHash(),
      oldAccountsRoot: this.oldAccountsRoot,
      newAccountsRoot: s.accountsRoot(),
      oldStateRoot: stateRoot(this.oldAccountsRoot, oldGlobalHash),
      newStateRoot: s.stateRoot(),
      header: h,
      riskHash: riskHash(this.eff.risk),
      oldRiskHash: riskHash(oldGlobal.risk),
      pricesHash: pricesHash(h.markPrices),
      ratesHash: ratesHash(h.fundingRates),
      fundingRates: h.fundingRates,
      dt: this.eff.dt,
      oldMarket: oldGlobal.markets,
      newMarket: this.eff.markets,
      fundingDelta: this.eff.fundingDelta,
      expiresNow: this.eff.expiresNow,
      oracleHash: this.eff.oracleHash,
      slots: this.slots,
      feeUpdate,
      totalFees: run.fees,
      totalTradeFees: run.tradeFees,
      totalPenalties: run.penalties,
      totalDeficits: run.deficits,
      totalWithdrawn: run.withdrawn,
      depositsConsumed: run.consumed,
      depositsEnd: s.global.depositCount,
    };
    return { state: s, trace };
  }

  /** Phase E: the header's timestamp and the deposit queue's head and count. */
  private endGlobal(): GlobalState {
    const run = this.run;
    return { ...this.s.global, oracleTimestamp: this.header.timestamp, depositHead: run.head, depositCount: this.oldGlobal.depositCount + run.consumed };
  }

  /** Phase D's checks: the fund's collateral plus the net credit, in 0..2^63. */
  private creditedFund(): bigint {
    const { fees, tradeFees, penalties, deficits } = this.run;
    const collateral = this.s.account(0).collateral;
    const credited = collateral + fees;
    if (credited < 0n) {
      throw new RuleError(
        "FUND_NEGATIVE",
        "FEES",
        `insurance fund collateral ${formatUnits(collateral)} + fees and penalties ${formatUnits(tradeFees + penalties)} − deficits ${formatUnits(deficits)} = ${formatUnits(credited)} < 0: deleverage instead`,
        { collateral, fees: tradeFees, penalties, deficits },
      );
    }
    if (credited >= pow2(63)) {
      throw new RuleError("RANGE", "FEES", `insurance fund collateral ${formatUnits(collateral)} + fees ${formatUnits(fees)} reaches 2^63`, { collateral, fees });
    }
    return credited;
  }

  private requireOpen(): void {
    if (this.finished) throw new Error("BatchCursor: the batch is finished");
  }

  /** Writes an account into the working state and records the update. */
  private readonly updates = {
    update: (index: number, after: Account): AccountUpdateTrace => {
      const s = this.s;
      const before = s.account(index);
      // without traces nothing reads the tree here: the slot's trace is never finished
      const siblings = this.traces ? s.tree.siblings(index) : [];
      const rootBefore = this.traces ? s.accountsRoot() : -1n;
      if (after !== before) {
        this.undo?.push([index, before]);
        s.setAccount(index, after);
      }
      return { index, before, after, siblings, rootBefore, rootAfter: this.traces ? s.accountsRoot() : -1n };
    },
    dummy: (): AccountUpdateTrace => this.updates.update(0, this.s.account(0)),
  };
}
