/**
 * A deterministic genesis state for tests, the demo and a fresh deployment: account
 * 0 (the insurance fund) with the operator's key, the four market kinds (BTC-PERP,
 * BTC-FUT, BTC-CALL, BTC-PUT), scan-range risk arrays and the oracle keys. Pure: keys
 * come in as arguments.
 */
import type { PublicKey } from "./crypto";
import { emptyAccount } from "./account";
import { MarketKind, type GlobalState, type Market, type Risk } from "./global";
import type { Params } from "./params";
import { State } from "./state";

/** `lotSize` is in units of 10^-8 of the underlying asset. */
export const LOT_SIZE_DECIMALS = 8;

/** Default time from genesis to the expiry of the dated markets: one day. */
export const DEFAULT_EXPIRY_AFTER = 86_400n;

/** A named market template. */
export interface MarketTemplate {
  readonly name: string;
  readonly market: Market;
}

const BTC_LOT = 100_000n; // 0.001 BTC
const USDC = 1_000_000n;

function market(kind: MarketKind, lotSize: bigint, markPrice: bigint, expiry = 0n, strike = 0n): Market {
  return { kind, lotSize, expiry, strike, markPrice, fundingIndex: 0n, settlementPrice: 0n, settled: false };
}

/**
 * The default markets for a genesis at `timestamp` with dated markets expiring at
 * `expiry` (default timestamp + 1 day), all on a lot of 0.001 BTC at 60,000 USDC/BTC:
 *
 * | id | name     | kind      | mark (per lot)         | strike |
 * |----|----------|-----------|------------------------|--------|
 * | 1  | BTC-PERP | perpetual | 60 USDC                | –      |
 * | 2  | BTC-FUT  | future    | 60 USDC                | –      |
 * | 3  | BTC-CALL | call      | 1.2 USDC (the premium) | 60 USDC|
 * | 4  | BTC-PUT  | put       | 1.1 USDC (the premium) | 60 USDC|
 */
export function defaultMarketTemplates(expiry: bigint = DEFAULT_EXPIRY_AFTER): MarketTemplate[] {
  return [
    { name: "BTC-PERP", market: market(MarketKind.PERPETUAL, BTC_LOT, 60n * USDC) },
    { name: "BTC-FUT", market: market(MarketKind.FUTURE, BTC_LOT, 60n * USDC, expiry) },
    { name: "BTC-CALL", market: market(MarketKind.CALL, BTC_LOT, 1_200_000n, expiry, 60n * USDC) },
    { name: "BTC-PUT", market: market(MarketKind.PUT, BTC_LOT, 1_100_000n, expiry, 60n * USDC) },
  ];
}

/** The default templates, expiring one day after a genesis at 0. */
export const MARKET_TEMPLATES: readonly MarketTemplate[] = defaultMarketTemplates();

/**
 * The template of market index m (templates repeat for M > 4; repeats are named `BTC-PERP#2`, …).
 * @param expiry - expiry of the dated markets (default 1 day)
 */
export function defaultMarket(m: number, expiry: bigint = DEFAULT_EXPIRY_AFTER): MarketTemplate {
  const all = defaultMarketTemplates(expiry);
  const t = all[m % all.length];
  const round = Math.floor(m / all.length);
  return round === 0 ? t : { name: `${t.name}#${round + 1}`, market: t.market };
}

/**
 * Scenario s's price move as a fraction of the scan range: pairs +scan, −scan,
 * +scan/2, −scan/2, +scan/3, … (as num/den).
 */
export function scenarioFraction(s: number): { num: bigint; den: bigint } {
  const k = Math.floor(s / 2);
  return { num: s % 2 === 0 ? 1n : -1n, den: BigInt(k + 1) };
}

/** round(a / b) with halves away from zero (b > 0). */
function roundDiv(a: bigint, b: bigint): bigint {
  const q = (2n * (a < 0n ? -a : a) + b) / (2n * b);
  return a < 0n ? -q : q;
}

/** Default liquidation penalty: 1% of the liquidated notional. */
export const DEFAULT_PENALTY_BPS = 100n;
/** Default funding-rate bound: 10^−6 per second (in 10^−12 per second). */
export const DEFAULT_MAX_FUNDING_RATE = 1_000_000n;

/** Options of `scanRisk` beyond the markets and S. */
export interface ScanRiskOptions {
  /** Scan range in basis points of the underlying price (default 1000 = 10%). */
  readonly scanBps?: bigint;
  readonly mmBps?: bigint;
  readonly penaltyBps?: bigint;
  readonly maxFundingRate?: bigint;
}

