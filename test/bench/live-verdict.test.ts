/**
 * bench/latency.ts's verdicts (bench/report/live-verdict.ts) and its committed result,
 * bench/latency.json: the rows have issue 14's shape, the five conditions come in turn,
 * and under each the margin rose above the warmed-up baseline and came back within 2%
 * of it afterwards. No wall-clock assertions: the rows are data.
 */
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { BACK_WITHIN, LIVE_CONDITIONS, liveVerdicts, type LatencyRow, type LiveCondition } from "../../bench/report/live-verdict";

const ROOT = path.resolve(__dirname, "..", "..");

/** Rows from margins: one block of baseline rows, then per condition its rows and a recovery. */
const rowsOf = (blocks: readonly { condition: LatencyRow["condition"]; margins: readonly number[] }[]): LatencyRow[] =>
  blocks.flatMap((b) => b.margins.map((m) => ({ condition: b.condition, initialMarginUsdc: m }))).map((r, step) => ({ step, tP99Seconds: 10, endToEndSeconds: 10, ...r }));

const margin = fc.double({ min: 1, max: 1000, noNaN: true });
const phase = fc.record({ during: fc.array(margin, { minLength: 1, maxLength: 6 }), after: fc.array(margin, { maxLength: 6 }) });

describe("bench latency: verdicts per condition", () => {
  it("a condition rose iff one of its rows is above the baseline, and is back at the first later baseline row within 2%", () => {
    fc.assert(
      fc.property(margin, fc.array(phase, { minLength: 1, maxLength: LIVE_CONDITIONS.length }), (baseline, phases) => {
        const blocks = [{ condition: "baseline" as const, margins: [baseline] }, ...phases.flatMap((p, i) => [{ condition: LIVE_CONDITIONS[i], margins: p.during }, { condition: "baseline" as const, margins: p.after }])];
        const verdicts = liveVerdicts(rowsOf(blocks), baseline);
        expect(verdicts.map((v) => v.condition)).to.deep.equal(LIVE_CONDITIONS.slice(0, phases.length));
        verdicts.forEach((v, i) => {
          const { during, after } = phases[i];
          expect(v.rose).to.equal(during.some((m) => m > baseline));
          expect(v.rowsAbove).to.equal(during.filter((m) => m > baseline).length);
          const back = after.findIndex((m) => Math.abs(m / baseline - 1) <= BACK_WITHIN);
          expect(v.backAfterRows).to.equal(back < 0 ? null : back + 1);
          expect(v.backWithin2Pct).to.equal(back >= 0);
        });
      }),
    );
  });

  it("scaling every margin and the baseline alike (by powers of two: exact in floating point) changes no verdict", () => {
    fc.assert(
      fc.property(margin, fc.array(margin, { minLength: 1, maxLength: 5 }), fc.array(margin, { maxLength: 5 }), fc.integer({ min: 1, max: 20 }).map((e) => 2 ** e), (b, during, after, k) => {
        const blocks = (s: number) => [
          { condition: "baseline" as const, margins: [b * s] },
          { condition: "slow blocks" as const, margins: during.map((m) => m * s) },
          { condition: "baseline" as const, margins: after.map((m) => m * s) },
        ];
        const strip = (v: ReturnType<typeof liveVerdicts>) => v.map(({ rose, backAfterRows, rowsAbove }) => ({ rose, backAfterRows, rowsAbove }));
        expect(strip(liveVerdicts(rowsOf(blocks(k)), b * k))).to.deep.equal(strip(liveVerdicts(rowsOf(blocks(1)), b)));
      }),
    );
  });

  it("a recovery ends at the next condition: coming back only after it does not count", () => {
    const rows = rowsOf([
      { condition: "baseline", margins: [50] },
      { condition: "slow blocks", margins: [55] },
      { condition: "baseline", margins: [54] },
      { condition: "late finality", margins: [60] },
      { condition: "baseline", margins: [50] },
    ]);
    const [blocks, finality] = liveVerdicts(rows, 50);
    expect(blocks.backWithin2Pct).to.equal(false);
    expect(finality.backAfterRows).to.equal(1);
  });

  it("refuses a baseline ≤ 0 and a condition injected twice", () => {
    expect(() => liveVerdicts([], 0)).to.throw(RangeError);
    const twice = rowsOf([
      { condition: "slow blocks", margins: [1] },
      { condition: "baseline", margins: [1] },
      { condition: "slow blocks", margins: [1] },
    ]);
    expect(() => liveVerdicts(twice, 1)).to.throw(RangeError, /twice/);
  });
});

describe("bench latency: the committed run (bench/latency.json)", function () {
  const run = JSON.parse(fs.readFileSync(path.join(ROOT, "bench", "latency.json"), "utf8")) as { quick: boolean; baselineUsdc: number; rows?: LatencyRow[]; summary: { rowsWithinStepBound: boolean } };
  const rows = run.rows ?? [];
  before(function () {
    // pending, not passing, until a run in the rows format is committed (npx ts-node bench/latency.ts)
    if (run.rows === undefined) this.skip();
  });

  it("keeps per row { step, condition, tP99Seconds, endToEndSeconds, initialMarginUsdc }, steps in order", () => {
    expect(rows.length).to.be.greaterThan(LIVE_CONDITIONS.length * 2);
    rows.forEach((r, k) => {
      expect(Object.keys(r).sort()).to.deep.equal(["condition", "endToEndSeconds", "initialMarginUsdc", "step", "tP99Seconds"]);
      expect(r.step).to.equal(k);
      expect(["baseline", ...LIVE_CONDITIONS]).to.include(r.condition);
      for (const x of [r.tP99Seconds, r.endToEndSeconds, r.initialMarginUsdc]) expect(Number.isFinite(x) && x > 0, `row ${k}: ${JSON.stringify(r)}`).to.equal(true);
    });
  });

  it("is a full run that starts from a baseline and injects the five conditions in turn", () => {
    expect(run.quick).to.equal(false);
    expect(rows[0].condition).to.equal("baseline");
    const order = rows.map((r) => r.condition).filter((c, k, a): c is LiveCondition => c !== "baseline" && a[k - 1] !== c);
    expect(order).to.deep.equal([...LIVE_CONDITIONS]);
  });

  it("shows each condition raising margin above the baseline and margin back within 2% after, within the step bound", () => {
    const verdicts = liveVerdicts(rows, run.baselineUsdc);
    for (const v of verdicts) {
      expect(v.rose, `${v.condition} rose`).to.equal(true);
      expect(v.backWithin2Pct, `${v.condition} back within 2%`).to.equal(true);
    }
    expect(run.summary.rowsWithinStepBound).to.equal(true);
  });
});
