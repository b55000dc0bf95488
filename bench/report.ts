/**
 * The benchmark report (docs/benchmarks.md): reads whatever result files the other
 * benches wrote, runs the margin-vs-latency experiment itself, merges everything into
 * results.json (raw numbers, machine, date, parameters), renders one SVG per figure with
 * Vega-Lite and writes report.md embedding them.
 *
 * Inputs (each optional; a figure whose input is missing is listed as "not measured in
 * this run", never drawn from made-up numbers):
 *   constraints.json   bench/constraints.ts: constraints per op type and template
 *   gas.json           bench/gas.ts: { fixedPerBatch, perOp, bytesPerOp, measured?/series? }
 *   service.json       bench/service.ts: pool vs snarkjs CLI throughput, op → confirmed latency
 *                      (and `latency.stages.<stage>.{p50Ms,p99Ms}` when it records them)
 *   proving.json       bench/proving.ts: witness and proving time per batch size: { series: [{ batchSize, witnessMs, provingMs }] }
 *                      (or the same under `proving` in service.json)
 *   latency.json       bench/latency.ts: margin under injected latency, measured on the local chain
 *   queue.json         bench/queue.ts: provers on the Redis queue against one in-process pool
 *
 * Figures: fig-constraints, fig-proving, fig-backends (bench/report/backends-figure.ts; prod.json from bench/prod.ts), fig-throughput, fig-gas,
 * fig-batch-size (bench/report/batch-size-figure.ts), fig-latency, fig-margin,
 * fig-margin-live
 * (.svg). Each carries its caption (machine, parameters, date, source) as its subtitle.
 *
 * Usage: npx ts-node bench/report.ts [--quick] [--out DIR] [--inputs DIR] [--params prod|ci]
 *   --quick    a short experiment (10-batch window, ~100 steps); inputs as they are
 *   --out      where results.json, report.md and the SVGs go (default bench/)
 *   --inputs   where the input files are read from (default bench/)
 *   --params   parameter set whose dev genesis markets the experiment uses (default prod)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { fullExperiment, quickExperiment, runExperiment, type ExperimentResult } from "./report/experiment";
import {
  captionLines,
  constraintsFigure,
  gasFigure,
  isMissing,
  latencyFigure,
  machineText,
  marginFigure,
  provingFigure,
  renderSvg,
  throughputFigure,
  type Figure,
  type Input,
} from "./report/figures";
import { backendsFigure } from "./report/backends-figure";
import { batchSizeFigure } from "./report/batch-size-figure";
import { verdictLine, type LiveVerdict } from "./report/live-verdict";
import { benchOutDir } from "./out";
import { packageRoot } from "../prover/package/root";

const REPO_ROOT = packageRoot();

export interface ReportOptions {
  readonly quick: boolean;
  readonly outDir: string;
  readonly inputDir: string;
  readonly params?: string;
  /** Fixed date (ISO) instead of now, for reproducible output. */
  readonly date?: string;
}

/** One figure as written. */
export interface FigureRecord {
  readonly id: string;
  readonly title: string;
  readonly status: "rendered" | "not measured in this run";
  /** SVG file name in the output directory (rendered only). */
  readonly file?: string;
  readonly caption?: readonly string[];
  readonly missing?: string;
  readonly data?: unknown;
}

export interface ReportResult {
  readonly figures: readonly FigureRecord[];
  readonly resultsFile: string;
  readonly reportFile: string;
  readonly experiment: ExperimentResult;
}

const INPUTS = ["constraints", "gas", "service", "proving", "latency", "queue", "prod"] as const;
type InputName = (typeof INPUTS)[number];

function label(file: string): string {
  const rel = path.relative(REPO_ROOT, file);
  return rel.startsWith("..") || path.isAbsolute(rel) ? file : rel;
}

function readInput(dir: string, name: InputName): Input | { file: string; error: string } | undefined {
  const file = path.join(dir, `${name}.json`);
  if (!fs.existsSync(file)) return undefined;
  try {
    const data = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
    if (typeof data !== "object" || data === null || Array.isArray(data)) return { file: label(file), error: "not a JSON object" };
    return { file: label(file), data: data as Record<string, unknown>, mtime: fs.statSync(file).mtime.toISOString() };
  } catch (err) {
    return { file: label(file), error: err instanceof Error ? err.message : String(err) };
  }
}

