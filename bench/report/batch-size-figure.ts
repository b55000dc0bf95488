/**
 * fig-batch-size: what one op costs against the batch size N, for the prod parameters,
 * in three panels on one log2 axis of N (issue 17):
 *   - constraints per op: perOpAt32 with the fixed part spread over N instead of 32,
 *     perOpAt32 + fixedPerBatch · (1/N − 1/32) (bench/constraints.json `prod`);
 *   - gas per TRADE: max(execution, EIP-7623 calldata floor) / N, with both parts drawn,
 *     and the Groth16 verifier's own execution / N, the bound that no data path lowers
 *     (bench/gas.json `batchSizes`);
 *   - proof time per op: the one measured prod proof's time per constraint
 *     (bench/prod.json, native backend) times the constraints per op — a model, labelled so.
 * Each panel draws its goal as a dashed rule.
 */
import { machineText, type Figure, type Input } from "./figures";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

const GOAL_CONSTRAINTS_PER_OP = 40_000;

interface Row {
  readonly n: number;
  readonly panel: "constraints per op" | "gas per TRADE" | "proof time per op (s)";
  readonly series: string;
  readonly value: number;
}

/** Constraints per op at N from the prod set of constraints.json, or undefined when absent. */
function constraintsModel(constraints: Input | undefined): ((n: number) => number) | undefined {
  const prod = constraints?.data.prod;
  if (!isObj(prod)) return undefined;
  const at32 = num(prod.perOpAt32);
  const fixed = num(prod.fixedPerBatch);
  if (at32 === undefined || fixed === undefined) return undefined;
  return (n) => at32 + fixed * (1 / n - 1 / 32);
}

/** Milliseconds per constraint of the native prod proof, or undefined. */
function msPerConstraint(prod: Input | undefined): { ms: number; n: number } | undefined {
  const d = prod?.data;
  const c = num(d?.constraints);
  const native = isObj(d?.backends) && isObj(d.backends.native) ? num(d.backends.native.proveMs) : undefined;
  const n = num(d?.batchSize);
  return c !== undefined && native !== undefined && n !== undefined ? { ms: native / c, n } : undefined;
}

export function batchSizeFigure(constraints: Input | undefined, gas: Input | undefined, prod: Input | undefined, fallbackMachine: string): Figure {
  const id = "batch-size";
  const title = "Per op against batch size, prod parameters: constraints, gas per TRADE, proof time";
  const table = isObj(gas?.data.batchSizes) && Array.isArray(gas.data.batchSizes.rows) ? gas.data.batchSizes.rows.filter(isObj) : [];
  const perOp = constraintsModel(constraints);
  if (table.length === 0 || perOp === undefined) {
    return { id, title, missing: "needs bench/gas.json `batchSizes` (ts-node bench/gas.ts) and bench/constraints.json `prod` (ts-node bench/constraints.ts)" };
  }
  const speed = msPerConstraint(prod);
  const rows: Row[] = [];
  for (const r of table) {
    const n = num(r.n);
    if (n === undefined) continue;
    rows.push({ n, panel: "constraints per op", series: "constraints per op", value: Math.round(perOp(n)) });
    for (const [key, series] of [
      ["gasPerTrade", "gas per TRADE"],
      ["executionPerTrade", "execution gas"],
      ["floorPerTrade", "EIP-7623 calldata floor"],
      ["verifierPerTrade", "Groth16 verifier alone"],
    ] as const) {
      const v = num(r[key]);
      if (v !== undefined) rows.push({ n, panel: "gas per TRADE", series, value: v });
    }
    if (speed !== undefined) rows.push({ n, panel: "proof time per op (s)", series: "native, modelled", value: Math.round(speed.ms * perOp(n)) / 1000 });
  }
  const goals = [
    { panel: "constraints per op", goal: GOAL_CONSTRAINTS_PER_OP },
    { panel: "gas per TRADE", goal: num(isObj(gas?.data.batchSizes) ? gas.data.batchSizes.goalGasPerTrade : undefined) ?? 400 },
  ];
  const panel = (name: Row["panel"], title: string): Obj => ({
    width: 560,
    height: 150,
    layer: [
      {
        data: { values: rows.filter((r) => r.panel === name) },
        mark: { type: "line", point: true },
        encoding: {
          x: { field: "n", type: "quantitative", scale: { type: "log", base: 2 }, axis: { values: [...new Set(rows.map((r) => r.n))].sort((a, b) => a - b), format: "d" }, title: "batch size N (ops)" },
          // gas spans 10^2..10^4; the other panels read better on a linear axis from 0
          y: { field: "value", type: "quantitative", scale: name === "gas per TRADE" ? { type: "log" } : { zero: true }, title },
          color: { field: "series", type: "nominal", title: null },
          // the total runs under whichever part binds: draw it wide and pale beneath them
          strokeWidth: { condition: { test: "datum.series === 'gas per TRADE'", value: 7 }, value: 2 },
          opacity: { condition: { test: "datum.series === 'gas per TRADE'", value: 0.45 }, value: 1 },
          tooltip: [{ field: "series" }, { field: "n" }, { field: "value" }],
        },
      },
      ...goals
        .filter((g) => g.panel === name)
        .map((g) => ({ data: { values: [g] }, mark: { type: "rule", strokeDash: [4, 3], color: "#333" }, encoding: { y: { field: "goal", type: "quantitative" } } })),
    ],
  });
  const sources = [constraints, gas, prod].filter((i): i is Input => i !== undefined);
  const params = isObj(constraints?.data.prod) && isObj(constraints.data.prod.params) ? constraints.data.prod.params : {};
  return {
    id,
    title,
    caption: {
      machine: machineText(prod?.data.machine ?? constraints?.data.machine, fallbackMachine),
      parameters: `prod: D ${String(params.accountDepth)}, P ${String(params.positionSlots)}, M ${String(params.markets)}, S ${String(params.scenarios)}, ${String(params.opBytes)} bytes per op; prod batch ${String(gas?.data.prodBatchSize)}${speed ? `; proof time modelled from the native prod proof at N = ${speed.n}` : "; no prod proof measured"}`,
      date: sources.map((s) => (typeof s.data.date === "string" ? s.data.date : s.mtime)).join(", "),
      source: sources.map((s) => s.file).join(", "),
      note: "Dashed rules: the goals (40,000 constraints per op, 400 gas per TRADE). Gas per TRADE is the larger of execution and the calldata floor; the Groth16 verifier alone (its pairing check, measured) is a bound under any data path, blobs included; proof time is constraints × the measured time per constraint, not a measurement at each N.",
    },
    spec: {
      vconcat: [panel("constraints per op", "constraints per op"), panel("gas per TRADE", "gas per TRADE"), ...(speed ? [panel("proof time per op (s)", "proof time per op (s)")] : [])],
      resolve: { scale: { color: "independent" } },
    },
    data: rows,
  };
}
