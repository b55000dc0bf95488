/**
 * The report's figures: each is a Vega-Lite spec built from raw numbers, rendered to SVG
 * by vega in Node (no browser, no hand-drawn marks), with its caption (machine,
 * parameters, date, source) as the chart's subtitle so that the SVG carries it too.
 *
 * A figure whose input is missing is not drawn: `figureFor…` returns a `Missing` with
 * the reason, and the report lists it as "not measured in this run".
 */
import type { ExperimentResult } from "./experiment";

/** What a figure states about where its numbers come from. */
export interface Caption {
  readonly machine: string;
  readonly parameters: string;
  readonly date: string;
  readonly source: string;
  /** One sentence on how to read it. */
  readonly note?: string;
}

/** A figure ready to render. */
export interface FigureSpec {
  readonly id: string;
  readonly title: string;
  readonly caption: Caption;
  /** A Vega-Lite spec without title (added at render time). */
  readonly spec: Record<string, unknown>;
  /** The numbers plotted, for results.json. */
  readonly data: unknown;
}

/** A figure whose input is not there. */
export interface Missing {
  readonly id: string;
  readonly title: string;
  readonly missing: string;
}

export type Figure = FigureSpec | Missing;

export function isMissing(f: Figure): f is Missing {
  return (f as Missing).missing !== undefined;
}

/** The caption as lines of plain text (report.md and the SVG subtitle use the same). */
export function captionLines(c: Caption): string[] {
  const lines = [`Machine: ${c.machine}`, `Parameters: ${c.parameters}`, `Date: ${c.date}`, `Source: ${c.source}`];
  if (c.note !== undefined) lines.push(c.note);
  return lines;
}

/** Splits long caption lines at spaces so they fit the chart's width (the SVG holds these lines). */
export function wrap(lines: readonly string[], width = 110): string[] {
  const out: string[] = [];
  for (const line of lines) {
    let cur = "";
    for (const word of line.split(" ")) {
      if (cur.length > 0 && cur.length + 1 + word.length > width) {
        out.push(cur);
        cur = `  ${word}`;
      } else cur = cur.length === 0 ? word : `${cur} ${word}`;
    }
    out.push(cur);
  }
  return out;
}

// ---------------------------------------------------------------------------
// vega / vega-lite are ESM only (top-level await): a CommonJS module (ts-node) must load
// them with a real dynamic import(), which TypeScript would turn into require().
const esmImport = new Function("specifier", "return import(specifier)") as (s: string) => Promise<unknown>;

interface VegaModules {
  vl: { compile(spec: unknown): { spec: unknown } };
  vega: { parse(spec: unknown): unknown; View: new (runtime: unknown, opts: { renderer: string }) => { toSVG(): Promise<string>; finalize(): void } };
}
let modules: Promise<VegaModules> | undefined;
function loadVega(): Promise<VegaModules> {
  modules ??= Promise.all([esmImport("vega-lite"), esmImport("vega")]).then(([vl, vega]) => ({ vl, vega }) as VegaModules);
  return modules;
}

/** Renders a figure to an SVG string, its caption as the subtitle. */
export async function renderSvg(f: FigureSpec): Promise<string> {
  const { vl, vega } = await loadVega();
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    ...f.spec,
    title: { text: f.title, subtitle: wrap(captionLines(f.caption)), anchor: "start", fontSize: 15, subtitleFontSize: 10, subtitleColor: "#444", offset: 12 },
    background: "white",
    padding: 12,
    config: { font: "DejaVu Sans, Liberation Sans, sans-serif", view: { stroke: "#ddd" }, axis: { labelFontSize: 10, titleFontSize: 11, labelLimit: 260 }, legend: { labelLimit: 360 } },
  };
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