/** fig-margin-live: bench/latency.ts's run, drawn like the synthetic experiment. */
function liveMarginFigure(input: Input | undefined, machineLine: string): Figure {
  const id = "margin-live";
  const title = "Margin against latency measured on the local chain (zksettle serve + hardhat node)";
  const d = input?.data as (ExperimentResult & { date?: string; machine?: unknown; quick?: boolean; baselineUsdc?: number; conditions?: readonly LiveVerdict[] }) | undefined;
  if (input === undefined || d === undefined || !Array.isArray(d.steps) || d.steps.length === 0) return { id, title, missing: "bench/latency.json is absent (npm run bench runs bench/latency.ts)" };
  const p = d.parameters;
  // what the run shows, condition by condition, including what did not work
  const verdicts = (d.conditions ?? []).map(verdictLine);
  return marginFigure(
    d,
    { machine: machineText(d.machine, machineLine), date: typeof d.date === "string" ? d.date : (input.mtime ?? "") },
    {
      id,
      title,
      source: `${input.file} (bench/latency.ts: the service's own risk loop; per batch, margin under the newest arrays it planned, those the next header carries)`,
      parameters: [
        `ci circuit, one prover thread, block every ${p.baseline.blockIntervalS} s, final at the node's finalized tag`,
        `window ${p.windowSize} batches, T = ${p.percentile}, z = ${p.z}, floor ${p.floor}, step bound +${p.maxStepUp}/−${p.maxStepDown} per batch`,
        `injected: ${p.injections.map((i) => `${i.name} (${i.effect}) at batches ${i.from}–${i.to - 1}`).join("; ")}`,
        `start: ${p.start} (the long window's history is drawn, not measured: a few batches' p99 is their maximum, and the cold start would size margin for the whole run)`,
        `back within 2% takes at least the short window (20 batches): the largest of a stage's last 20 samples holds its p99`,
        ...(verdicts.length > 0 ? [`${d.quick === true ? "QUICK run (1 batch per condition, a shorter warm-up): " : ""}${verdicts.join("; ")}`] : []),
        ...(d.conditions !== undefined && d.conditions.some((c) => !c.rose || !c.backWithin2Pct) ? ["what did not work: the conditions above marked NOT"] : []),
      ].join("; "),
    },
  );
}

/** The machine this report runs on. */
export function thisMachine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model?.trim() ?? "unknown",
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
  };
}

/** Runs the report; see the file comment. */
export async function runReport(o: ReportOptions): Promise<ReportResult> {
  const date = o.date ?? new Date().toISOString();
  const machine = thisMachine();
  const machineLine = machineText(machine, "unknown machine");
  const run = { machine: machineLine, date };
  fs.mkdirSync(o.outDir, { recursive: true });

  const loaded: Partial<Record<InputName, Input>> = {};
  const inputState: Record<string, unknown> = {};
  for (const name of INPUTS) {
    const r = readInput(o.inputDir, name);
    if (r === undefined) inputState[name] = { file: label(path.join(o.inputDir, `${name}.json`)), present: false };
    else if ("error" in r) inputState[name] = { file: r.file, present: true, error: r.error };
    else {
      loaded[name] = r;
      inputState[name] = { file: r.file, present: true, written: r.mtime, data: r.data };
    }
  }

  const experimentOptions = o.quick ? quickExperiment(o.params) : fullExperiment(o.params);
  const experiment = await runExperiment(experimentOptions);

  const figures: Figure[] = [
    constraintsFigure(loaded.constraints, machineLine),
    provingFigure(loaded.proving, loaded.service, machineLine),
    backendsFigure(loaded.proving, loaded.prod, machineLine),
    throughputFigure(loaded.service, machineLine),
    gasFigure(loaded.gas, machineLine),
    batchSizeFigure(loaded.constraints, loaded.gas, loaded.prod, machineLine),
    latencyFigure(loaded.service, experiment, run),
    marginFigure(experiment, run),
    liveMarginFigure(loaded.latency, machineLine),
  ];
  const records: FigureRecord[] = [];
  for (const f of figures) {
    const file = `fig-${f.id}.svg`;
    const target = path.join(o.outDir, file);
    if (isMissing(f)) {
      // A figure of an earlier run must not pass for this one's.
      fs.rmSync(target, { force: true });
      records.push({ id: f.id, title: f.title, status: "not measured in this run", missing: f.missing });
      continue;
    }
    fs.writeFileSync(target, await renderSvg(f));
    records.push({ id: f.id, title: f.title, status: "rendered", file, caption: captionLines(f.caption), data: f.data });
  }

  const results = {
    generatedBy: "bench/report.ts",
    date,
    machine,
    quick: o.quick,
    inputs: inputState,
    experiment,
    figures: records,
  };
  const resultsFile = path.join(o.outDir, "results.json");
  fs.writeFileSync(resultsFile, resultsJson(results));
  const reportFile = path.join(o.outDir, "report.md");
  fs.writeFileSync(reportFile, reportMarkdown({ date, machineLine, quick: o.quick, loaded, inputState, experiment, records }));
  return { figures: records, resultsFile, reportFile, experiment };
}

