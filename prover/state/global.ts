/**
 * The global state and its commitments (protocol.md sections 3 and 4).
 *
 * ```
 * marketLeaf_m    = Poseidon(kind, lotSize, expiry, strike, markPrice, fundingIndex,
 *                            settlementPrice, settled)
 * marketsHash     = Poseidon(marketLeaf_0, …, marketLeaf_{M−1})
 * riskRowHash_m   = Poseidon(pnl[m][0], …, pnl[m][S−1])
 * riskHash        = Poseidon(mmBps, penaltyBps, maxFundingRate, riskRowHash_0, …, riskRowHash_{M−1})
 * oracleKeyHash_k = Poseidon(oracleAx_k, oracleAy_k)
 * oracleKeysHash  = Poseidon(oracleKeyHash_0, …, oracleKeyHash_{K−1})
 * globalHash      = Poseidon(oracleTimestamp, marketsHash, riskHash, oracleKeysHash, depositHead)
 * stateRoot       = Poseidon(accountsRoot, globalHash)
 * pricesHash      = Poseidon(price_0, …, price_{M−1})          (the header's prices)
 * ratesHash       = Poseidon(fundingRate_0, …, fundingRate_{M−1})  (the header's rates, signed)
 * ```
 */
import { poseidon, type PublicKey } from "./crypto";

/** Market kinds (protocol.md section 3). */
export const MarketKind = { PERPETUAL: 0, FUTURE: 1, CALL: 2, PUT: 3 } as const;
/** 0 perpetual, 1 future, 2 call, 3 put. */
export type MarketKind = (typeof MarketKind)[keyof typeof MarketKind];

/** One market leaf. Market id m + 1 is market index m. */
export interface Market {
  readonly kind: MarketKind;
  readonly lotSize: bigint;
  readonly expiry: bigint;
  readonly strike: bigint;
  /** Collateral units per lot. */
  readonly markPrice: bigint;
  readonly fundingIndex: bigint;
  readonly settlementPrice: bigint;
  /** Hashed as 1 / 0. */
  readonly settled: boolean;
}

/** Risk parameters: `pnl[m][s]` is the P&L of one long lot of market m in scenario s. */
export interface Risk {
  /** Maintenance ratio, 0..10000 bps of the requirement. */
  readonly mmBps: bigint;
  /** Liquidation penalty, 0..10000 bps of the liquidated notional q · markPrice. */
  readonly penaltyBps: bigint;
  /** Bound on |funding rate| of a perpetual, in 10^−12 per second (< 2^23). */
  readonly maxFundingRate: bigint;
  /** M rows of S entries, collateral units per lot, signed. */
  readonly pnl: readonly (readonly bigint[])[];
  /**
   * Set only in a state rebuilt from the chain after a batch that changed riskHash without
   * publishing the arrays (no risk tail, or one that does not hash to it; decisions.md,
   * "A rebuild never needs the risk arrays"): the riskHash the proof bound. `pnl` then
   * holds the last published arrays, which are NOT in force: margin cannot be computed
   * (RuleError RISK_ARRAYS), but roots and exit proofs can.
   */
  readonly unpublished?: bigint;
}

/** Everything `globalHash` commits to, plus the deposit-queue position (not hashed). */
export interface GlobalState {
  readonly oracleTimestamp: bigint;
  /** M markets. */
  readonly markets: readonly Market[];
  readonly risk: Risk;
  /** K oracle keys. */
  readonly oracleKeys: readonly PublicKey[];
  /** Head of the hash chain of the L1 deposits consumed so far. */
  readonly depositHead: bigint;
  /** Number of L1 deposits consumed so far (the contract's `depositsEnd`); not hashed. */
  readonly depositCount: number;
}

/** `marketTerms = Poseidon(kind, lotSize, expiry, strike)`: the market's constants. */
export function marketTerms(m: Market): bigint {
  return poseidon([BigInt(m.kind), m.lotSize, m.expiry, m.strike]);
}

/** `marketLeaf = Poseidon(marketTerms, markPrice, fundingIndex, settlementPrice, settled)`. */
export function marketLeaf(m: Market): bigint {
  return poseidon([marketTerms(m), m.markPrice, m.fundingIndex, m.settlementPrice, m.settled ? 1n : 0n]);
}

