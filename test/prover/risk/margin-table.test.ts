import { expect } from "chai";
import fc from "fast-check";
import { samplePortfolio } from "../../../prover/dev/sample-portfolio";
import { SECONDS_PER_YEAR } from "../../../prover/risk/black-scholes";
import { defaultRiskConfig } from "../../../prover/risk/controls";
import { TABLE_SECONDS, marginTable } from "../../../prover/risk/margin-table";
import { defaultMarketTemplates } from "../../../prover/state/genesis";

const MARKETS = defaultMarketTemplates(86_400n).map((t) => t.market);
const CONFIG = defaultRiskConfig(MARKETS.length);

describe("prover/risk shipped defaults: latency moves margin", () => {
  it("the scan range is z·σ·√T, above the floor, from 1 s to an hour", () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 3600, noNaN: true }), (T) => {
        const [row] = marginTable(CONFIG, MARKETS, samplePortfolio(2), 16, 0, [T]);
        expect(row.scan).to.be.closeTo(CONFIG.z * 0.6 * Math.sqrt(T / SECONDS_PER_YEAR), 1e-12);
        expect(row.scan).to.be.greaterThan(CONFIG.floor);
      }),
    );
  });

  it("the sample portfolio's margin grows at every step of docs/risk.md's table: 2 s, 12 s, 1 min, 15 min, 1 h", () => {
    const rows = marginTable(CONFIG, MARKETS, samplePortfolio(2), 16, 0);
    expect(rows.map((r) => r.T)).to.deep.equal(TABLE_SECONDS);
    for (let i = 1; i < rows.length; i++) {
      expect(rows[i].scan).to.be.greaterThan(rows[i - 1].scan);
      expect(rows[i].initialMargin > rows[i - 1].initialMargin, `T = ${rows[i].T}`).to.equal(true);
    }
    // the √T law: an hour asks for √(3600/60) ≈ 7.75 times the margin of a minute (±5%: the extreme scenarios and rounding)
    expect(Number(rows[4].initialMargin) / Number(rows[2].initialMargin)).to.be.closeTo(Math.sqrt(60), Math.sqrt(60) * 0.05);
  });
});
