/**
 * Scan range and a portfolio's margin against T under a config: the table of
 * docs/risk.md (scripts/risk-table.ts prints it) and the demo's closing line. Pure.
 */
import type { Account } from "../state/account";
import type { Market } from "../state/global";
import { initialMargin } from "../state/margin";
import type { RiskConfig } from "./controls";
import { policyOf, sigmasOf } from "./controls";
import { targetScan } from "./margin-policy";
import { targetArrays, underlyingPrices } from "./plan";

/** One row: T, the scan range of market 0 (fraction of the price), the portfolio's initial margin (collateral units). */
export interface MarginAtT {
  readonly T: number;
  readonly scan: number;
  readonly initialMargin: bigint;
}

/** The T values of docs/risk.md's table: 2 s, 12 s, 1 min, 15 min, 1 h. */
export const TABLE_SECONDS: readonly number[] = [2, 12, 60, 900, 3600];

/** Margin of `account` under the config's target arrays at each T (no step bound: where margin settles). */
export function marginTable(c: RiskConfig, markets: readonly Market[], account: Account, scenarios: number, now: number, Ts: readonly number[] = TABLE_SECONDS): MarginAtT[] {
  const sigma = sigmasOf(c);
  return Ts.map((T) => {
    const risk = targetArrays(c, { markets, underlyingPrice: underlyingPrices(markets), sigmaPerSecond: sigma, T, z: c.z, now, scenarios, mmBps: 5000n });
    return { T, scan: targetScan(policyOf(c), sigma, T)[0], initialMargin: initialMargin(account, risk) };
  });
}
