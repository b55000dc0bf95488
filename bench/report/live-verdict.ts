/**
 * What bench/latency.ts's rows show, condition by condition (issue 14, item 8): did the
 * sample portfolio's margin rise above the warmed-up baseline while the condition was
 * injected, and did it come back within 2% of that baseline afterwards, before the next
 * condition. Pure: the bench, the report and the tests read the same verdicts.
 */

/** The conditions bench/latency.ts injects, in the order it injects them. */
export const LIVE_CONDITIONS = ["slow blocks", "late finality", "slow proving", "prover stall", "upgrade window"] as const;
/** One of `LIVE_CONDITIONS`. */
export type LiveCondition = (typeof LIVE_CONDITIONS)[number];

/** One row of bench/latency.json's `rows` (issue 14's format): one batch, or one header signed during a stall. */
export interface LatencyRow {
  readonly step: number;
  readonly condition: "baseline" | LiveCondition;
  /** The T (p99, with the live stall and upgrade inputs) that sized the arrays of this row. */
  readonly tP99Seconds: number;
  /** This batch's own job, created → final. */
  readonly endToEndSeconds: number;
  /** The sample portfolio's initial margin under the newest arrays planned at this row (the ones the next header carries). */
  readonly initialMarginUsdc: number;
}

/** The verdict on one condition. */
export interface LiveVerdict {
  readonly condition: LiveCondition;
  readonly baselineUsdc: number;
  readonly peakUsdc: number;
  /** Rows under the condition, and how many of them were above the baseline. */
  readonly rows: number;
  readonly rowsAbove: number;
  /** The peak is above the baseline. */
  readonly rose: boolean;
  /** A baseline row after the condition, before the next one, is within 2% of the baseline. */
  readonly backWithin2Pct: boolean;
  /** Rows after the condition's last until the first one back within 2% (null: never). */
  readonly backAfterRows: number | null;
}

/** Relative distance within which margin counts as back at the baseline. */
export const BACK_WITHIN = 0.02;

/**
 * The verdicts on every condition present in `rows`, in the order they appear.
 * @param baselineUsdc - the margin at the end of the warm-up (> 0)
 * @throws RangeError for a baseline ≤ 0 or a condition that appears in two separate runs of rows
 */
export function liveVerdicts(rows: readonly LatencyRow[], baselineUsdc: number): LiveVerdict[] {
  if (!(baselineUsdc > 0)) throw new RangeError(`baseline margin ${baselineUsdc} USDC must be > 0`);
  const out: LiveVerdict[] = [];
  let k = 0;
  while (k < rows.length) {
    const c = rows[k].condition;
    if (c === "baseline") {
      k++;
      continue;
    }
    if (out.some((v) => v.condition === c)) throw new RangeError(`condition ${c} appears twice, at row ${k}`);
    let end = k;
    while (end < rows.length && rows[end].condition === c) end++;
    const during = rows.slice(k, end).map((r) => r.initialMarginUsdc);
    let back: number | null = null;
    for (let j = end; j < rows.length && rows[j].condition === "baseline" && back === null; j++) {
      if (Math.abs(rows[j].initialMarginUsdc / baselineUsdc - 1) <= BACK_WITHIN) back = j - end + 1;
    }
    const peak = Math.max(...during);
    out.push({
      condition: c,
      baselineUsdc,
      peakUsdc: peak,
      rows: during.length,
      rowsAbove: during.filter((m) => m > baselineUsdc).length,
      rose: peak > baselineUsdc,
      backWithin2Pct: back !== null,
      backAfterRows: back,
    });
    k = end;
  }
  return out;
}

/** One line per verdict, for logs and captions. */
export function verdictLine(v: LiveVerdict): string {
  const rise = v.rose ? `rose above it (${v.rowsAbove} of ${v.rows} rows above)` : "did NOT rise above it";
  const back = v.backWithin2Pct ? `back within 2% ${v.backAfterRows} batches after` : "NOT back within 2% after";
  return `${v.condition}: baseline ${v.baselineUsdc} → peak ${v.peakUsdc} USDC, ${rise}, ${back}`;
}