// ---------------------------------------------------------------------------
// Helpers over loosely typed input files (each bench writes its own shape).

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** "AMD EPYC, 2 cores, 23.5 GiB, Node v20.20.2, Linux …" from any bench's `machine` object. */
export function machineText(m: unknown, fallback: string): string {
  if (!isObj(m)) return fallback;
  const parts: string[] = [];
  const cpu = m.cpuModel ?? m.cpu;
  if (typeof cpu === "string") parts.push(cpu.trim());
  const cores = num(m.cores) ?? num(m.cpus);
  if (cores !== undefined) parts.push(`${cores} cores`);
  if (num(m.memGiB) !== undefined) parts.push(`${m.memGiB} GiB`);
  if (typeof m.node === "string") parts.push(`Node ${m.node}`);
  if (typeof m.os === "string") parts.push(m.os);
  if (typeof m.device === "string") parts.push(m.device);
  return parts.length > 0 ? parts.join(", ") : fallback;
}

/** A loaded input: its parsed JSON, and when the file was written. */
export interface Input {
  readonly file: string;
  readonly data: Obj;
  readonly mtime: string;
}

function dateOf(i: Input): string {
  return typeof i.data.date === "string" ? i.data.date : `not recorded in ${i.file} (file written ${i.mtime})`;
}

const band = { width: 640 };

// ---------------------------------------------------------------------------
// 1. Constraints per op type.

/** PascalCase op template name of an op type: FORCED_WITHDRAW → ForcedWithdrawOp. */
function templateOf(op: string): string {
  return `${op
    .toLowerCase()
    .split("_")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("")}Op`;
}

export function constraintsFigure(input: Input | undefined, fallbackMachine: string): Figure {
  const id = "constraints";
  const title = "Constraints per op type";
  if (input === undefined) return { id, title, missing: "bench/constraints.json is absent (run `ts-node bench/constraints.ts`)" };
  const rows: { set: string; op: string; component: string; k: number; constraints: number }[] = [];
  const sets: string[] = [];
  for (const [set, v] of Object.entries(input.data)) {
    if (!isObj(v) || !isObj(v.params) || num(v.slot) === undefined || num(v.fixedPerBatch) === undefined || num(v.perOpAt32) === undefined) continue;
    const p = v.params;
    const templates = isObj(v.templates) ? v.templates : {};
    const N = 32;
    const ops = Object.keys(v).filter((k) => /^[A-Z][A-Z_]*$/.test(k) && k !== "HEADER" && num(v[k]) !== undefined);
    sets.push(`${set} (${["accountDepth", "positionSlots", "markets", "scenarios", "batchSize", "opBytes"].filter((k) => p[k] !== undefined).map((k) => `${k} ${String(p[k])}`).join(", ")})`);
    for (const op of ops) {
      const total = num(v[op]) as number;
      const own = num(templates[templateOf(op)]) ?? 0;
      const slot = num(v.slot) as number;
      const fixed = (num(v.fixedPerBatch) as number) / N;
      const parts = [
        ["the op's own template (e.g. TradeOp)", own],
        ["rest of the universal op slot", slot - own],
        ["sha256 of the op's data (amortized)", total - slot - fixed],
        ["fixed per batch ÷ 32", fixed],
      ] as const;
      parts.forEach(([component, c], k) => rows.push({ set, op, component, k, constraints: Math.round(c) }));
    }
  }
  if (rows.length === 0) return { id, title, missing: "bench/constraints.json has no parameter set with slot, fixedPerBatch and per-op counts" };
  return {
    id,
    title,
    caption: {
      machine: machineText(input.data.machine, fallbackMachine),
      parameters: `${sets.join("; ")}; ${typeof input.data.compiler === "string" ? input.data.compiler : "compiler not recorded"}; per-op cost at batch size 32`,
      date: dateOf(input),
      source: input.file,
      note: "Every op type runs in the same universal slot, so bars are equal; segments split one op's cost: its own template, the rest of the slot, hashed op data, and its share of the batch's fixed part.",
    },
    spec: {
      data: { values: rows },
      facet: { row: { field: "set", type: "nominal", title: "parameter set" } },
      resolve: { scale: { x: "independent" } },
      spec: {
        width: band.width - 160,
        mark: { type: "bar" },
        encoding: {
          y: { field: "op", type: "nominal", title: "op type", sort: null },
          x: { field: "constraints", type: "quantitative", stack: "zero", title: "constraints per op (R1CS, --O2)" },
          color: { field: "component", type: "nominal", title: "part", scale: { domain: [...new Set(rows.map((r) => r.component))] }, legend: { orient: "bottom", columns: 2 } },
          order: { field: "k", type: "quantitative" },
          tooltip: [{ field: "op" }, { field: "component" }, { field: "constraints" }],
        },
      },
    },
    data: rows,
  };
}

