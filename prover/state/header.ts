/**
 * The header (protocol.md section 5, "Header"): timestamp strictly increasing, a
 * price and a funding rate per market, Q valid oracle signatures from distinct
 * committed keys in strictly increasing key order, on
 * `oracleHash(timestamp, prices, rates, riskHash)`; then, for each market in order:
 *
 * - already settled: the header's price must equal the stored markPrice
 *   (= settlementPrice) and the rate must be 0; nothing changes;
 * - expires now (kind ≠ perpetual, timestamp ≥ expiry): the price is the underlying's
 *   settlement price S (> 0); settlementPrice = markPrice = payoff(kind, S, strike),
 *   settled = 1; rate 0;
 * - otherwise: markPrice = price (> 0); a perpetual's funding index moves by
 *   `floor(rate · markPrice · dt / 10^12)` (floor toward −∞, dt = timestamp − old
 *   timestamp, |rate| ≤ maxFundingRate); other kinds need rate 0.
 *
 * A header may carry new risk arrays (`pnl`, M × S, |pnl| < 2^62): they are in force from
 * this batch on, its ops included, and the signatures sign their riskHash (with the
 * genesis mmBps, penaltyBps and maxFundingRate, which never change).
 */
import { verifyPoseidon } from "./crypto";
import { RuleError, formatUnits, requireOpenRange } from "./errors";
import { pow2 } from "./field";
import { MarketKind, payoff, riskHash, type GlobalState, type Market, type Risk } from "./global";
import { headerRisk } from "./risk-update";
import type { Params } from "./params";
import { oracleHash } from "./signing";
import type { BatchHeader } from "./trace";

/** Funding rates are in 10^−12 per second. */
export const FUNDING_RATE_SCALE = 10n ** 12n;