/** JSON with one line per experiment step (thousands of them), indented elsewhere. */
function resultsJson(results: { experiment: ExperimentResult }): string {
  const MARK = "__STEPS__";
  const text = JSON.stringify({ ...results, experiment: { ...results.experiment, steps: MARK } }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 1);
  const steps = `[\n${results.experiment.steps.map((st) => `  ${JSON.stringify(st)}`).join(",\n")}\n ]`;
  return text.replace(`"${MARK}"`, steps) + "\n";
}

function fmt(x: unknown): string {
  return typeof x === "number" ? x.toLocaleString("en-US") : String(x);
}

function reportMarkdown(r: {
  date: string;
  machineLine: string;
  quick: boolean;
  loaded: Partial<Record<InputName, Input>>;
  inputState: Record<string, unknown>;
  experiment: ExperimentResult;
  records: readonly FigureRecord[];
}): string {
  const L: string[] = [];
  L.push("# zksettle benchmark report", "");
  L.push(`Generated by \`bench/report.ts\`${r.quick ? " in --quick mode (smallest sizes; a check that the benchmark code runs, not numbers to quote)" : ""} on ${r.date}, on ${r.machineLine}.`);
  L.push("Raw numbers: [results.json](results.json). How to read this report: [docs/benchmarks.md](../docs/benchmarks.md).", "");
  L.push("Every figure states the machine, parameters and date of the run that measured it; inputs written by other benches keep their own.", "");

  L.push("## Inputs", "", "| input | status | date |", "|---|---|---|");
  for (const name of INPUTS) {
    const s = r.inputState[name] as { file: string; present: boolean; error?: string };
    const i = r.loaded[name];
    const status = !s.present ? "not measured in this run" : s.error !== undefined ? `unreadable: ${s.error}` : "read";
    L.push(`| \`${s.file}\` | ${status} | ${i === undefined ? "" : typeof i.data.date === "string" ? i.data.date : `not recorded (file written ${i.mtime})`} |`);
  }
  L.push(`| margin experiment | run by this report | ${r.date} |`, "");

  L.push("## Key numbers", "", "| quantity | value | source |", "|---|---|---|");
  const c = r.loaded.constraints?.data;
  if (c !== undefined) {
    for (const [set, v] of Object.entries(c)) {
      const o = v as Record<string, unknown>;
      if (typeof o === "object" && o !== null && typeof o.perOpAt32 === "number") {
        L.push(`| constraints per op at N = 32, ${set} | ${fmt(o.perOpAt32)} | ${r.loaded.constraints?.file} |`);
        if (typeof o.fixedPerBatch === "number") L.push(`| constraints fixed per batch, ${set} | ${fmt(o.fixedPerBatch)} | ${r.loaded.constraints?.file} |`);
      }
    }
  }
  const g = r.loaded.gas?.data;
  if (g !== undefined) {
    if (typeof g.fixedPerBatch === "number") L.push(`| gas fixed per batch | ${fmt(g.fixedPerBatch)} | ${r.loaded.gas?.file} |`);
    const per = g.perOp as Record<string, unknown> | undefined;
    if (per !== undefined && typeof per === "object") for (const [op, n] of Object.entries(per)) L.push(`| gas per ${op} op (marginal) | ${fmt(n)} | ${r.loaded.gas?.file} |`);
    if (typeof g.gasPerTradeAtProdBatch === "number") L.push(`| gas per TRADE at the prod batch (N = ${String(g.prodBatchSize)}) | ${fmt(g.gasPerTradeAtProdBatch)} | ${r.loaded.gas?.file} |`);
    const sizes = g.batchSizes as Record<string, unknown> | undefined;
    if (sizes !== undefined && typeof sizes.verifierGas === "number" && typeof sizes.smallestBatchForGoal === "number") {
      L.push(`| Groth16 verifier alone, per batch (no batch below N = ${fmt(sizes.smallestBatchForGoal)} reaches ${String(sizes.goalGasPerTrade)} gas per TRADE) | ${fmt(sizes.verifierGas)} | ${r.loaded.gas?.file} |`);
    }
  }
  const s = r.loaded.service?.data;
  if (s !== undefined) {
    const t = s.throughput as Record<string, unknown> | undefined;
    if (t !== undefined && typeof t.ratio === "number") L.push(`| service ÷ snarkjs CLI throughput (same run) | ×${t.ratio} | ${r.loaded.service?.file} |`);
    const l = s.latency as Record<string, unknown> | undefined;
    const perBackend = (v: unknown): [string, Record<string, unknown>][] => (typeof v === "object" && v !== null ? Object.entries(v as Record<string, Record<string, unknown>>) : []);
    for (const [b, x] of perBackend(t?.byBackend)) if (typeof x.ratio === "number") L.push(`| service (${b}) ÷ snarkjs CLI throughput (same run), default / best threads | ×${x.ratio} / ×${String(x.ratioBest)} | ${r.loaded.service?.file} |`);
    const lb = perBackend(l?.byBackend);
    if (lb.length > 0) for (const [b, x] of lb) L.push(`| op accepted → batch confirmed (${b}), p50 / p99 (measured) | ${(Number(x.p50Ms) / 1000).toFixed(1)} s / ${(Number(x.p99Ms) / 1000).toFixed(1)} s | ${r.loaded.service?.file} |`);
    else if (l !== undefined && typeof l.p50Ms === "number") L.push(`| op accepted → batch confirmed, p50 / p99 (measured) | ${(l.p50Ms / 1000).toFixed(1)} s / ${(Number(l.p99Ms) / 1000).toFixed(1)} s | ${r.loaded.service?.file} |`);
  }
  const pr = r.loaded.prod?.data;
  if (pr !== undefined && typeof pr.backends === "object" && pr.backends !== null) {
    const times = Object.entries(pr.backends as Record<string, { proveMs?: number; peakRssMb?: number }>).map(([b, x]) => `${b} ${((x.proveMs ?? NaN) / 1000).toFixed(1)} s, ${Math.round(x.peakRssMb ?? NaN)} MB`);
    L.push(`| ${String(pr.params)} batch of ${String(pr.batchSize)} TRADEs (${fmt(pr.constraints)} constraints${typeof pr.ptauPower === "number" ? `, 2^${pr.ptauPower}` : ""}): proof time, peak RSS | ${times.join("; ")} | ${r.loaded.prod?.file} |`);
  }
  const e = r.experiment.summary;
  L.push(`| experiment T_p99 baseline → peak → end | ${e.baselineT99} → ${e.peakT99} → ${e.finalT99} s | margin experiment |`);
  L.push(`| experiment margin baseline → peak → end (USDC) | ${e.baselineMarginUSDC} → ${e.peakMarginUSDC} → ${e.finalMarginUSDC} (×${e.rise}) | margin experiment |`);
  L.push(`| experiment: margin back within 2% at step | ${e.recoveredAtStep ?? "never"} (last injection ends at step ${Math.max(...r.experiment.parameters.injections.map((i) => i.to))}) | margin experiment |`);
  L.push(`| experiment: largest step up / down | ${(e.maxObservedStepUp * 100).toFixed(2)}% / ${(e.maxObservedStepDown * 100).toFixed(2)}% (bound ${e.maxStepUp * 100}% / ${e.maxStepDown * 100}%; rows within bound: ${e.rowsWithinStepBound ? "yes" : "NO"}) | margin experiment |`, "");

  L.push("## Figures", "");
  r.records.forEach((f, k) => {
    L.push(`### ${k + 1}. ${f.title}`, "");
    if (f.status === "rendered") {
      L.push(`![${f.title}](${f.file})`, "");
      for (const line of f.caption ?? []) L.push(`> ${line}  `);
      L.push("");
    } else {
      L.push(`**Not measured in this run.** ${f.missing}`, "");
    }
  });

  const p = r.experiment.parameters;
  L.push("## The margin experiment", "");
  L.push(
    `No chain: a synthetic latency trace (seed ${p.seed}) is fed one batch per step into \`LatencyWindow\` (window ${p.windowSize} batches), and \`planRisk\` runs after every batch over the ${p.params} dev genesis markets (${p.markets} markets, ${p.scenarios} scenarios), publishing arrays as the service would. It starts from ${p.start}.`,
    "",
    "| injected | effect | steps |",
    "|---|---|---|",
    ...p.injections.map((i) => `| ${i.name} | ${i.effect} | ${i.from}–${i.to - 1} |`),
    "",
    `T_${p.percentile} follows the window: a stage's ${p.percentile} over ${p.windowSize} batches is its sample of rank ⌈q·n⌉ = ${rank(p)}, so it rises once ${p.windowSize - rank(p) + 1} slow batch${p.windowSize - rank(p) + 1 === 1 ? "" : "es"} are in the window and falls back only when fewer remain, up to ${p.windowSize} batches after the spike ends. Margin follows T at most ${p.maxStepUp * 100}% up and ${p.maxStepDown * 100}% down per batch.`,
    "",
  );
  return L.join("\n");
}

