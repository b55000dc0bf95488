/**
 * The batch trace: every intermediate value a circuit witness builder needs, in
 * the order the circuit consumes it.
 *
 * Conventions (the circuit relies on them):
 * - every op slot does two sequential account updates, `a` then `b`: `a` on the
 *   current accounts root, `b` on the root after `a`; siblings are taken at that moment;
 * - TRADE: a = maker, b = taker. DEPOSIT: a = the entry's account, b = dummy.
 *   NOOP: a and b dummy. A dummy update is index 0 with after = before (account 0 as
 *   it is at that moment), so rootAfter = rootBefore;
 * - after the N slots, `feeUpdate` credits the summed fees to account 0 (always
 *   present, after = before when the fees are 0).
 * Accounts hold signed bigints; encode them mod r (`encodeSigned`) for the witness.
 */
import type { Account } from "./account";
import type { GlobalState } from "./global";
import type { DepositEntry } from "./ops/deposit";
import type { OracleSignature, SignedOrder } from "./signing";

/** A batch header: the oracle timestamp, one mark price per market, Q signatures. */
export interface BatchHeader {
  readonly timestamp: bigint;
  /** M prices, collateral units per lot, 0 < p < 2^48. */
  readonly markPrices: readonly bigint[];
  /** Q signatures, key indices strictly increasing. */
  readonly signatures: readonly OracleSignature[];
}

/** One account-tree update. */
export interface AccountUpdateTrace {
  readonly index: number;
  readonly before: Account;
  readonly after: Account;
  /** D levels from the leaf up, 3 siblings each in child order (own position removed). */
  readonly siblings: readonly (readonly bigint[])[];
  readonly rootBefore: bigint;
  readonly rootAfter: bigint;
}

/** The deposit a DEPOSIT slot consumed. */
export interface DepositTrace {
  readonly entry: DepositEntry;
  readonly headBefore: bigint;
  readonly headAfter: bigint;
}

/** The trade a TRADE slot settled. */
export interface TradeTrace {
  readonly maker: SignedOrder;
  readonly taker: SignedOrder;
  readonly q: bigint;
  /** = maker.limitPrice. */
  readonly price: bigint;
  readonly makerFeeBps: bigint;
  readonly takerFeeBps: bigint;
  readonly makerFee: bigint;
  readonly takerFee: bigint;
  /** Position slot index used in the maker's account (holding the market, else the lowest empty). */
  readonly makerSlot: number;
  readonly takerSlot: number;
}

/** One op slot. */
export interface SlotTrace {
  readonly type: "NOOP" | "DEPOSIT" | "TRADE";
  readonly a: AccountUpdateTrace;
  readonly b: AccountUpdateTrace;
  readonly deposit?: DepositTrace;
  readonly trade?: TradeTrace;
  readonly depositHeadBefore: bigint;
  readonly depositHeadAfter: bigint;
  /** Running sum of the batch's fees before and after this slot. */
  readonly feesBefore: bigint;
  readonly feesAfter: bigint;
}

/** Everything about one applied batch. */
export interface BatchTrace {
  /** Global state before the batch. */
  readonly oldGlobal: GlobalState;
  /** Global state after the batch (new timestamp, prices and deposit head). */
  readonly newGlobal: GlobalState;
  readonly oldGlobalHash: bigint;
  readonly newGlobalHash: bigint;
  readonly oldAccountsRoot: bigint;
  readonly newAccountsRoot: bigint;
  readonly oldStateRoot: bigint;
  readonly newStateRoot: bigint;
  readonly header: BatchHeader;
  /** `riskHash` of the risk in force (signed by the oracle through `oracleHash`). */
  readonly riskHash: bigint;
  readonly pricesHash: bigint;
  /** The message the oracle signatures sign. */
  readonly oracleHash: bigint;
  /** Exactly N slots (ops padded with NOOP). */
  readonly slots: readonly SlotTrace[];
  /** The one end-of-batch update of account 0 by the summed fees. */
  readonly feeUpdate: AccountUpdateTrace;
  readonly totalFees: bigint;
  /** Deposits consumed by this batch. */
  readonly depositsConsumed: number;
  /** Deposits consumed since genesis after this batch (calldata `depositsEnd`). */
  readonly depositsEnd: number;
}