// ---------------------------------------------------------------------------
// 2. Witness and proving time against batch size.

export function provingFigure(proving: Input | undefined, service: Input | undefined, fallbackMachine: string): Figure {
  const id = "proving";
  const title = "Witness and proving time against batch size";
  const src = [proving, service].find((i) => i !== undefined && seriesOfProving(i.data).length > 0);
  if (src === undefined) {
    return { id, title, missing: "no witness/proving series: bench/proving.json (or `proving.series` in bench/service.json) with [{ batchSize, witnessMs, provingMs }] is absent" };
  }
  const series = seriesOfProving(src.data);
  const rows = series.flatMap((s) => [
    { batchSize: s.batchSize, stage: "witness", ms: s.witnessMs },
    { batchSize: s.batchSize, stage: "proof (groth16)", ms: s.provingMs },
  ]);
  const d = src.data;
  const params = isObj(d.circuit) ? Object.entries(d.circuit).map(([k, v]) => `${k} ${String(v)}`).join(", ") : isObj(d.params) ? JSON.stringify(d.params) : "not recorded";
  return {
    id,
    title,
    caption: {
      machine: machineText(d.machine, fallbackMachine),
      parameters: `${params}; batch sizes ${series.map((s) => s.batchSize).join(", ")}`,
      date: dateOf(src),
      source: src.file,
    },
    spec: {
      width: band.width,
      height: 260,
      data: { values: rows },
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "batchSize", type: "quantitative", scale: { type: "log", base: 2 }, axis: { values: series.map((x) => x.batchSize), format: "d" }, title: "batch size N (ops)" },
        y: { field: "ms", type: "quantitative", title: "time per batch (ms)" },
        color: { field: "stage", type: "nominal", title: null },
      },
    },
    data: rows,
  };
}

function seriesOfProving(d: Obj): { batchSize: number; witnessMs: number; provingMs: number }[] {
  const raw = Array.isArray(d.series) ? d.series : isObj(d.proving) && Array.isArray(d.proving.series) ? d.proving.series : [];
  return raw
    .filter(isObj)
    .map((s) => ({ batchSize: num(s.batchSize) ?? NaN, witnessMs: num(s.witnessMs) ?? NaN, provingMs: num(s.provingMs) ?? NaN }))
    .filter((s) => Number.isFinite(s.batchSize) && Number.isFinite(s.witnessMs) && Number.isFinite(s.provingMs));
}

// ---------------------------------------------------------------------------
// 3. Service throughput against plain snarkjs (same run).

