/**
 * The batch trace: every intermediate value a circuit witness builder needs, in
 * the order the circuit consumes it.
 *
 * Conventions (the circuit relies on them):
 * - every op slot does two sequential account updates, `a` then `b`: `a` on the
 *   current accounts root, `b` on the root after `a`; siblings are taken at that moment;
 * - TRADE: a = maker, b = taker. DEPOSIT: a = the entry's account, b = dummy.
 *   WITHDRAW: a = the account, b = dummy. LIQUIDATE: a = liquidatee, b = liquidator.
 *   SETTLE: a = the account, b = dummy. DELEVERAGE: a = bankrupt, b = counterparty.
 *   NOOP: a and b dummy. A dummy update is index 0 with after = before (account 0 as
 *   it is at that moment), so rootAfter = rootBefore;
 * - `a.before` / `b.before` are the accounts as stored; `aFunded` / `bFunded` are the
 *   same accounts after funding application (protocol.md section 5), before the op
 *   (= before for DEPOSIT, NOOP and a dummy); `after` is the account as stored after the
 *   op. One tree update per account: before → after;
 * - `feesBefore` / `feesAfter` run the fund's net credit of the batch: fees +
 *   liquidation penalties − absorbed deficits; `fundAvailableBefore` = the fund's
 *   collateral at the start of the batch + `feesBefore` (what DELEVERAGE compares the
 *   deficit with);
 * - after the N slots, `feeUpdate` credits the net sum to account 0 (always present,
 *   after = before when it is 0); the fund may not end below 0.
 * Accounts hold signed bigints; encode them mod r (`encodeSigned`) for the witness.
 */
import type { Signature } from "./crypto";
import type { Account } from "./account";
import type { GlobalState, Market } from "./global";
import type { DepositEntry } from "./ops/deposit";
import type { OracleSignature, SignedLiquidation, SignedOrder } from "./signing";

/**
 * A batch header: the oracle timestamp, one price and one funding rate per market, the
 * risk arrays when they change, Q signatures on all of it (protocol.md section 5).
 */
