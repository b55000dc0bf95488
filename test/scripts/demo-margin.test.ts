import { expect } from "chai";
import { CI_PARAMS, devGenesis } from "../../prover/dev/fixtures";
import type { DemoBatch } from "../../scripts/lib/demo-flow";
import { demoMarginLines } from "../../scripts/lib/demo-margin";

const batch = (number: number, proveMs: number, submitMs: number): DemoBatch =>
  ({ number, ops: [], timingsMs: { witness: 100, prove: proveMs, verify: 50, submit: submitMs }, gasUsed: "0" }) as unknown as DemoBatch;

describe("the demo's margin lines (scripts/lib/demo-margin.ts)", () => {
  it("prints the sample portfolio's margin under the arrays in force and at the T its batches measured, and a slower run asks for more", async () => {
    const state = await devGenesis(CI_PARAMS);
    const fast = demoMarginLines(state, [batch(1, 20_000, 1_000), batch(2, 22_000, 1_200)]);
    const slow = demoMarginLines(state, [batch(1, 200_000, 1_000), batch(2, 220_000, 1_200)]);
    expect(fast[0]).to.include("Sample portfolio: 1 BTC long");
    expect(fast[1]).to.match(/arrays in force .*: initial margin [\d.]+ USDC/);
    const T = (lines: string[]): number => Number(/T = ([\d.]+) s/.exec(lines[2])![1]);
    // p99 of two samples is the larger: 22.15 s proving + 1.2 s submit
    expect(T(fast)).to.be.closeTo(23.35, 0.06);
    const target = (lines: string[]): number => Number(/initial margin ([\d.]+) USDC/.exec(lines[3])![1]);
    expect(T(slow)).to.be.greaterThan(T(fast));
    expect(target(slow)).to.be.greaterThan(target(fast));
  });
});
