/**
 * The sample portfolio that docs/risk.md's table, the demo and the latency bench size
 * margin for: 1 BTC long on the perpetual and 0.5 BTC short on the dated future of the
 * dev genesis (1,000 and 500 lots of 0.001 BTC), half hedged, with 10,000 USDC.
 */
import { EMPTY_SLOT, emptyAccount, type Account } from "../state/account";

/** In words, for captions. */
export const SAMPLE_PORTFOLIO = "1 BTC long (1,000 BTC-PERP lots), 0.5 BTC short (500 BTC-FUT lots)";

/** The sample portfolio in an account of `positionSlots` slots (≥ 2). */
export function samplePortfolio(positionSlots: number): Account {
  const empty = emptyAccount(positionSlots);
  const positions = empty.positions.map((s, j) => (j === 0 ? { ...EMPTY_SLOT, marketId: 1, size: 1000n } : j === 1 ? { ...EMPTY_SLOT, marketId: 2, size: -500n } : s));
  return { ...empty, collateral: 10_000_000_000n, positions };
}