/**
 * `marketsHash`: leaves in chunks of 4 (the last padded with 0), each chunk hashed with
 * Poseidon(4), then Poseidon over the chunk hashes (no Poseidon above 5 inputs, so the
 * escape hatch can recompute it on chain).
 */
export function marketsHash(markets: readonly Market[]): bigint {
  const leaves = markets.map(marketLeaf);
  const chunks: bigint[] = [];
  for (let c = 0; c < leaves.length; c += 4) {
    chunks.push(poseidon([0, 1, 2, 3].map((i) => leaves[c + i] ?? 0n)));
  }
  return poseidon(chunks);
}

/** `riskRowHash_m = Poseidon(pnl[m][0], …, pnl[m][S−1])`. */
export function riskRowHash(row: readonly bigint[]): bigint {
  return poseidon(row);
}

/**
 * riskHash of each risk object hashed so far: a batch hashes the risk in force several
 * times (old and new global hash, each op's margin commitments) and it changes only with
 * a header that publishes new arrays. Risk objects are immutable values (readonly, and
 * never written in place), so the object is the key.
 */
const riskHashes = new WeakMap<Risk, bigint>();

/** `riskHash = Poseidon(mmBps, penaltyBps, maxFundingRate, riskRowHash_0, …, riskRowHash_{M−1})`. */
export function riskHash(risk: Risk): bigint {
  if (risk.unpublished !== undefined) return risk.unpublished;
  const known = riskHashes.get(risk);
  if (known !== undefined) return known;
  const h = poseidon([risk.mmBps, risk.penaltyBps, risk.maxFundingRate, ...risk.pnl.map(riskRowHash)]);
  riskHashes.set(risk, h);
  return h;
}

/** `oracleKeyHash_k = Poseidon(oracleAx_k, oracleAy_k)`. */
export function oracleKeyHash(key: PublicKey): bigint {
  return poseidon([key.ax, key.ay]);
}

/** `oracleKeysHash = Poseidon(oracleKeyHash_0, …, oracleKeyHash_{K−1})`. */
export function oracleKeysHash(keys: readonly PublicKey[]): bigint {
  return poseidon(keys.map(oracleKeyHash));
}

/** `pricesHash = Poseidon(price_0, …, price_{M−1})` of a header's prices. */
export function pricesHash(markPrices: readonly bigint[]): bigint {
  return poseidon(markPrices);
}

/** `ratesHash = Poseidon(fundingRate_0, …, fundingRate_{M−1})` of a header's (signed) rates. */
export function ratesHash(rates: readonly bigint[]): bigint {
  return poseidon(rates);
}

/**
 * The cash value of one lot at settlement (protocol.md section 3): future S, call
 * max(S − K, 0), put max(K − S, 0); a perpetual never settles.
 * @param kind - the market kind
 * @param underlying - the settlement price S of the underlying, per lot
 * @param strike - K, per lot
 */
export function payoff(kind: MarketKind, underlying: bigint, strike: bigint): bigint {
  switch (kind) {
    case MarketKind.FUTURE:
      return underlying;
    case MarketKind.CALL:
      return underlying > strike ? underlying - strike : 0n;
    case MarketKind.PUT:
      return strike > underlying ? strike - underlying : 0n;
    default:
      throw new RangeError("a perpetual has no payoff: it never settles");
  }
}

/** `globalHash = Poseidon(oracleTimestamp, marketsHash, riskHash, oracleKeysHash, depositHead)`. */
export function globalHash(g: GlobalState): bigint {
  return poseidon([g.oracleTimestamp, marketsHash(g.markets), riskHash(g.risk), oracleKeysHash(g.oracleKeys), g.depositHead]);
}

/** `stateRoot = Poseidon(accountsRoot, globalHash)`. */
export function stateRoot(accountsRoot: bigint, globalHashValue: bigint): bigint {
  return poseidon([accountsRoot, globalHashValue]);
}

/** The mark prices of every market, in market-index order. */
export function markPrices(g: GlobalState): bigint[] {
  return g.markets.map((m) => m.markPrice);
}

/** The global state with new mark prices in every market leaf (no funding, no settlement: see `header.ts` for the header's full effect). */
export function withMarkPrices(g: GlobalState, prices: readonly bigint[]): GlobalState {
  return { ...g, markets: g.markets.map((m, i) => ({ ...m, markPrice: prices[i] })) };
}
