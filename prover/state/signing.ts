/**
 * Signed messages (protocol.md section 4), EdDSA-Poseidon over Baby Jubjub:
 *
 * ```
 * orderHash  = Poseidon(1, accountIndex, marketId, isBuy, size, limitPrice, expiry, nonce, maxFeeBps)
 * oracleHash = Poseidon(2, timestamp, pricesHash, riskHash)
 * ```
 * The first input is a domain tag.
 */
import { poseidon, signPoseidon, verifyPoseidon, type PublicKey, type Signature } from "./crypto";
import { pricesHash } from "./global";

/** Domain tag of an order. */
export const ORDER_TAG = 1n;
/** Domain tag of an oracle header. */
export const ORACLE_TAG = 2n;

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

/** `orderHash = Poseidon(1, accountIndex, marketId, isBuy, size, limitPrice, expiry, nonce, maxFeeBps)`. */
export function orderHash(o: Order): bigint {
  return poseidon([
    ORDER_TAG,
    BigInt(o.accountIndex),
    BigInt(o.marketId),
    o.isBuy ? 1n : 0n,
    o.size,
    o.limitPrice,
    o.expiry,
    o.nonce,
    o.maxFeeBps,
  ]);
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

/** `oracleHash = Poseidon(2, timestamp, pricesHash, riskHash)`. */
export function oracleHash(timestamp: bigint, markPrices: readonly bigint[], riskHashValue: bigint): bigint {
  return poseidon([ORACLE_TAG, timestamp, pricesHash(markPrices), riskHashValue]);
}

/** One oracle key's signature on a header. */
export function signOracle(
  privKey: Buffer,
  keyIndex: number,
  timestamp: bigint,
  markPrices: readonly bigint[],
  riskHashValue: bigint,
): OracleSignature {
  return { keyIndex, ...signPoseidon(privKey, oracleHash(timestamp, markPrices, riskHashValue)) };
}