/**
 * Risk arrays from a scan range of the underlying, per kind (a placeholder for the
 * risk module's arrays):
 * - perpetual, future: `pnl[m][s] = round(markPrice · scanBps/10000 · fraction_s)`;
 * - call / put (ATM, delta ±1/2 approximation on the strike as the underlying price):
 *   `pnl = max(±round(strike · scanBps/10000 · fraction_s / 2), −premium)`: a long
 *   option loses at most its premium;
 * - a settled market's row is 0.
 * @param markets - the markets (their kinds, mark prices, strikes)
 * @param S - scenarios
 */
export function scanRisk(markets: readonly Market[], S: number, opts: ScanRiskOptions = {}): Risk {
  const scanBps = opts.scanBps ?? 1000n;
  const pnl = markets.map((mk) =>
    Array.from({ length: S }, (_, s) => {
      if (mk.settled) return 0n;
      const f = scenarioFraction(s);
      switch (mk.kind) {
        case MarketKind.CALL:
        case MarketKind.PUT: {
          const sign = mk.kind === MarketKind.CALL ? 1n : -1n;
          const move = roundDiv(sign * mk.strike * scanBps * f.num, 2n * 10000n * f.den);
          return move < -mk.markPrice ? -mk.markPrice : move;
        }
        default:
          return roundDiv(mk.markPrice * scanBps * f.num, 10000n * f.den);
      }
    }),
  );
  return {
    mmBps: opts.mmBps ?? 5000n,
    penaltyBps: opts.penaltyBps ?? DEFAULT_PENALTY_BPS,
    maxFundingRate: opts.maxFundingRate ?? DEFAULT_MAX_FUNDING_RATE,
    pnl,
  };
}

/** Options of `genesis`. */
export interface GenesisOptions {
  /** Key of account 0, the insurance fund (the operator's key). */
  readonly insuranceKey: PublicKey;
  /** The K oracle keys. */
  readonly oracleKeys: readonly PublicKey[];
  /** Oracle timestamp of the genesis state (default 0). */
  readonly timestamp?: bigint;
  /** Expiry of the default dated markets (default: timestamp + 1 day). */
  readonly expiry?: bigint;
  /** M markets (default: `defaultMarket(m, expiry)`). */
  readonly markets?: readonly Market[];
  /** Risk parameters (default: `scanRisk(markets, S)`). */
  readonly risk?: Risk;
  /** Collateral of account 0 at genesis (default 0: every unit of collateral then comes from a deposit). */
  readonly insuranceCollateral?: bigint;
}

/**
 * The genesis state.
 * @throws RangeError when the options do not fit the parameters
 */
export function genesis(params: Params, opts: GenesisOptions): State {
  const M = params.markets;
  const expiry = opts.expiry ?? (opts.timestamp ?? 0n) + DEFAULT_EXPIRY_AFTER;
  const markets = opts.markets ?? Array.from({ length: M }, (_, m) => defaultMarket(m, expiry).market);
  if (markets.length !== M) throw new RangeError(`${markets.length} markets for M = ${M}`);
  if (opts.oracleKeys.length !== params.oracleKeys) {
    throw new RangeError(`${opts.oracleKeys.length} oracle keys for K = ${params.oracleKeys}`);
  }
  if (opts.insuranceKey.ax === 0n) throw new RangeError("insurance fund key has ax = 0");
  const risk = opts.risk ?? scanRisk(markets, params.scenarios);
  if (risk.pnl.length !== M || risk.pnl.some((row) => row.length !== params.scenarios)) {
    throw new RangeError(`risk arrays must be ${M} × ${params.scenarios}`);
  }
  risk.pnl.forEach((row, m) =>
    row.forEach((v, s) => {
      if (v <= -(1n << 62n) || v >= 1n << 62n) throw new RangeError(`risk array entry pnl[${m}][${s}] = ${v} outside |pnl| < 2^62`);
    }),
  );
  for (const [name, v] of [["mmBps", risk.mmBps], ["penaltyBps", risk.penaltyBps]] as const) {
    if (v < 0n || v > 10000n) throw new RangeError(`${name} ${v} outside 0..10000`);
  }
  if (risk.maxFundingRate < 0n || risk.maxFundingRate >= 1n << 23n) throw new RangeError(`maxFundingRate ${risk.maxFundingRate} outside 0 ≤ x < 2^23`);
  const global: GlobalState = {
    oracleTimestamp: opts.timestamp ?? 0n,
    markets,
    risk,
    oracleKeys: opts.oracleKeys,
    depositHead: 0n,
    depositCount: 0,
  };
  const state = new State(params, global);
  state.setAccount(0, {
    ...emptyAccount(params.positionSlots),
    ax: opts.insuranceKey.ax,
    ay: opts.insuranceKey.ay,
    collateral: opts.insuranceCollateral ?? 0n,
  });
  return state;
}