export function throughputFigure(service: Input | undefined, fallbackMachine: string): Figure {
  const id = "throughput";
  const title = "Proving throughput: service pool ÷ plain snarkjs, same run";
  if (service === undefined) return { id, title, missing: "bench/service.json is absent (run `ts-node bench/service.ts`)" };
  const t = service.data.throughput;
  if (!isObj(t) || !Array.isArray(t.pool) || !isObj(t.cli) || num(t.cli.proofsPerMinute) === undefined) {
    return { id, title, missing: "bench/service.json has no throughput.pool / throughput.cli" };
  }
  const cli = num(t.cli.proofsPerMinute) as number;
  const rows = t.pool.filter(isObj).map((p) => ({
    // rows from before the backend seam have no backend: they were snarkjs
    config: `service pool${typeof p.backend === "string" ? ` (${p.backend})` : ""}, ${String(p.threads)} thread${p.threads === 1 ? "" : "s"}`,
    proofsPerMinute: num(p.proofsPerMinute) ?? 0,
    ratio: Math.round(((num(p.proofsPerMinute) ?? 0) / cli) * 1000) / 1000,
  }));
  rows.push({ config: "snarkjs CLI (baseline)", proofsPerMinute: cli, ratio: 1 });
  for (const r of rows) (r as Obj).label = `×${r.ratio.toFixed(2)}  (${r.proofsPerMinute} proofs/min)`;
  const c = service.data.circuit;
  return {
    id,
    title,
    caption: {
      machine: machineText(service.data.machine, fallbackMachine),
      parameters: `${isObj(c) ? Object.entries(c).map(([k, v]) => `${k} ${String(v)}`).join(", ") : "circuit not recorded"}; ${String(t.proofs ?? "?")} proofs per side; baseline: ${String(t.cli.tool ?? "snarkjs CLI")}${service.data.quick === true ? "; quick run" : ""}`,
      date: dateOf(service),
      source: service.file,
      note: "Ratio = proofs per minute of the configuration ÷ those of the snarkjs CLI, both measured in the same run on the same inputs; goal ≥ 1 for the snarkjs pool, ≥ 5 for the native one.",
    },
    spec: {
      width: band.width - 160,
      height: 30 * rows.length + 20,
      data: { values: rows },
      layer: [
        {
          mark: { type: "bar", height: 18 },
          encoding: {
            y: { field: "config", type: "nominal", title: null, sort: null },
            x: { field: "ratio", type: "quantitative", title: "throughput ÷ snarkjs CLI (same run)", scale: { domainMin: 0 } },
            color: { condition: { test: "datum.ratio >= 1", value: "#4c78a8" }, value: "#e45756" },
          },
        },
        { mark: { type: "text", align: "left", dx: 4 }, encoding: { y: { field: "config", type: "nominal", sort: null }, x: { field: "ratio", type: "quantitative" }, text: { field: "label" } } },
        { data: { values: [{ x: 1 }] }, mark: { type: "rule", strokeDash: [4, 3], color: "#333" }, encoding: { x: { field: "x", type: "quantitative" } } },
      ],
    },
    data: rows,
  };
}

// ---------------------------------------------------------------------------
// 4. Gas per op against batch size.

