/**
 * Scheduled network upgrades as a risk input. Operators of a derivative venue watch the
 * upgrade calendar of the chain they settle on: a hard fork can stall block production
 * or finality for minutes to hours. The risk config lists the windows; while one is
 * near (`leadSeconds` ahead) or open, margin is raised by its multiplier and T is at
 * least its latency assumption. The step bound turns that into a ramp: starting the
 * raise `leadSeconds` ahead is what lets margin be up by the time the window opens.
 *
 * ```
 * window   from/to as unix seconds (fromTime, toTime) or block heights (fromBlock, toBlock)
 * near     now ≥ from − leadSeconds (block heights: head ≥ fromBlock − leadSeconds / secondsPerBlock)
 * open     from ≤ now ≤ to
 * effect   scan × max(multiplier of windows near or open),  T ≥ max(latencySeconds)
 * ```
 */
import type { UpgradeEffect } from "./views";

export type { UpgradeEffect } from "./views";

/** One scheduled upgrade (config `risk.upgrades[i]`). */
export interface UpgradeWindow {
  readonly name: string;
  readonly fromTime?: number;
  readonly toTime?: number;
  readonly fromBlock?: number;
  readonly toBlock?: number;
  /** Seconds ahead of the window that the raise starts (default 3600). */
  readonly leadSeconds?: number;
  /** Factor on the scan range while near or open (default 1). */
  readonly marginMultiplier?: number;
  /** T is at least this while near or open (default 0). */
  readonly latencySeconds?: number;
}

/** Where the chain is: the clock and, where known, the head block. */
export interface ChainNow {
  readonly nowSeconds: number;
  readonly head?: number;
  /** To turn `leadSeconds` into blocks for height-based windows (default 12). */
  readonly secondsPerBlock?: number;
}

/** No window near: multiplier 1, no latency floor. */
export const NO_UPGRADE: UpgradeEffect = { multiplier: 1, latencySeconds: 0, windows: [] };

/** Default lead time of a window. */
export const DEFAULT_UPGRADE_LEAD_SECONDS = 3600;

function phaseOf(w: UpgradeWindow, at: ChainNow): "ahead" | "open" | undefined {
  const lead = w.leadSeconds ?? DEFAULT_UPGRADE_LEAD_SECONDS;
  if (w.fromTime !== undefined) {
    const to = w.toTime ?? w.fromTime;
    if (at.nowSeconds > to || at.nowSeconds < w.fromTime - lead) return undefined;
    return at.nowSeconds >= w.fromTime ? "open" : "ahead";
  }
  if (w.fromBlock === undefined || at.head === undefined) return undefined;
  const to = w.toBlock ?? w.fromBlock;
  const leadBlocks = Math.ceil(lead / (at.secondsPerBlock ?? 12));
  if (at.head > to || at.head < w.fromBlock - leadBlocks) return undefined;
  return at.head >= w.fromBlock ? "open" : "ahead";
}

/** The effect of the windows near or open now. */
export function upgradeEffect(windows: readonly UpgradeWindow[], at: ChainNow): UpgradeEffect {
  let multiplier = 1;
  let latencySeconds = 0;
  const near: { name: string; phase: "ahead" | "open" }[] = [];
  for (const w of windows) {
    const phase = phaseOf(w, at);
    if (phase === undefined) continue;
    near.push({ name: w.name, phase });
    multiplier = Math.max(multiplier, w.marginMultiplier ?? 1);
    latencySeconds = Math.max(latencySeconds, w.latencySeconds ?? 0);
  }
  return near.length === 0 ? NO_UPGRADE : { multiplier, latencySeconds, windows: near };
}

/** Problems of a `risk.upgrades` value, each with its path (empty: valid). */
export function checkUpgrades(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [`risk.upgrades = ${JSON.stringify(raw)}: expected an array of windows`];
  const problems: string[] = [];
  raw.forEach((w: unknown, i) => {
    const path = `risk.upgrades[${i}]`;
    if (typeof w !== "object" || w === null) return void problems.push(`${path}: expected an object`);
    const o = w as Record<string, unknown>;
    if (typeof o.name !== "string" || o.name.trim() === "") problems.push(`${path}.name: expected a non-empty string`);
    const known = ["name", "fromTime", "toTime", "fromBlock", "toBlock", "leadSeconds", "marginMultiplier", "latencySeconds"];
    for (const k of Object.keys(o)) if (!known.includes(k)) problems.push(`${path}.${k}: unknown key (known: ${known.join(", ")})`);
    const num = (k: string, min: number, max: number, integer = false): void => {
      const v = o[k];
      if (v !== undefined && !(typeof v === "number" && Number.isFinite(v) && v >= min && v <= max && (!integer || Number.isInteger(v)))) {
        problems.push(`${path}.${k} = ${JSON.stringify(v)}: expected ${integer ? "an integer" : "a number"} in [${min}, ${max}]`);
      }
    };
    for (const k of ["fromTime", "toTime"]) num(k, 0, 1e12);
    for (const k of ["fromBlock", "toBlock"]) num(k, 0, 1e12, true);
    num("leadSeconds", 0, 30 * 86_400);
    num("marginMultiplier", 1, 100);
    num("latencySeconds", 0, 86_400);
    const byTime = o.fromTime !== undefined;
    const byBlock = o.fromBlock !== undefined;
    if (byTime === byBlock) problems.push(`${path}: give exactly one of fromTime or fromBlock`);
    if ((byTime && o.toBlock !== undefined) || (byBlock && o.toTime !== undefined)) problems.push(`${path}: from and to must both be times or both be blocks`);
    const [from, to] = byTime ? [o.fromTime, o.toTime] : [o.fromBlock, o.toBlock];
    if (typeof from === "number" && typeof to === "number" && to < from) problems.push(`${path}: ends (${to}) before it starts (${from})`);
  });
  return problems;
}
