/**
 * Dev fixtures for tests and the demo: fixed dev keys, a deterministic genesis and helpers that
 * make signed orders, signed headers and deposit-queue entries.
 *
 * ============================================================================
 *  INSECURE DEV KEYS. Every private key in this file is public. They exist only
 *  for tests and the local demo; never use them for anything of value.
 * ============================================================================
 */
import { initCrypto, publicKey } from "../state/crypto";
import { devPublicKey, INSECURE_DEV_INSURANCE_KEY, INSECURE_DEV_ORACLE_KEYS, insecureDevAccountKey } from "./insecure-keys";

export { devPublicKey, INSECURE_DEV_INSURANCE_KEY, INSECURE_DEV_ORACLE_KEYS, insecureDevAccountKey };
import { genesis, type GenesisOptions } from "../state/genesis";
import { markPrices, riskHash } from "../state/global";
import type { Params } from "../state/params";
import {
  signLiquidation,
  signOracle,
  signOrder,
  signWithdrawal,
  type Liquidation,
  type Order,
  type SignedOrder,
} from "../state/signing";
import type { LiquidateOp } from "../state/ops/liquidate";
import type { WithdrawOp } from "../state/ops/withdraw";
import type { State } from "../state/state";
import type { BatchHeader } from "../state/trace";
import type { DepositEntry } from "../state/ops/deposit";
import type { TradeOp } from "../state/ops/trade";

/** The `ci` parameter set (circuits/params/ci.json). */
export const CI_PARAMS: Params = {
  accountDepth: 2,
  positionSlots: 2,
  markets: 4,
  scenarios: 4,
  batchSize: 2,
  oracleKeys: 3,
  oracleQuorum: 2,
};

/** Genesis with the dev keys (awaits `initCrypto`). */
export async function devGenesis(params: Params = CI_PARAMS, opts: Partial<GenesisOptions> = {}): Promise<State> {
  await initCrypto();
  return genesis(params, {
    insuranceKey: publicKey(INSECURE_DEV_INSURANCE_KEY),
    oracleKeys: INSECURE_DEV_ORACLE_KEYS.slice(0, params.oracleKeys).map((k) => publicKey(k)),
    ...opts,
  });
}

/**
 * A header signed by dev oracle keys.
 * @param prices - one per market (default: the stored mark prices, which a settled market's header must repeat)
 * @param keyIndices - which keys sign (default the first Q)
 * @param rates - funding rates, 10^−12 per second (default all 0)
 * @param pnl - new risk arrays (M × S) the header puts in force; the keys sign their
 *   riskHash (with the state's mmBps, penaltyBps and maxFundingRate). Default: none, the
 *   keys sign the state's riskHash.
 */
export function signedHeader(
  state: State,
  timestamp: bigint,
  prices: readonly bigint[] = markPrices(state.global),
  keyIndices: readonly number[] = Array.from({ length: state.params.oracleQuorum }, (_, k) => k),
  rates: readonly bigint[] = state.global.markets.map(() => 0n),
  pnl?: readonly (readonly bigint[])[],
): BatchHeader {
  const rh = riskHash(pnl === undefined ? state.global.risk : { ...state.global.risk, pnl });
  return {
    timestamp,
    markPrices: prices,
    fundingRates: rates,
    ...(pnl === undefined ? {} : { pnl }),
    signatures: keyIndices.map((k) => signOracle(INSECURE_DEV_ORACLE_KEYS[k], k, timestamp, prices, rates, rh)),
  };
}

/** A `depositNew` queue entry for dev account i. */
export function depositNew(i: number, amount: bigint): DepositEntry {
  const { ax, ay } = devPublicKey(i);
  return { accountIndex: i, ax, ay, amount };
}

/** A forced-withdrawal request in the L1 priority queue (key (0, 1) marks it). */
export function forcedRequest(i: number, amount: bigint): DepositEntry {
  return { accountIndex: i, ax: 0n, ay: 1n, amount };
}

/** A `deposit` (top-up) queue entry. */
export function topUp(i: number, amount: bigint): DepositEntry {
  return { accountIndex: i, ax: 0n, ay: 0n, amount };
}

/** Order fields with defaults: nonce = the account's nonce, far expiry, maxFeeBps 0. */
export type OrderSpec = Pick<Order, "accountIndex" | "marketId" | "isBuy" | "size" | "limitPrice"> & Partial<Order>;

/** An order signed with dev account `spec.accountIndex`'s key (or `key`). */
export function devOrder(state: State, spec: OrderSpec, key: Buffer = insecureDevAccountKey(spec.accountIndex)): SignedOrder {
  return signOrder(key, {
    expiry: 4_000_000_000n,
    nonce: state.account(spec.accountIndex).nonce,
    maxFeeBps: 0n,
    ...spec,
  });
}

/** A TRADE op. */
export function trade(maker: SignedOrder, taker: SignedOrder, q: bigint, makerFeeBps = 0n, takerFeeBps = 0n): TradeOp {
  return { type: "TRADE", maker, taker, q, makerFeeBps, takerFeeBps };
}

/**
 * A WITHDRAW op signed with dev account i's key (or `key`).
 * @param nonce - default the account's nonce in `state`
 */
export function devWithdrawal(state: State, i: number, amount: bigint, nonce: bigint = state.account(i).nonce, key: Buffer = insecureDevAccountKey(i)): WithdrawOp {
  return { type: "WITHDRAW", accountIndex: i, amount, nonce, signature: signWithdrawal(key, i, amount, nonce) };
}

/** Liquidation message fields with defaults: maxSize = q, far expiry, nonce = the liquidator's nonce. */
export type LiquidationSpec = Pick<Liquidation, "liquidatorIndex" | "liquidateeIndex" | "marketId"> & Partial<Liquidation>;

/**
 * A LIQUIDATE op of q lots, its message signed with the liquidator's dev key (or `key`).
 */
export function devLiquidation(state: State, spec: LiquidationSpec, q: bigint, key: Buffer = insecureDevAccountKey(spec.liquidatorIndex)): LiquidateOp {
  const message = signLiquidation(key, {
    maxSize: q,
    expiry: 4_000_000_000n,
    nonce: state.account(spec.liquidatorIndex).nonce,
    ...spec,
  });
  return { type: "LIQUIDATE", liquidatee: spec.liquidateeIndex, liquidator: message, q };
}