export function gasFigure(gas: Input | undefined, fallbackMachine: string): Figure {
  const id = "gas";
  const title = "Gas per op against batch size";
  if (gas === undefined) return { id, title, missing: "bench/gas.json is absent (run `ts-node bench/gas.ts`)" };
  const d = gas.data;
  const rows: { n: number; series: string; gasPerOp: number; kind: string }[] = [];
  // Measured series: { measured: { TRADE: [{ n, gas }], … } } or { series: [{ batchSize|n, gas | gasPerOp, op? }] }.
  if (isObj(d.measured)) {
    for (const [name, pts] of Object.entries(d.measured)) {
      if (!Array.isArray(pts)) continue;
      for (const p of pts.filter(isObj)) {
        const n = num(p.n) ?? num(p.batchSize);
        const g = num(p.gas);
        if (n !== undefined && g !== undefined && n > 0) rows.push({ n, series: name, gasPerOp: Math.round(g / n), kind: "measured" });
      }
    }
  }
  if (Array.isArray(d.series)) {
    for (const p of d.series.filter(isObj)) {
      const n = num(p.batchSize) ?? num(p.n);
      const perOp = num(p.gasPerOp) ?? (num(p.gas) !== undefined && n !== undefined ? (num(p.gas) as number) / n : undefined);
      if (n !== undefined && perOp !== undefined && n > 0) rows.push({ n, series: typeof p.op === "string" ? p.op : "all", gasPerOp: Math.round(perOp), kind: "measured" });
    }
  }
  if (Array.isArray(d.checks)) {
    for (const c of d.checks.filter(isObj)) {
      const n = num(c.n);
      const g = num(c.measured);
      if (n !== undefined && g !== undefined && n > 0) rows.push({ n, series: "TRADE", gasPerOp: Math.round(g / n), kind: "measured" });
    }
  }
  const measured = rows.length > 0;
  // The fit gas(N) = fixedPerBatch + perOp·N, as gas per op, for every op type.
  const fixed = num(d.fixedPerBatch);
  if (!measured) {
    if (fixed === undefined || !isObj(d.perOp)) return { id, title, missing: "bench/gas.json has neither measured series nor fixedPerBatch and perOp" };
    for (const [op, per] of Object.entries(d.perOp)) {
      if (num(per) === undefined) continue;
      for (const n of [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]) rows.push({ n, series: op, gasPerOp: Math.round(fixed / n + (per as number)), kind: "fit" });
    }
  }
  const setup = isObj(d.setup) ? d.setup : {};
  const params = [
    isObj(setup.params) ? Object.entries(setup.params).map(([k, v]) => `${k} ${String(v)}`).join(", ") : undefined,
    typeof setup.hardfork === "string" ? `hardfork ${setup.hardfork}` : undefined,
    fixed !== undefined ? `fixedPerBatch ${fixed} gas` : undefined,
    isObj(d.bytesPerOp) ? `bytes per op ${[...new Set(Object.values(d.bytesPerOp))].join("/")}` : num(d.bytesPerOp) !== undefined ? `bytes per op ${String(d.bytesPerOp)}` : undefined,
  ].filter((x) => x !== undefined);
  return {
    id,
    title,
    caption: {
      machine: machineText(d.machine, `${fallbackMachine} (gas does not depend on the machine)`),
      parameters: params.join("; ") || "not recorded",
      date: dateOf(gas),
      source: gas.file,
      note: measured
        ? "Points: gasUsed of one submitBatch transaction ÷ N, measured per series (incl. 21,000 intrinsic gas, calldata and Groth16 verification)."
        : "No measured series in the file: lines are the fit fixedPerBatch / N + perOp, not measurements.",
    },
    spec: {
      width: band.width - 120,
      height: 300,
      data: { values: rows },
      mark: { type: "line", point: measured, strokeDash: measured ? [1, 0] : [5, 3] },
      encoding: {
        x: { field: "n", type: "quantitative", scale: { type: "log", base: 2 }, axis: { values: [...new Set(rows.map((x) => x.n))].sort((a, b) => a - b), format: "d" }, title: "batch size N (ops)" },
        y: { field: "gasPerOp", type: "quantitative", scale: { type: "log" }, title: `gas per op (${measured ? "measured" : "fit"})` },
        color: { field: "series", type: "nominal", title: "series" },
        tooltip: [{ field: "series" }, { field: "n" }, { field: "gasPerOp" }, { field: "kind" }],
      },
    },
    data: rows,
  };
}

// ---------------------------------------------------------------------------
// 5 and 6: the latency / margin experiment (and the service's stage times if any).

const STAGES = ["proving", "submission", "inclusion", "confirmations"];

function injectionBands(e: ExperimentResult): Obj[] {
  return e.parameters.injections.map((i) => ({ from: i.from, to: i.to, name: i.name }));
}

