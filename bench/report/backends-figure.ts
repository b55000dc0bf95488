/**
 * fig-backends: proof time against constraints for each prover backend, from the ci
 * circuit's side-by-side run (bench/proving.json `backends`) and the prod batch
 * (bench/prod.json). Both axes are logarithmic: the points span ~2·10^5 to ~2·10^6
 * constraints and seconds to minutes.
 */
import { machineText, type Figure, type Input } from "./figures";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

interface Point {
  readonly circuit: string;
  readonly constraints: number;
  readonly backend: string;
  readonly proveMs: number;
}

/** The points one input contributes: one per backend with a proof time. */
function pointsOf(circuit: string, constraints: unknown, backends: unknown): Point[] {
  if (typeof constraints !== "number" || !isObj(backends)) return [];
  return Object.entries(backends).flatMap(([backend, b]) => (isObj(b) && typeof b.proveMs === "number" ? [{ circuit, constraints, backend, proveMs: b.proveMs }] : []));
}

export function backendsFigure(proving: Input | undefined, prod: Input | undefined, fallbackMachine: string): Figure {
  const id = "backends";
  const title = "Proof time against constraints, native and snarkjs backends";
  const ci = proving?.data;
  const ciSeries = Array.isArray(ci?.series) ? ci.series.filter(isObj) : [];
  const ciConstraints = ciSeries.find((s) => s.batchSize === 2)?.constraints;
  const p = prod?.data;
  const points = [...pointsOf("ci", ciConstraints, ci?.backends), ...pointsOf(`prod, N = ${String(p?.batchSize)}`, p?.constraints, p?.backends)];
  if (points.length === 0) return { id, title, missing: "no backend times: bench/proving.json `backends` (npm run bench) and bench/prod.json (npm run bench -- --prod) are absent" };
  const sources = [proving, prod].filter((i): i is Input => i !== undefined);
  // proving.json's backends can be refreshed apart from its series (--backends-only): their own date then
  const dateOf = (s: Input): string => (s === proving && typeof s.data.backendsDate === "string" ? s.data.backendsDate : typeof s.data.date === "string" ? s.data.date : s.mtime);
  return {
    id,
    title,
    caption: {
      machine: machineText(ci?.machine ?? p?.machine, fallbackMachine),
      parameters: points.map((x) => `${x.circuit} ${x.backend} ${Math.round(x.proveMs)} ms`).join("; "),
      date: sources.map(dateOf).join(", "),
      source: sources.map((s) => s.file).join(", "),
      note: "same witness for both backends in each run; a shared CPU makes absolute times noisy, the ratio less so",
    },
    spec: {
      width: 640,
      height: 260,
      data: { values: points },
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "constraints", type: "quantitative", scale: { type: "log" }, title: "constraints" },
        y: { field: "proveMs", type: "quantitative", scale: { type: "log" }, title: "proof time (ms, witness excluded)" },
        color: { field: "backend", type: "nominal", title: null },
        tooltip: [{ field: "circuit" }, { field: "backend" }, { field: "proveMs" }],
      },
    },
    data: points,
  };
}
