/**
 * Prints docs/risk.md's table: scan range and the sample portfolio's initial margin at
 * T = 2 s, 12 s, 1 min, 15 min, 1 h under the shipped risk defaults and the dev genesis
 * markets (production parameters: 16 scenarios).  Usage: npx ts-node scripts/risk-table.ts
 */
import { defaultRiskConfig } from "../prover/risk/controls";
import { marginTable } from "../prover/risk/margin-table";
import { samplePortfolio } from "../prover/dev/sample-portfolio";
import { defaultMarketTemplates } from "../prover/state/genesis";

const markets = defaultMarketTemplates(86_400n).map((t) => t.market);
const label = (T: number): string => (T < 60 ? `${T} s` : T < 3600 ? `${T / 60} min` : `${T / 3600} h`);
console.log("| T | scan range (z·σ·√T, floored) | sample portfolio initial margin |");
console.log("|---|---|---|");
for (const r of marginTable(defaultRiskConfig(markets.length), markets, samplePortfolio(2), 16, 0)) {
  console.log(`| ${label(r.T)} | ${(r.scan * 100).toFixed(3)}% | ${(Number(r.initialMargin) / 1e6).toFixed(2)} USDC |`);
}