function bandLayers(e: ExperimentResult): Obj[] {
  return [
    {
      data: { values: injectionBands(e) },
      mark: { type: "rect", opacity: 0.1, color: "#888" },
      encoding: { x: { field: "from", type: "quantitative" }, x2: { field: "to" } },
    },
    {
      data: { values: injectionBands(e).map((b, k) => ({ ...b, k })) },
      mark: { type: "text", align: "left", baseline: "top", dx: 2, fontSize: 9, color: "#555" },
      encoding: { x: { field: "from", type: "quantitative" }, y: { value: 0 }, yOffset: { field: "k", type: "quantitative", scale: { range: [2, 26] }, legend: null }, text: { field: "name" } },
    },
  ];
}

function experimentParams(e: ExperimentResult): string {
  const p = e.parameters;
  return [
    `${p.params} dev genesis (${p.markets} markets, S = ${p.scenarios})`,
    `window ${p.windowSize} batches, T = ${p.percentile} sum of stage quantiles, z = ${p.z}, σ = ${p.sigmaAnnual[0]} a year, floor ${p.floor}`,
    `step bound +${p.maxStepUp}/−${p.maxStepDown} per batch`,
    `baseline: block ${p.baseline.blockIntervalS} s, proving ≈ ${p.baseline.provingS} s, ${p.confirmations} confirmations`,
    `injected: ${p.injections.map((i) => `${i.name} ${i.effect} at steps ${i.from}–${i.to - 1}`).join("; ")}`,
    `${p.steps} steps, seed ${p.seed}`,
  ].join("; ");
}

export function latencyFigure(service: Input | undefined, e: ExperimentResult, run: { machine: string; date: string }): Figure {
  const id = "latency";
  const title = "Latency from op to finality, stacked by stage";
  const stages = service !== undefined && isObj(service.data.latency) && isObj(service.data.latency.stages) ? service.data.latency.stages : undefined;
  if (service !== undefined && stages !== undefined) {
    const rows: Obj[] = [];
    for (const q of ["p50", "p99"]) {
      for (const [k, s] of STAGES.entries()) {
        const v = stages[s];
        const ms = isObj(v) ? num(v[`${q}Ms`]) : undefined;
        if (ms !== undefined) rows.push({ quantile: q, stage: s, order: k, seconds: ms / 1000 });
      }
    }
    if (rows.length > 0) {
      return {
        id,
        title,
        caption: {
          machine: machineText(service.data.machine, run.machine),
          parameters: typeof service.data.latency === "object" ? String((service.data.latency as Obj).what ?? "service latency run") : "",
          date: dateOf(service),
          source: `${service.file} (latency.stages)`,
        },
        spec: {
          width: band.width - 160,
          height: 100,
          data: { values: rows },
          mark: "bar",
          encoding: {
            y: { field: "quantile", type: "nominal", title: null },
            x: { field: "seconds", type: "quantitative", stack: "zero", title: "seconds (stage quantiles, summed)" },
            color: { field: "stage", type: "nominal", sort: STAGES, scale: { domain: STAGES } },
            order: { field: "order", type: "quantitative" },
          },
        },
        data: rows,
      };
    }
  }
  const rows = e.steps.flatMap((s) => STAGES.map((st, k) => ({ step: s.step, stage: st, order: k, seconds: (s.stageP99 as Record<string, number>)[st] })));
  return {
    id,
    title,
    caption: {
      machine: run.machine,
      parameters: experimentParams(e),
      date: run.date,
      source: "the margin experiment's latency window (bench/report/experiment.ts): a synthetic trace with injected latency, not a chain measurement; bench/service.json records no per-stage times",
      note: "Each band is a stage's p99 over the last window of batches; their sum is T_p99, the time to finality that sizes margin. Shaded: injected conditions.",
    },
    spec: {
      width: band.width,
      height: 260,
      layer: [
        {
          data: { values: rows },
          mark: { type: "area", interpolate: "step-after" },
          encoding: {
            x: { field: "step", type: "quantitative", title: "batch (step of the experiment)" },
            y: { field: "seconds", type: "quantitative", stack: "zero", title: "seconds (stage p99, stacked = T_p99)" },
            color: { field: "stage", type: "nominal", sort: STAGES, scale: { domain: STAGES }, title: "stage" },
            order: { field: "order" },
          },
        },
        ...bandLayers(e),
      ],
    },
    data: { stageP99: "experiment.steps[].stageP99" },
  };
}

