/**
 * A deterministic genesis state for tests, the demo and a fresh deployment: account
 * 0 (the insurance fund) with the operator's key, perpetual markets, scan-range risk
 * arrays and the oracle keys. Pure: keys come in as arguments.
 */
import type { PublicKey } from "./crypto";
import { emptyAccount } from "./account";
import { MarketKind, type GlobalState, type Market, type Risk } from "./global";
import type { Params } from "./params";
import { State } from "./state";

/** `lotSize` is in units of 10^-8 of the underlying asset. */
export const LOT_SIZE_DECIMALS = 8;

/** A named market template. */
export interface MarketTemplate {
  readonly name: string;
  readonly market: Market;
}

function perp(lotSize: bigint, markPrice: bigint): Market {
  return { kind: MarketKind.PERPETUAL, lotSize, expiry: 0n, strike: 0n, markPrice, fundingIndex: 0n, settlementPrice: 0n, settled: false };
}

/** BTC-PERP (lot 0.001 BTC, 60 USDC per lot) and ETH-PERP (lot 0.01 ETH, 30 USDC per lot). */
export const MARKET_TEMPLATES: readonly MarketTemplate[] = [
  { name: "BTC-PERP", market: perp(100_000n, 60_000_000n) },
  { name: "ETH-PERP", market: perp(1_000_000n, 30_000_000n) },
];

/** The template of market index m (templates repeat for M > 2; repeats are named `BTC-PERP#2`, …). */
export function defaultMarket(m: number): MarketTemplate {
  const t = MARKET_TEMPLATES[m % MARKET_TEMPLATES.length];
  const round = Math.floor(m / MARKET_TEMPLATES.length);
  return round === 0 ? t : { name: `${t.name}#${round + 1}`, market: t.market };
}

/**
 * Scenario s's price move in basis points of the scan range: pairs +scan, −scan,
 * +scan/2, −scan/2, +scan/3, … (as a fraction num/den of the scan range).
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

/**
 * Risk arrays from a scan range: `pnl[m][s] = round(markPrice_m · scanBps/10000 · fraction_s)`.
 * @param markets - the markets (their mark prices)
 * @param S - scenarios
 * @param scanBps - scan range in basis points of the price (default 1000 = 10%)
 * @param mmBps - maintenance ratio (default 5000)
 */
export function scanRisk(markets: readonly Market[], S: number, scanBps = 1000n, mmBps = 5000n): Risk {
  const pnl = markets.map((mk) =>
    Array.from({ length: S }, (_, s) => {
      const f = scenarioFraction(s);
      return roundDiv(mk.markPrice * scanBps * f.num, 10000n * f.den);
    }),
  );
  return { mmBps, pnl };
}

/** Options of `genesis`. */
export interface GenesisOptions {
  /** Key of account 0, the insurance fund (the operator's key). */
  readonly insuranceKey: PublicKey;
  /** The K oracle keys. */
  readonly oracleKeys: readonly PublicKey[];
  /** Oracle timestamp of the genesis state (default 0). */
  readonly timestamp?: bigint;
  /** M markets (default: `defaultMarket(m)`). */
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
  const markets = opts.markets ?? Array.from({ length: M }, (_, m) => defaultMarket(m).market);
  if (markets.length !== M) throw new RangeError(`${markets.length} markets for M = ${M}`);
  if (opts.oracleKeys.length !== params.oracleKeys) {
    throw new RangeError(`${opts.oracleKeys.length} oracle keys for K = ${params.oracleKeys}`);
  }
  if (opts.insuranceKey.ax === 0n) throw new RangeError("insurance fund key has ax = 0");
  const risk = opts.risk ?? scanRisk(markets, params.scenarios);
  if (risk.pnl.length !== M || risk.pnl.some((row) => row.length !== params.scenarios)) {
    throw new RangeError(`risk arrays must be ${M} × ${params.scenarios}`);
  }
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