function rank(p: ExperimentResult["parameters"]): number {
  const q = { p50: 0.5, p95: 0.95, p99: 0.99 }[p.percentile] ?? 0.99;
  return Math.ceil(q * p.windowSize);
}

async function main(): Promise<void> {
  const o = new Command()
    .description("zksettle benchmark report: results.json, report.md and one SVG per figure")
    .option("--quick", "short margin experiment; figures from whatever inputs exist")
    .option("--out <dir>", "output directory (default: the benches' results folder, bench/out.ts)", benchOutDir())
    .option("--inputs <dir>", "directory of the benches' JSON results (default: the same)", benchOutDir())
    .option("--params <name>", "parameter set of the experiment's dev genesis markets", "prod")
    // bench/run.ts passes every bench the same arguments (e.g. gas.ts's --verifier FILE).
    .allowUnknownOption()
    .allowExcessArguments()
    .parse()
    .opts<{ quick?: boolean; out: string; inputs: string; params: string }>();
  const t0 = Date.now();
  const r = await runReport({ quick: o.quick === true, outDir: path.resolve(o.out), inputDir: path.resolve(o.inputs), params: o.params });
  for (const f of r.figures) console.log(`  ${f.status === "rendered" ? "drawn  " : "missing"} ${f.title}${f.status === "rendered" ? ` → ${f.file}` : `: ${f.missing}`}`);
  const s = r.experiment.summary;
  console.log(`  experiment: T_p99 ${s.baselineT99} → ${s.peakT99} → ${s.finalT99} s; margin ${s.baselineMarginUSDC} → ${s.peakMarginUSDC} → ${s.finalMarginUSDC} USDC, back at step ${s.recoveredAtStep ?? "never"}`);
  console.log(`wrote ${label(r.reportFile)} and ${label(r.resultsFile)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}