/** How a margin figure is labelled: the synthetic run of the report, or the live run of bench/latency.ts. */
export interface MarginFigureMeta {
  readonly id: string;
  readonly title: string;
  readonly source: string;
  /** The parameters line (default: the synthetic experiment's). */
  readonly parameters?: string;
}

export function marginFigure(
  e: ExperimentResult,
  run: { machine: string; date: string },
  meta: MarginFigureMeta = { id: "margin", title: "Margin against latency (synthetic trace)", source: "bench/report/experiment.ts, run by this report (pure: LatencyWindow + planRisk, no chain)" },
): Figure {
  const { id, title } = meta;
  const lat = e.steps.flatMap((s) => [
    { step: s.step, what: "T_p99 (window)", seconds: s.T.p99 },
    { step: s.step, what: "this batch, end to end", seconds: Math.round((s.sample.proving + s.sample.submission + s.sample.inclusion + s.sample.confirmations) * 1000) / 1000 },
  ]);
  const margin = e.steps.flatMap((s) => [
    { step: s.step, what: "initial margin in force (bounded step)", usdc: s.initialMarginUSDC },
    { step: s.step, what: "target (unbounded)", usdc: s.targetInitialMarginUSDC },
    { step: s.step, what: "maintenance in force", usdc: s.maintenanceMarginUSDC },
  ]);
  const sum = e.summary;
  return {
    id,
    title,
    caption: {
      machine: run.machine,
      parameters: `${meta.parameters ?? experimentParams(e)}; portfolio ${e.parameters.portfolio}`,
      date: run.date,
      source: meta.source,
      note: `Margin rose ×${sum.rise} (${sum.baselineMarginUSDC} → ${sum.peakMarginUSDC} USDC) and was back within 2% at step ${sum.recoveredAtStep ?? "never"}; largest step +${(sum.maxObservedStepUp * 100).toFixed(2)}% / −${(sum.maxObservedStepDown * 100).toFixed(2)}% (bound ${sum.maxStepUp * 100}%).`,
    },
    spec: {
      vconcat: [
        {
          width: band.width,
          height: 180,
          layer: [
            {
              data: { values: lat },
              mark: { type: "line", interpolate: "step-after", strokeWidth: 1.5 },
              encoding: {
                x: { field: "step", type: "quantitative", title: null },
                y: { field: "seconds", type: "quantitative", title: "seconds to finality" },
                color: { field: "what", type: "nominal", title: "latency", scale: { range: ["#e45756", "#bbbbbb"] } },
                strokeWidth: { condition: { test: "datum.what === 'this batch, end to end'", value: 0.7 }, value: 2 },
              },
            },
            ...bandLayers(e),
          ],
        },
        {
          width: band.width,
          height: 200,
          layer: [
            {
              data: { values: margin },
              mark: { type: "line", interpolate: "step-after" },
              encoding: {
                x: { field: "step", type: "quantitative", title: "batch (step of the experiment)" },
                y: { field: "usdc", type: "quantitative", title: "sample portfolio margin (USDC)" },
                color: { field: "what", type: "nominal", title: "margin", scale: { range: ["#4c78a8", "#72b7b2", "#f58518"] } },
                strokeDash: { field: "what", type: "nominal", title: "margin", scale: { range: [[1, 0], [2, 2], [6, 3]] } },
              },
            },
            ...bandLayers(e),
          ],
        },
      ],
      resolve: { scale: { color: "independent", strokeDash: "independent" }, legend: { color: "independent", strokeDash: "independent" } },
    },
    data: { steps: "experiment.steps" },
  };
}
