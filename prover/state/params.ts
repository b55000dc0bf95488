/**
 * Circuit parameter sets (protocol.md section 1). They live in
 * `circuits/params/<name>.json`; they are compile-time constants of the circuit and
 * constructor arguments of the settlement contract.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** One parameter set, as in `circuits/params/<name>.json`. */
export interface Params {
  /** Levels of the quaternary account tree, D (1..15). */
  accountDepth: number;
  /** Position slots per account, P (1..16). */
  positionSlots: number;
  /** Number of markets, M (1..13: riskHash hashes 3 + M inputs, at most 16). */
  markets: number;
  /** Margin scenarios, S (1..16). */
  scenarios: number;
  /** Op slots per batch, N (≥ 1). */
  batchSize: number;
  /** Oracle keys committed in the global state, K (1..16). */
  oracleKeys: number;
  /** Oracle signatures a header needs, Q (1..K). */
  oracleQuorum: number;
}

/** Bounds of protocol.md section 1, inclusive. `batchSize` has no upper bound there. */
export const PARAM_BOUNDS: Readonly<Record<keyof Params, readonly [number, number]>> = {
  accountDepth: [1, 15],
  positionSlots: [1, 16],
  markets: [1, 13],
  scenarios: [1, 16],
  batchSize: [1, Number.MAX_SAFE_INTEGER],
  oracleKeys: [1, 16],
  oracleQuorum: [1, 16],
};

/** Thrown when a parameter set is outside the bounds of protocol.md section 1. */
export class ParamsError extends Error {
  readonly code = "PARAMS_OUT_OF_RANGE";
  constructor(
    readonly field: string,
    readonly value: unknown,
  ) {
    super(`parameter ${field} = ${String(value)} is out of range`);
    this.name = "ParamsError";
  }
}

/**
 * Checks a parameter set against protocol.md section 1 and returns it typed.
 * @param raw - an object with the seven fields (extra fields such as `name` are dropped)
 * @returns the parameters
 * @throws ParamsError naming the first field out of range
 */
export function checkParams(raw: Record<string, unknown>): Params {
  const out: Partial<Params> = {};
  for (const key of Object.keys(PARAM_BOUNDS) as (keyof Params)[]) {
    const v = raw[key];
    const [lo, hi] = PARAM_BOUNDS[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) throw new ParamsError(key, v);
    out[key] = v;
  }
  const p = out as Params;
  if (p.oracleQuorum > p.oracleKeys) throw new ParamsError("oracleQuorum", p.oracleQuorum);
  return p;
}

/**
 * This package's root, by Node's self-reference of a package by its own name (package.json
 * `exports` has "./package.json"). Not prover/package/root.ts: state/ imports nothing
 * of zksettle outside itself (docs/architecture.md, "Layering").
 */
function ownPackageRoot(): string {
  return dirname(require.resolve("zksettle/package.json"));
}

/**
 * Loads `circuits/params/<name>.json`.
 * @param name - the parameter set, e.g. `"ci"` or `"prod"`
 * @param root - the package root (default: this package's, from source, dist/ or
 *   node_modules alike)
 * @returns the checked parameters
 */
export function loadParams(name: string, root: string = ownPackageRoot()): Params {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new ParamsError("name", name);
  const file = join(root, "circuits", "params", `${name}.json`);
  return checkParams(JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>);
}
