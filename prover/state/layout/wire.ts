/** The decoded forms of protocol.md section 7: header, op slots, calldata (see spec.ts for the byte layout). */
/**
 * A header as published: the batch timestamp, one price and one (signed) funding rate per
 * market, and the riskHash in force from this batch on (what the oracle signed with them).
 */
export interface Header {
  timestamp: number;
  markPrices: bigint[];
  fundingRates: bigint[];
  riskHash: bigint;
}

/** The wire form of an op slot (what op data carries), distinct from the reference rules' ops. */
export interface WireNoop {
  type: "NOOP";
}
export interface WireDeposit {
  type: "DEPOSIT";
}
/** The data of a TRADE op. Identifiers are numbers, quantities bigints. */
export interface WireTrade {
  type: "TRADE";
  makerIndex: number;
  takerIndex: number;
  marketId: number;
  makerIsBuy: boolean;
  q: bigint;
  price: bigint;
  makerFeeBps: number;
  takerFeeBps: number;
}
/** The data of a WITHDRAW op: the account and the amount (the contract credits its L1 owner). */
export interface WireWithdraw {
  type: "WITHDRAW";
  accountIndex: number;
  amount: bigint;
}
/** The data of a LIQUIDATE op. */
export interface WireLiquidate {
  type: "LIQUIDATE";
  liquidatee: number;
  liquidator: number;
  marketId: number;
  q: bigint;
}
/** The data of a SETTLE op. */
export interface WireSettle {
  type: "SETTLE";
  accountIndex: number;
  marketId: number;
}
/** The data of a DELEVERAGE op. */
export interface WireDeleverage {
  type: "DELEVERAGE";
  bankrupt: number;
  counterparty: number;
  marketId: number;
  q: bigint;
  price: bigint;
}
/** The data of a FORCED_WITHDRAW op: the account and the amount w withdrawn. */
export interface WireForcedWithdraw {
  type: "FORCED_WITHDRAW";
  accountIndex: number;
  amount: bigint;
}
/** An op as decoded from its slot. */
export type WireOp = WireNoop | WireDeposit | WireTrade | WireWithdraw | WireLiquidate | WireSettle | WireDeleverage | WireForcedWithdraw;

export type Int = number | bigint;
/** Any numeric field of `T` may be a number or a bigint. */
export type Loose<T> = { [K in keyof T]: T[K] extends number | bigint ? Int : T[K] };
/** What the encoders accept: any numeric field may be a number or a bigint; `fundingRates` omitted = all 0. */
export type HeaderInput = { timestamp: Int; markPrices: readonly Int[]; fundingRates?: readonly Int[]; riskHash: Int };
/** Risk arrays as the tail carries them: M rows of S signed int64 values. */
export type RiskArraysInput = readonly (readonly Int[])[];
export type WireTradeInput = {
  type: "TRADE";
  makerIndex: Int;
  takerIndex: Int;
  marketId: Int;
  makerIsBuy: boolean;
  q: Int;
  price: Int;
  makerFeeBps: Int;
  takerFeeBps: Int;
};
export type WireOpInput =
  | WireNoop
  | WireDeposit
  | WireTradeInput
  | Loose<WireWithdraw>
  | Loose<WireLiquidate>
  | Loose<WireSettle>
  | Loose<WireDeleverage>
  | Loose<WireForcedWithdraw>;

/** Calldata of `submitBatch`, decoded. */
export interface BatchData {
  oldStateRoot: bigint;
  newStateRoot: bigint;
  depositsEnd: number;
  header: Header;
  ops: WireOp[];
  /** The risk tail's M × S arrays, when the calldata carries one. */
  pnl?: bigint[][];
}

/** Inputs of the hashed bytes. `ops` shorter than N is padded with NOOPs. */
export interface HashedBytesInput {
  oldStateRoot: Int;
  newStateRoot: Int;
  header: HeaderInput;
  /** The deposit chain head after the batch (`queueHeads[depositsEnd]` on L1). */
  depositHead: Int;
  ops: readonly WireOpInput[];
}

