/**
 * Operator overrides of the risk parameters, with an append-only audit log (who,
 * when, what, the previous value, why). Pure values: every change returns a new
 * `Overrides`; the integrator persists it (e.g. one JSON file or table row per entry)
 * and reloads it at start with `replayOverrides`.
 *
 * An override replaces an input of the computation, never the step bound: an
 * overridden scan range still moves at most `maxStepUp` per update, and never below
 * the floor, so an operator cannot liquidate anyone by a parameter jump either. The one
 * exception has its own name: `emergency` = 1 lets every row take its target at once
 * until it is cleared; the service logs it at error level and the dashboard shows it.
 */

/** What can be overridden: z, T (seconds), σ (annual), the scan range (fraction) of market m, or the step bound (emergency). */
export type OverrideKey = "z" | "timeToFinality" | "emergency" | `sigmaAnnual.${number}` | `scan.${number}`;

/** The emergency override's key: while it is 1, rows are not step-bounded. */
export const EMERGENCY_KEY = "emergency";

/** One entry of the audit log. */
export interface AuditEntry {
  /** 1, 2, 3, … in order of application. */
  readonly seq: number;
  /** The operator (API key name, user). */
  readonly who: string;
  /** Unix milliseconds. */
  readonly when: number;
  readonly key: OverrideKey;
  /** The override before (null: none). */
  readonly previous: number | null;
  /** The override after (null: cleared). */
  readonly value: number | null;
  readonly reason: string;
}

/** The overrides in force and the log that led to them. */
export interface Overrides {
  readonly values: Readonly<Partial<Record<OverrideKey, number>>>;
  readonly log: readonly AuditEntry[];
}

/** A requested change. */
export interface OverrideChange {
  readonly who: string;
  readonly when: number;
  readonly key: string;
  /** The new value, or null to clear the override. */
  readonly value: number | null;
  readonly reason: string;
}

/** Thrown for a change that is refused, naming the key and the rule. */
export class OverrideError extends Error {
  readonly code = "RISK_OVERRIDE_INVALID";
  constructor(message: string) {
    super(message);
    this.name = "OverrideError";
  }
}

/** No overrides, empty log. */
export const NO_OVERRIDES: Overrides = Object.freeze({ values: Object.freeze({}), log: Object.freeze([]) as readonly AuditEntry[] });

/** [low, high, unit, low excluded]: a pinned scan of 0 would zero a row, so it is refused. */
const BOUNDS: Readonly<Record<string, readonly [number, number, string, boolean?]>> = {
  z: [0, 20, "standard deviations"],
  timeToFinality: [0, 86_400, "seconds"],
  sigmaAnnual: [0, 20, "annual volatility"],
  scan: [0, 1, "fraction of the price", true],
  emergency: [1, 1, "1 (on; clear it with null)"],
};

/**
 * Parses and bounds-checks an override key for M markets.
 * @throws OverrideError naming the key
 */
export function checkKey(key: string, markets: number): OverrideKey {
  const m = /^(z|timeToFinality|emergency)$|^(sigmaAnnual|scan)\.(\d+)$/.exec(key);
  if (m === null) throw new OverrideError(`override key ${JSON.stringify(key)}: expected z, timeToFinality, emergency, sigmaAnnual.<market> or scan.<market>`);
  if (m[3] !== undefined && Number(m[3]) >= markets) throw new OverrideError(`override key ${key}: market index ${m[3]} is outside 0..${markets - 1}`);
  return key as OverrideKey;
}

/**
 * Applies one change and appends it to the log.
 * @param markets - M, to check market indices
 * @throws OverrideError for an unknown key, a value out of bounds, an empty `who` or `reason`
 */
export function applyOverride(o: Overrides, change: OverrideChange, markets: number): Overrides {
  const key = checkKey(change.key, markets);
  if (change.who.trim() === "") throw new OverrideError(`override ${key}: who is empty (every change names its operator)`);
  if (change.reason.trim() === "") throw new OverrideError(`override ${key}: reason is empty (every change says why)`);
  if (!Number.isFinite(change.when)) throw new OverrideError(`override ${key}: when = ${change.when} is not a time`);
  const last = o.log[o.log.length - 1];
  if (last !== undefined && change.when < last.when) throw new OverrideError(`override ${key}: when ${change.when} is before the last entry (${last.when}); the log is append-only`);
  if (change.value !== null) {
    const [lo, hi, unit, open] = BOUNDS[key.split(".")[0]];
    if (!(Number.isFinite(change.value) && (open === true ? change.value > lo : change.value >= lo) && change.value <= hi)) {
      throw new OverrideError(`override ${key} = ${change.value}: expected ${unit} in ${open === true ? "(" : "["}${lo}, ${hi}]`);
    }
  }
  const previous = o.values[key] ?? null;
  const values = { ...o.values };
  if (change.value === null) delete values[key];
  else values[key] = change.value;
  const entry: AuditEntry = Object.freeze({ seq: o.log.length + 1, who: change.who, when: change.when, key, previous, value: change.value, reason: change.reason });
  return Object.freeze({ values: Object.freeze(values), log: Object.freeze([...o.log, entry]) });
}

/** Rebuilds the overrides from a persisted log (checks it as it goes). */
export function replayOverrides(log: readonly AuditEntry[], markets: number): Overrides {
  return log.reduce<Overrides>((o, e) => applyOverride(o, e, markets), NO_OVERRIDES);
}

/** Values after overrides: z, T (when pinned), σ per √s per market and scan per market. */
export interface Overridden {
  /** The emergency override is on: the step bound is off. */
  readonly emergency: boolean;
  readonly z: number;
  readonly T: number;
  readonly sigmaPerSecond: number[];
  /** A pinned scan range per market, or undefined (computed from z, σ, T). */
  readonly scan: (number | undefined)[];
}

/**
 * The inputs of the computation after the overrides in force.
 * @param secondsPerYear - for converting an annual σ override (SECONDS_PER_YEAR)
 */
export function withOverrides(o: Overrides, base: { z: number; T: number; sigmaPerSecond: readonly number[] }, secondsPerYear: number): Overridden {
  const v = o.values;
  return {
    emergency: v.emergency === 1,
    z: v.z ?? base.z,
    T: v.timeToFinality ?? base.T,
    sigmaPerSecond: base.sigmaPerSecond.map((s, m) => {
      const a = v[`sigmaAnnual.${m}`];
      return a === undefined ? s : a / Math.sqrt(secondsPerYear);
    }),
    scan: base.sigmaPerSecond.map((_, m) => v[`scan.${m}`]),
  };
}
