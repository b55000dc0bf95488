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
  return { ...scalarsOf(g.risk), pnl: pnl.map((row) => [...row]) };
}

/** The risk's scalars and arrays, without the `unpublished` mark. */
function scalarsOf(risk: Risk): Risk {
  return { mmBps: risk.mmBps, penaltyBps: risk.penaltyBps, maxFundingRate: risk.maxFundingRate, pnl: risk.pnl };
}

/**
 * The risk in force after a batch read from the chain. The header bytes' riskHash is what
 * the proof bound; the arrays come from the calldata's risk tail, which the contract does
 * not check. A tail that hashes to riskHash (with the state's mmBps, penaltyBps and
 * maxFundingRate) puts its arrays in force. Without one (no tail, a tail that hashes to
 * something else, or entries out of range) the batch is still replayed: nothing but
 * margin depends on the arrays, and the replay checks no margin (the proof did), so the
 * risk becomes `unpublished` (decisions.md, "A rebuild never needs the risk arrays").
 * @param riskHashInHeader - the riskHash of the header bytes
 * @param pnl - the risk tail's arrays, when the calldata carries one
 * @returns the state's risk when the hash is unchanged and there is no tail; the tail's
 *   when it hashes to riskHashInHeader; else the state's scalars with `unpublished` set
 */
export function publishedRisk(params: Params, g: GlobalState, riskHashInHeader: bigint, pnl: RiskArrays | undefined): Risk {
  if (pnl === undefined && riskHashInHeader === riskHash(g.risk)) return g.risk;
  if (pnl !== undefined) {
    try {
      const risk = headerRisk(params, g, pnl);
      if (riskHash(risk) === riskHashInHeader) return risk;
    } catch (e) {
      if (!(e instanceof RuleError)) throw e; // out-of-range entries: not the arrays in force
    }
  }
  return { ...scalarsOf(g.risk), unpublished: riskHashInHeader };
}