/** floor(a / b) toward −∞ (b > 0). */
export function floorDiv(a: bigint, b: bigint): bigint {
  if (b <= 0n) throw new RangeError(`floorDiv by ${b}`);
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** `floor(rate · markPrice · dt / 10^12)`: the funding index step of a perpetual. */
export function fundingDelta(rate: bigint, markPrice: bigint, dt: bigint): bigint {
  return floorDiv(rate * markPrice * dt, FUNDING_RATE_SCALE);
}

/** What a header does to the markets. */
export interface HeaderEffect {
  /** The message the oracle signatures sign. */
  readonly oracleHash: bigint;
  /** dt = timestamp − old oracleTimestamp. */
  readonly dt: bigint;
  /** The M markets after the header. */
  readonly markets: readonly Market[];
  /** Per market: the funding index step (0 unless a live perpetual). */
  readonly fundingDelta: readonly bigint[];
  /** Per market: settles in this header. */
  readonly expiresNow: readonly boolean[];
  /** The risk in force from this header on: the state's, with the header's arrays if it carries any. */
  readonly risk: Risk;
}

function checkLengths(params: Params, h: BatchHeader): void {
  for (const [name, list] of [["mark prices", h.markPrices], ["funding rates", h.fundingRates]] as const) {
    if (!Array.isArray(list) || list.length !== params.markets) {
      throw new RuleError("RANGE", "HEADER", `${list?.length} ${name} for ${params.markets} markets`, {
        [name === "mark prices" ? "prices" : "rates"]: list?.length ?? -1,
        markets: params.markets,
      });
    }
  }
}

/** One market's new leaf, with the rules of the header. */
function nextMarket(g: GlobalState, h: BatchHeader, m: number, dt: bigint): { market: Market; delta: bigint; expiresNow: boolean } {
  const mk = g.markets[m];
  const id = m + 1;
  const price = h.markPrices[m];
  const rate = h.fundingRates[m];
  requireOpenRange("HEADER", "fundingRate", rate, -pow2(23), pow2(23), `market ${id}`);
  const needZeroRate = (why: string): void => {
    if (rate !== 0n) {
      throw new RuleError("FUNDING_RATE", "HEADER", `market ${id} funding rate ${rate} ≠ 0: ${why}`, { marketId: id, rate });
    }
  };
  if (mk.settled) {
    if (price !== mk.markPrice) {
      throw new RuleError("SETTLED_PRICE", "HEADER", `market ${id} is settled at ${formatUnits(mk.markPrice)}; header price ${formatUnits(price)} must equal it`, {
        marketId: id,
        price,
        settlementPrice: mk.markPrice,
      });
    }
    needZeroRate("the market is settled");
    return { market: mk, delta: 0n, expiresNow: false };
  }
  if (price <= 0n || price >= pow2(48)) {
    throw new RuleError("RANGE", "HEADER", `markPrice of market ${id} ${formatUnits(price)} outside 0 < markPrice < 2^48`, {
      marketId: id,
      markPrice: price,
    });
  }
  if (mk.kind !== MarketKind.PERPETUAL && h.timestamp >= mk.expiry) {
    needZeroRate(`the market expires now (timestamp ${h.timestamp} ≥ expiry ${mk.expiry})`);
    const value = payoff(mk.kind, price, mk.strike);
    return { market: { ...mk, markPrice: value, settlementPrice: value, settled: true }, delta: 0n, expiresNow: true };
  }
  if (mk.kind !== MarketKind.PERPETUAL) {
    needZeroRate("only a perpetual pays funding");
    return { market: { ...mk, markPrice: price }, delta: 0n, expiresNow: false };
  }
  const max = g.risk.maxFundingRate;
  if (rate > max || -rate > max) {
    throw new RuleError("FUNDING_RATE", "HEADER", `market ${id} funding rate ${rate} outside |rate| ≤ maxFundingRate ${max}`, {
      marketId: id,
      rate,
      maxFundingRate: max,
    });
  }
  const delta = fundingDelta(rate, price, dt);
  const fundingIndex = mk.fundingIndex + delta;
  requireOpenRange("HEADER", "fundingIndex", fundingIndex, -pow2(95), pow2(95), `market ${id}`);
  return { market: { ...mk, markPrice: price, fundingIndex }, delta, expiresNow: false };
}

/**
 * Checks a header against the state it applies to and computes its effect on the markets.
 * @returns the oracle message, dt, the new markets and the risk in force
 * @throws RuleError ORACLE_TIMESTAMP, RANGE, FUNDING_RATE, SETTLED_PRICE, ORACLE_QUORUM, BAD_SIGNATURE
 */
export function applyHeader(params: Params, g: GlobalState, h: BatchHeader): HeaderEffect {
  if (h.timestamp <= g.oracleTimestamp) {
    throw new RuleError("ORACLE_TIMESTAMP", "HEADER", `timestamp ${h.timestamp} ≤ oracleTimestamp ${g.oracleTimestamp} of the state`, {
      timestamp: h.timestamp,
      oracleTimestamp: g.oracleTimestamp,
    });
  }
  requireOpenRange("HEADER", "timestamp", h.timestamp, -1n, pow2(32));
  checkLengths(params, h);
  const dt = h.timestamp - g.oracleTimestamp;
  const next = g.markets.map((_, m) => nextMarket(g, h, m, dt));

  const Q = params.oracleQuorum;
  if (h.signatures.length !== Q) {
    throw new RuleError("ORACLE_QUORUM", "HEADER", `${h.signatures.length} oracle signatures, quorum needs exactly ${Q}`, {
      signatures: h.signatures.length,
      quorum: Q,
    });
  }
  // The header's arrays are checked before the signatures: the message signs their hash.
  const risk = headerRisk(params, g, h.pnl);
  const msg = oracleHash(h.timestamp, h.markPrices, h.fundingRates, riskHash(risk));
  let last = -1;
  for (const sig of h.signatures) {
    const k = sig.keyIndex;
    if (!Number.isInteger(k) || k <= last || k >= g.oracleKeys.length) {
      throw new RuleError("ORACLE_QUORUM", "HEADER", `oracle key index ${k} after ${last}: indices must be strictly increasing and below K = ${g.oracleKeys.length}`, {
        keyIndex: k,
        previous: last,
        oracleKeys: g.oracleKeys.length,
      });
    }
    if (!verifyPoseidon(msg, sig, g.oracleKeys[k])) {
      throw new RuleError("BAD_SIGNATURE", "HEADER", `oracle signature of key ${k} does not verify on oracleHash ${msg}`, {
        keyIndex: k,
        oracleHash: msg,
      });
    }
    last = k;
  }
  return {
    oracleHash: msg,
    dt,
    markets: next.map((x) => x.market),
    fundingDelta: next.map((x) => x.delta),
    expiresNow: next.map((x) => x.expiresNow),
    risk,
  };
}

/**
 * Checks a header against the state it applies to.
 * @returns the oracle message the signatures sign
 * @throws RuleError as `applyHeader`
 */
export function checkHeader(params: Params, g: GlobalState, h: BatchHeader): bigint {
  return applyHeader(params, g, h).oracleHash;
}

/**
 * The markets as a header would leave them, without checking signatures: what an
 * operator needs to build ops (bankruptcy prices, liquidations) before the oracle signs.
 * @throws RuleError for the rules of the prices and rates
 */
export function previewMarkets(g: GlobalState, timestamp: bigint, prices: readonly bigint[], rates: readonly bigint[]): Market[] {
  const h: BatchHeader = { timestamp, markPrices: prices, fundingRates: rates, signatures: [] };
  return g.markets.map((_, m) => nextMarket(g, h, m, timestamp - g.oracleTimestamp).market);
}