export interface BatchHeader {
  readonly timestamp: bigint;
  /**
   * M prices, collateral units per lot, 0 < p < 2^48: the new mark price; for a market
   * that expires now the underlying's settlement price S; for a settled market its
   * settlement price (may be 0).
   */
  readonly markPrices: readonly bigint[];
  /** M signed funding rates, 10^−12 per second; 0 for every market but a live perpetual. */
  readonly fundingRates: readonly bigint[];
  /**
   * New risk arrays, M rows of S, |pnl| < 2^62: in force from this batch on, for its ops
   * too. Absent: the arrays stay as they are. mmBps, penaltyBps and maxFundingRate cannot
   * change (decisions.md). The signatures sign the riskHash in force after the header.
   */
  readonly pnl?: readonly (readonly bigint[])[];
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

/** The withdrawal a WITHDRAW slot made. */
export interface WithdrawTrace {
  readonly amount: bigint;
  /** The account's nonce the signature signs (nonce + 1 after). */
  readonly nonce: bigint;
  readonly signature: Signature;
}

/** The liquidation a LIQUIDATE slot made (a = liquidatee, b = liquidator). */
export interface LiquidateTrace {
  /** The liquidator's signed message. */
  readonly message: SignedLiquidation;
  readonly q: bigint;
  readonly marketId: number;
  /** The market's (new) mark price, the transfer price. */
  readonly markPrice: bigint;
  /** floor(q · markPrice · penaltyBps / 10000), from a to the fund. */
  readonly penalty: bigint;
  /** What the fund paid to bring a's collateral to 0 (0 unless a ends with no position and negative collateral). */
  readonly deficit: bigint;
  /** Slot of the market in a's account (it holds it). */
  readonly slotA: number;
  /** Slot used in b's account (holding the market, else the lowest empty). */
  readonly slotB: number;
}

/** The settlement a SETTLE slot made (a = the account). */
export interface SettleTrace {
  readonly marketId: number;
  /** Slot of the market in a's account (cleared after). */
  readonly slot: number;
  /** Collateral credited: size · settlementPrice (signed). */
  readonly value: bigint;
  /** What the fund paid to bring a's collateral to 0 (0 unless a ends with no position and negative collateral). */
  readonly deficit: bigint;
}

/** The deleverage a DELEVERAGE slot made (a = bankrupt, b = counterparty). */
export interface DeleverageTrace {
  readonly marketId: number;
  readonly q: bigint;
  /** a's bankruptcy price (op data). */
  readonly price: bigint;
  readonly slotA: number;
  readonly slotB: number;
}

/** The op types of a slot. */
export type SlotType = "NOOP" | "DEPOSIT" | "TRADE" | "WITHDRAW" | "LIQUIDATE" | "SETTLE" | "DELEVERAGE" | "FORCED_WITHDRAW";

/** One op slot. */
export interface SlotTrace {
  readonly type: SlotType;
  readonly a: AccountUpdateTrace;
  readonly b: AccountUpdateTrace;
  /** a after funding application, before the op (= a.before for DEPOSIT, NOOP, a dummy). */
  readonly aFunded: Account;
  /** b after funding application, before the op (= b.before for a dummy). */
  readonly bFunded: Account;
  readonly deposit?: DepositTrace;
  readonly trade?: TradeTrace;
  readonly withdraw?: WithdrawTrace;
  readonly liquidate?: LiquidateTrace;
  readonly settle?: SettleTrace;
  readonly deleverage?: DeleverageTrace;
  /** FORCED_WITHDRAW: the amount withdrawn, w (its queue entry is in `deposit`). */
  readonly forcedWithdraw?: { readonly amount: bigint };
  readonly depositHeadBefore: bigint;
  readonly depositHeadAfter: bigint;
  /** Running net credit of the fund (fees + penalties − deficits) before and after this slot. */
  readonly feesBefore: bigint;
  readonly feesAfter: bigint;
  /** The fund's collateral at the start of the batch + `feesBefore`. */
  readonly fundAvailableBefore: bigint;
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
  /** `riskHash` of the risk in force for this batch and after it (signed by the oracle through `oracleHash`). */
  readonly riskHash: bigint;
  /** `riskHash` of the risk before the header (= riskHash unless the header carries new arrays). */
  readonly oldRiskHash: bigint;
  readonly pricesHash: bigint;
  readonly ratesHash: bigint;
  /** The header's M funding rates (= header.fundingRates). */
  readonly fundingRates: readonly bigint[];
  /** dt = timestamp − old oracleTimestamp. */
  readonly dt: bigint;
  /** Per market m: the market leaf before and after the header. */
  readonly oldMarket: readonly Market[];
  readonly newMarket: readonly Market[];
  /** Per market m: floor(rate · markPrice · dt / 10^12) for a live perpetual, else 0. */
  readonly fundingDelta: readonly bigint[];
  /** Per market m: the market settles in this header (kind ≠ perpetual, not settled, timestamp ≥ expiry). */
  readonly expiresNow: readonly boolean[];
  /** The message the oracle signatures sign. */
  readonly oracleHash: bigint;
  /** Exactly N slots (ops padded with NOOP). */
  readonly slots: readonly SlotTrace[];
  /** The one end-of-batch update of account 0 by the net sum (fees + penalties − deficits). */
  readonly feeUpdate: AccountUpdateTrace;
  /** Net credit of the fund: totalTradeFees + totalPenalties − totalDeficits. */
  readonly totalFees: bigint;
  readonly totalTradeFees: bigint;
  readonly totalPenalties: bigint;
  readonly totalDeficits: bigint;
  /** Σ of the WITHDRAW and FORCED_WITHDRAW amounts (what the contract makes claimable). */
  readonly totalWithdrawn: bigint;
  /** Deposits consumed by this batch. */
  readonly depositsConsumed: number;
  /** Deposits consumed since genesis after this batch (calldata `depositsEnd`). */
  readonly depositsEnd: number;
}
