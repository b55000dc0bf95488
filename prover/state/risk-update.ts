/**
 * Risk arrays that change with a header (decisions.md, "Risk arrays: fixed scalars, arrays
 * signed per header"). A header may carry new arrays `pnl` (M × S, |pnl| < 2^62); they
 * are in force from that batch on, its ops included. mmBps, penaltyBps and maxFundingRate
 * stay the genesis values forever, so `riskHash` of the new risk is
 * `Poseidon(mmBps, penaltyBps, maxFundingRate, riskRowHash(new rows)…)`.
 *
 * Two readers: the rules (`headerRisk`: the arrays a signed header carries) and the
 * rebuild from chain (`publishedRisk`: the arrays of a calldata risk tail, which nothing
 * on chain checks, against the riskHash that the proof bound to the header bytes).
 */
import { RuleError } from "./errors";
import { pow2 } from "./field";
import { riskHash, type GlobalState, type Risk } from "./global";
import type { Params } from "./params";

/** Risk arrays: M rows of S signed values. */
export type RiskArrays = readonly (readonly bigint[])[];

/** |pnl| < 2^62: the bound the circuit range-checks once per batch (ScenarioExposure's argument). */
export const PNL_BOUND = pow2(62);

/**
 * The risk a header puts in force: the state's scalars with the header's arrays, checked
 * to be M × S with |pnl| < 2^62, or the state's risk when the header carries none.
 * @param pnl - the header's arrays, or undefined (unchanged)
 * @throws RuleError RANGE naming `pnl`, `pnl[m]` or `pnl[m][s]`
 */
export function headerRisk(params: Params, g: GlobalState, pnl: RiskArrays | undefined): Risk {
  if (pnl === undefined) return g.risk;
  if (!Array.isArray(pnl) || pnl.length !== params.markets) {
    throw new RuleError("RANGE", "HEADER", `pnl has ${pnl?.length} rows for M = ${params.markets} markets`, {
      field: "pnl",
      rows: pnl?.length ?? -1,
      markets: params.markets,
    });
  }
  pnl.forEach((row, m) => {
    if (!Array.isArray(row) || row.length !== params.scenarios) {
      throw new RuleError("RANGE", "HEADER", `pnl[${m}] has ${row?.length} entries for S = ${params.scenarios} scenarios`, {
        field: `pnl[${m}]`,
        entries: row?.length ?? -1,
        scenarios: params.scenarios,
      });
    }
    row.forEach((x, s) => {
      if (typeof x !== "bigint" || x <= -PNL_BOUND || x >= PNL_BOUND) {
        throw new RuleError("RANGE", "HEADER", `pnl[${m}][${s}] ${String(x)} outside -2^62 < pnl < 2^62`, {
          field: `pnl[${m}][${s}]`,
          pnl: typeof x === "bigint" ? x : String(x),
        });
      }
    });
  });
  return { ...g.risk, pnl: pnl.map((row) => [...row]) };
}

/**
 * The risk in force after a batch read from the chain: the header bytes' riskHash is
 * what the proof bound; the arrays come from the calldata's risk tail, which the
 * contract does not check, so they are checked here against that hash (with the
 * state's mmBps, penaltyBps and maxFundingRate).
 * @param riskHashInHeader - the riskHash of the header bytes
 * @param pnl - the risk tail's arrays, when the calldata carries one
 * @returns the state's risk when the hash is unchanged and there is no tail, else the tail's
 * @throws RuleError RISK_ARRAYS when riskHash changed and no tail was published, or the tail's
 *   arrays do not hash to it; RANGE when the tail is not M × S or out of range
 */
export function publishedRisk(params: Params, g: GlobalState, riskHashInHeader: bigint, pnl: RiskArrays | undefined): Risk {
  const before = riskHash(g.risk);
  if (pnl === undefined) {
    if (riskHashInHeader === before) return g.risk;
    throw new RuleError("RISK_ARRAYS", "HEADER", `riskHash changes from ${before} to ${riskHashInHeader} but the calldata carries no risk tail: the new arrays were not published`, {
      riskHash: riskHashInHeader,
      oldRiskHash: before,
    });
  }
  const risk = headerRisk(params, g, pnl);
  const got = riskHash(risk);
  if (got !== riskHashInHeader) {
    throw new RuleError("RISK_ARRAYS", "HEADER", `the risk tail's arrays hash to riskHash ${got}, the header carries ${riskHashInHeader}`, {
      riskHash: riskHashInHeader,
      tailRiskHash: got,
    });
  }
  return risk;
}
