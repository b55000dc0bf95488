/**
 * The genesis the service starts its ledger from: a JSON file (`--genesis FILE`) or the
 * INSECURE dev genesis of prover/dev/fixtures.ts (`--dev-genesis`, tests and demo only).
 *
 * File format (bigints as decimal strings; docs/operations.md, "Genesis file"):
 *
 *   {
 *     "params": "ci",                                  // optional: must equal --params
 *     "insuranceKey": { "ax": "…", "ay": "…" },          // account 0's key (the operator's)
 *     "oracleKeys": [{ "ax": "…", "ay": "…" }, …],       // K keys
 *     "timestamp": "0",                                 // optional, default 0
 *     "insuranceCollateral": "0",                       // optional, default 0
 *     "riskPnl": [["-1200", "1200", …], …],             // optional: M rows of S signed integers
 *     "stateRoot": "…"                                  // optional: checked against the built root
 *   }
 *
 * Markets and the risk parameters (mmBps, penaltyBps, maxFundingRate) are the defaults
 * of prover/state/genesis.ts; `riskPnl` replaces the default scan arrays, so that a venue
 * starts with arrays sized for the latency it expects (docs/risk.md section 8).
 */
import { readFileSync } from "node:fs";
import { initCrypto, type PublicKey } from "../state/crypto";
import { genesis } from "../state/genesis";
import type { Params } from "../state/params";
import type { State } from "../state/state";
import { devGenesis } from "../dev/fixtures";
import { CodedError } from "../errors/coded-error";

/** A genesis file (or flag combination) that cannot be used; `problems` lists each. */
export class GenesisError extends CodedError<"PRV_ERR_GENESIS"> {
  constructor(readonly problems: readonly string[]) {
    super("PRV_ERR_GENESIS", `genesis:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "GenesisError";
  }
}

export interface GenesisFile {
  params?: string;
  insuranceKey: { ax: string; ay: string };
  oracleKeys: { ax: string; ay: string }[];
  timestamp?: string;
  insuranceCollateral?: string;
  riskPnl?: string[][];
  stateRoot?: string;
}

function signedBig(v: unknown, field: string, problems: string[]): bigint {
  if ((typeof v === "string" && /^-?[0-9]+$/.test(v)) || (typeof v === "number" && Number.isSafeInteger(v))) return BigInt(v);
  problems.push(`${field}: ${JSON.stringify(v)} is not a decimal integer`);
  return 0n;
}

/** `riskPnl`: M rows of S signed integers. */
function riskPnl(v: unknown, params: Params, problems: string[]): bigint[][] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length !== params.markets || v.some((row) => !Array.isArray(row) || row.length !== params.scenarios)) {
    problems.push(`riskPnl: must be ${params.markets} rows (markets) of ${params.scenarios} entries (scenarios)`);
    return undefined;
  }
  return (v as unknown[][]).map((row, m) => row.map((x, s) => signedBig(x, `riskPnl[${m}][${s}]`, problems)));
}

function big(v: unknown, field: string, problems: string[]): bigint {
  if ((typeof v === "string" && /^[0-9]+$/.test(v)) || (typeof v === "number" && Number.isSafeInteger(v) && v >= 0)) return BigInt(v);
  problems.push(`${field}: ${JSON.stringify(v)} is not a non-negative decimal integer`);
  return 0n;
}

function key(v: unknown, field: string, problems: string[]): PublicKey {
  if (typeof v !== "object" || v === null) {
    problems.push(`${field}: not an object {ax, ay}`);
    return { ax: 0n, ay: 0n };
  }
  const o = v as Record<string, unknown>;
  return { ax: big(o.ax, `${field}.ax`, problems), ay: big(o.ay, `${field}.ay`, problems) };
}

/** The genesis file's JSON for a state built by `genesis()` with default markets and risk parameters. */
export function genesisFileOf(state: State, paramsName: string): GenesisFile {
  const a0 = state.account(0);
  return {
    params: paramsName,
    insuranceKey: { ax: a0.ax.toString(), ay: a0.ay.toString() },
    oracleKeys: state.global.oracleKeys.map((k) => ({ ax: k.ax.toString(), ay: k.ay.toString() })),
    timestamp: state.global.oracleTimestamp.toString(),
    insuranceCollateral: a0.collateral.toString(),
    riskPnl: state.global.risk.pnl.map((row) => row.map(String)),
    stateRoot: state.stateRoot().toString(),
  };
}

/**
 * The genesis state for `serve`.
 * @throws GenesisError naming every problem (no source, both sources, a bad file)
 */
export async function loadGenesis(opts: { file: string; dev: boolean; params: Params; paramsName: string }): Promise<{ state: State; insecure: boolean }> {
  if (opts.dev && opts.file !== "") throw new GenesisError(["give either --genesis FILE or --dev-genesis, not both"]);
  if (opts.dev) return { state: await devGenesis(opts.params), insecure: true };
  if (opts.file === "") throw new GenesisError(["no genesis: give --genesis FILE (ZKSETTLE_GENESIS), or --dev-genesis for the INSECURE dev genesis"]);
  const problems: string[] = [];
  let raw: Record<string, unknown> = {};
  try {
    const v: unknown = JSON.parse(readFileSync(opts.file, "utf8"));
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not a JSON object");
    raw = v as Record<string, unknown>;
  } catch (e) {
    throw new GenesisError([`${opts.file}: ${(e as Error).message}`]);
  }
  const known = new Set(["params", "insuranceKey", "oracleKeys", "timestamp", "insuranceCollateral", "riskPnl", "stateRoot"]);
  for (const k of Object.keys(raw)) if (!known.has(k)) problems.push(`${opts.file}: unknown key ${JSON.stringify(k)}`);
  if (raw.params !== undefined && raw.params !== opts.paramsName) problems.push(`${opts.file}: params ${JSON.stringify(raw.params)} but the service runs --params ${opts.paramsName}`);
  const insuranceKey = key(raw.insuranceKey, "insuranceKey", problems);
  const oracleKeys = Array.isArray(raw.oracleKeys) ? raw.oracleKeys.map((k, i) => key(k, `oracleKeys[${i}]`, problems)) : (problems.push("oracleKeys: not a list"), []);
  const timestamp = raw.timestamp === undefined ? 0n : big(raw.timestamp, "timestamp", problems);
  const insuranceCollateral = raw.insuranceCollateral === undefined ? 0n : big(raw.insuranceCollateral, "insuranceCollateral", problems);
  const pnl = riskPnl(raw.riskPnl, opts.params, problems);
  if (problems.length > 0) throw new GenesisError(problems);
  await initCrypto();
  let state: State;
  try {
    const base = genesis(opts.params, { insuranceKey, oracleKeys, timestamp, insuranceCollateral });
    state = pnl === undefined ? base : genesis(opts.params, { insuranceKey, oracleKeys, timestamp, insuranceCollateral, risk: { ...base.global.risk, pnl } });
  } catch (e) {
    throw new GenesisError([`${opts.file}: ${(e as Error).message}`]);
  }
  if (raw.stateRoot !== undefined && big(raw.stateRoot, "stateRoot", problems) !== state.stateRoot()) {
    problems.push(`${opts.file}: stateRoot ${String(raw.stateRoot)} but the genesis it describes has root ${state.stateRoot()}`);
  }
  if (problems.length > 0) throw new GenesisError(problems);
  return { state, insecure: false };
}
