/**
 * Signed messages (protocol.md section 4), EdDSA-Poseidon over Baby Jubjub:
 *
 * ```
 * orderHash       = Poseidon(1, accountIndex, marketId, isBuy, size, limitPrice, expiry, nonce, maxFeeBps)
 * oracleHash      = Poseidon(2, timestamp, pricesHash, ratesHash, riskHash)
 * liquidationHash = Poseidon(3, liquidatorIndex, liquidateeIndex, marketId, maxSize, expiry, nonce)
 * withdrawalHash  = Poseidon(4, accountIndex, amount, nonce)
 * ```
 * The first input is a domain tag.
 */
import { poseidon, signPoseidon, verifyPoseidon, type PublicKey, type Signature } from "./crypto";
import { pricesHash, ratesHash } from "./global";

/** Domain tag of an order. */
export const ORDER_TAG = 1n;
/** Domain tag of an oracle header. */
export const ORACLE_TAG = 2n;
/** Domain tag of a liquidation message (signed by the liquidator). */
export const LIQUIDATION_TAG = 3n;
/** Domain tag of a withdrawal (signed by the account). */
export const WITHDRAWAL_TAG = 4n;

/** An order's fields, as signed. */
export interface Order {
  readonly accountIndex: number;
  /** 1..M. */
  readonly marketId: number;
  /** Hashed as 1 / 0. */
  readonly isBuy: boolean;
  /** Lots, 0 < size < 2^32. */
  readonly size: bigint;
  /** Collateral units per lot, 0 < limitPrice < 2^48. */
  readonly limitPrice: bigint;
  /** Unix seconds; valid while header timestamp ≤ expiry. */
  readonly expiry: bigint;
  readonly nonce: bigint;
  readonly maxFeeBps: bigint;
}

/** An order with its signature fields (flat: `R8x`, `R8y`, `S`). */
export interface SignedOrder extends Order, Signature {}

/** One oracle signature of a header, by the key at `keyIndex` (0..K−1). */
export interface OracleSignature extends Signature {
  readonly keyIndex: number;
}

/**
 * Order hashes made so far, by the order's fields: an order's hash is asked for by its
 * signature check, the book and the trade's rules, each a Poseidon of nine inputs.
 * Bounded: the oldest are forgotten first.
 */
const orderHashes = new Map<string, bigint>();
const ORDER_HASHES_LIMIT = 1 << 16;

/** `orderHash = Poseidon(1, accountIndex, marketId, isBuy, size, limitPrice, expiry, nonce, maxFeeBps)`. */
export function orderHash(o: Order): bigint {
  const fields = [ORDER_TAG, BigInt(o.accountIndex), BigInt(o.marketId), o.isBuy ? 1n : 0n, o.size, o.limitPrice, o.expiry, o.nonce, o.maxFeeBps];
  const key = fields.join(",");
  const known = orderHashes.get(key);
  if (known !== undefined) return known;
  const h = poseidon(fields);
  orderHashes.set(key, h);
  if (orderHashes.size > ORDER_HASHES_LIMIT) orderHashes.delete(orderHashes.keys().next().value as string);
  return h;
}

/** The order's fields without its signature. */
export function orderFields(o: Order): Order {
  const { accountIndex, marketId, isBuy, size, limitPrice, expiry, nonce, maxFeeBps } = o;
  return { accountIndex, marketId, isBuy, size, limitPrice, expiry, nonce, maxFeeBps };
}

/** Signs an order with the account's private key. */
export function signOrder(privKey: Buffer, order: Order): SignedOrder {
  const fields = orderFields(order);
  return { ...fields, ...signPoseidon(privKey, orderHash(fields)) };
}

/** True when the order's signature verifies under `key`. */
export function verifyOrder(order: SignedOrder, key: PublicKey): boolean {
  return verifyPoseidon(orderHash(order), order, key);
}

/** `oracleHash = Poseidon(2, timestamp, pricesHash(prices), ratesHash(rates), riskHash)`. */
export function oracleHash(timestamp: bigint, markPrices: readonly bigint[], fundingRates: readonly bigint[], riskHashValue: bigint): bigint {
  return poseidon([ORACLE_TAG, timestamp, pricesHash(markPrices), ratesHash(fundingRates), riskHashValue]);
}

/** One oracle key's signature on a header. */
export function signOracle(
  privKey: Buffer,
  keyIndex: number,
  timestamp: bigint,
  markPrices: readonly bigint[],
  fundingRates: readonly bigint[],
  riskHashValue: bigint,
): OracleSignature {
  return { keyIndex, ...signPoseidon(privKey, oracleHash(timestamp, markPrices, fundingRates, riskHashValue)) };
}

/** A liquidation message's fields, as the liquidator signs them. */
export interface Liquidation {
  readonly liquidatorIndex: number;
  readonly liquidateeIndex: number;
  /** 1..M. */
  readonly marketId: number;
  /** The most lots the liquidator takes over, 0 < maxSize < 2^32. */
  readonly maxSize: bigint;
  /** Unix seconds; valid while header timestamp ≤ expiry. */
  readonly expiry: bigint;
  /** The liquidator's nonce. */
  readonly nonce: bigint;
}

/** A liquidation message with its signature fields (flat: `R8x`, `R8y`, `S`). */
export interface SignedLiquidation extends Liquidation, Signature {}

/** `liquidationHash = Poseidon(3, liquidatorIndex, liquidateeIndex, marketId, maxSize, expiry, nonce)`. */
export function liquidationHash(l: Liquidation): bigint {
  return poseidon([LIQUIDATION_TAG, BigInt(l.liquidatorIndex), BigInt(l.liquidateeIndex), BigInt(l.marketId), l.maxSize, l.expiry, l.nonce]);
}

/** Signs a liquidation message with the liquidator's private key. */
export function signLiquidation(privKey: Buffer, l: Liquidation): SignedLiquidation {
  const { liquidatorIndex, liquidateeIndex, marketId, maxSize, expiry, nonce } = l;
  const fields = { liquidatorIndex, liquidateeIndex, marketId, maxSize, expiry, nonce };
  return { ...fields, ...signPoseidon(privKey, liquidationHash(fields)) };
}

/** True when the liquidation message's signature verifies under `key`. */
export function verifyLiquidation(l: SignedLiquidation, key: PublicKey): boolean {
  return verifyPoseidon(liquidationHash(l), l, key);
}

/** `withdrawalHash = Poseidon(4, accountIndex, amount, nonce)`. */
export function withdrawalHash(accountIndex: number, amount: bigint, nonce: bigint): bigint {
  return poseidon([WITHDRAWAL_TAG, BigInt(accountIndex), amount, nonce]);
}

/** Signs a withdrawal with the account's private key. */
export function signWithdrawal(privKey: Buffer, accountIndex: number, amount: bigint, nonce: bigint): Signature {
  return signPoseidon(privKey, withdrawalHash(accountIndex, amount, nonce));
}

/** True when a withdrawal signature verifies under `key`. */
export function verifyWithdrawal(accountIndex: number, amount: bigint, nonce: bigint, sig: Signature, key: PublicKey): boolean {
  return verifyPoseidon(withdrawalHash(accountIndex, amount, nonce), sig, key);
}
