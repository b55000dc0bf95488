/**
 * bench/report.ts in --quick mode into temporary directories: every figure is a non-empty
 * SVG that carries its caption, report.md embeds it, missing inputs are listed as "not
 * measured in this run" (and an old SVG of theirs removed), the margin experiment rises
 * and falls back within the step bound, and the command line runs. No wall-clock
 * assertions. The input files here are small fixtures in the benches' formats.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { runReport, type ReportResult } from "../../bench/report";
import { wrap } from "../../bench/report/figures";
import { quickExperiment, runExperiment } from "../../bench/report/experiment";

const ROOT = path.resolve(__dirname, "..", "..");
const MACHINE = { os: "Linux test x64", cpus: 2, cpuModel: "Fixture CPU", node: "v20.20.2" };

const FIXTURES: Record<string, unknown> = {
  "constraints.json": {
    date: "2026-01-02T03:04:05.000Z",
    machine: MACHINE,
    compiler: "circom2 (circom 2.2.3, WebAssembly), --O2, circomlib 2.0.5",
    ci: {
      TRADE: 29540,
      DEPOSIT: 29540,
      NOOP: 29540,
      HEADER: 13595,
      slot: 19683,
      fixedPerBatch: 72798,
      perOpAt32: 29540,
      templates: { TradeOp: 12306, DepositOp: 395, Header: 13595 },
      params: { name: "ci", accountDepth: 2, positionSlots: 2, markets: 2, scenarios: 4, batchSize: 2, opBytes: 16 },
    },
    prod: {
      TRADE: 54883,
      slot: 40599,
      fixedPerBatch: 153805,
      perOpAt32: 54883,
      params: { name: "prod", accountDepth: 12, positionSlots: 4, markets: 8, scenarios: 16, batchSize: 32, opBytes: 20 },
    },
  },
  "gas.json": {
    fixedPerBatch: 241110,
    perOp: { TRADE: 400, DEPOSIT: 198 },
    bytesPerOp: { TRADE: 20, DEPOSIT: 20 },
    measured: {
      TRADE: [
        { n: 1, gas: 241563 },
        { n: 2, gas: 241960 },
        { n: 4, gas: 242760 },
      ],
      DEPOSIT: [
        { n: 1, gas: 241300 },
        { n: 2, gas: 241500 },
      ],
    },
    setup: { params: { accountDepth: 12, markets: 8, opBytes: 20 }, hardfork: "osaka" },
    prodBatchSize: 32,
    gasPerTradeAtProdBatch: 7959,
    batchSizes: {
      rows: [
        { n: 32, gasPerTrade: 7959, executionPerTrade: 7959, floorPerTrade: 1739, floorBinds: false, verifierPerTrade: 6001 },
        { n: 1024, gasPerTrade: 768, executionPerTrade: 636, floorPerTrade: 768, floorBinds: true, verifierPerTrade: 188 },
      ],
      goalGasPerTrade: 400,
      verifierGas: 192032,
      smallestBatchForGoal: 481,
    },
  },
  "service.json": {
    date: "2026-01-02T04:00:00.000Z",
    machine: { cores: 2, cpu: "Fixture CPU", memGiB: 23.5, node: "v20.20.2" },
    circuit: { params: "ci", batchSize: 2, zkey: "batch_main.insecure.zkey" },
    quick: true,
    throughput: {
      proofs: 2,
      // a row without a backend (written before the backend seam: snarkjs) and a native one
      pool: [
        { threads: 1, proofs: 2, proofsPerMinute: 4.2 },
        { backend: "native", threads: 1, proofs: 2, proofsPerMinute: 18.6 },
      ],
      cli: { tool: "snarkjs 0.7.6 groth16 fullprove (one process per proof)", proofs: 2, proofsPerMinute: 3.1 },
      ratio: 1.355,
      byBackend: { native: { ratio: 6, ratioBest: 6, bestThreads: 1 } },
    },
    latency: {
      what: "op accepted → batch confirmed",
      p50Ms: 29000,
      p99Ms: 48000,
      byBackend: { native: { p50Ms: 9000, p99Ms: 14000 }, snarkjs: { p50Ms: 29000, p99Ms: 48000 } },
      stages: {
        proving: { p50Ms: 20000, p99Ms: 30000 },
        submission: { p50Ms: 500, p99Ms: 900 },
        inclusion: { p50Ms: 1000, p99Ms: 2000 },
        confirmations: { p50Ms: 2000, p99Ms: 4000 },
      },
    },
  },
  "proving.json": {
    date: "2026-01-02T05:00:00.000Z",
    machine: MACHINE,
    circuit: { params: "ci" },
    series: [
      { batchSize: 1, witnessMs: 900, provingMs: 9000 },
      { batchSize: 2, witnessMs: 1500, provingMs: 15000, constraints: 193650 },
    ],
    backends: { snarkjs: { proveMs: 33000, peakRssMb: 850 }, native: { proveMs: 6000, peakRssMb: 300 } },
  },
  "prod.json": {
    date: "2026-01-02T07:00:00.000Z",
    machine: MACHINE,
    params: "prod",
    batchSize: 2,
    constraints: 140000,
    backends: { snarkjs: { proveMs: 25000, peakRssMb: 700 }, native: { proveMs: 5000, peakRssMb: 250 } },
  },
};

const FIGURES = ["constraints", "proving", "backends", "throughput", "gas", "batch-size", "latency", "margin", "margin-live"];

/** Text as vega writes it into SVG. */
function xml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function tmpdir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `zksettle-report-${tag}-`));
}

describe("bench/report.ts (--quick)", function () {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  describe("with every input present", function () {
    let out: string;
    let r: ReportResult;

    before(async function () {
      const inputs = tmpdir("in");
      out = tmpdir("out");
      dirs.push(inputs, out);
      for (const [name, data] of Object.entries(FIXTURES)) fs.writeFileSync(path.join(inputs, name), JSON.stringify(data));
      // bench/latency.ts writes the experiment's shape; a short synthetic run stands in for it here
      const live = await runExperiment(quickExperiment("ci"));
      fs.writeFileSync(path.join(inputs, "latency.json"), JSON.stringify({ date: "2026-01-02T06:00:00.000Z", machine: MACHINE, quick: true, ...live }));
      r = await runReport({ quick: true, outDir: out, inputDir: inputs });
    });

    it("renders every figure as a non-empty SVG that carries its caption (machine, parameters, date)", function () {
      expect(r.figures.map((f) => f.id)).to.deep.equal(FIGURES);
      for (const f of r.figures) {
        expect(f.status, f.id).to.equal("rendered");
        const svg = fs.readFileSync(path.join(out, f.file as string), "utf8");
        expect(svg.startsWith("<svg"), f.id).to.equal(true);
        expect(svg, f.id).to.match(/<path|<rect|<line/);
        expect(svg.length, f.id).to.be.greaterThan(2000);
        const caption = f.caption as string[];
        expect(caption.some((l) => l.startsWith("Machine: ")), f.id).to.equal(true);
        expect(caption.some((l) => l.startsWith("Parameters: ")), f.id).to.equal(true);
        expect(caption.some((l) => l.startsWith("Date: ")), f.id).to.equal(true);
        for (const line of wrap(caption)) expect(svg, `${f.id}: ${line}`).to.include(xml(line.trim()));
      }
    });

    it("takes each figure's machine and date from the run that measured it", function () {
      const byId = Object.fromEntries(r.figures.map((f) => [f.id, f.caption as string[]]));
      expect(byId.constraints).to.include("Date: 2026-01-02T03:04:05.000Z");
      expect(byId.constraints).to.include("Machine: Fixture CPU, 2 cores, Node v20.20.2, Linux test x64");
      expect(byId.throughput).to.include("Date: 2026-01-02T04:00:00.000Z");
      expect(byId.proving).to.include("Date: 2026-01-02T05:00:00.000Z");
      // gas.json records no date: the caption says so instead of inventing one.
      expect(byId.gas.find((l) => l.startsWith("Date: "))).to.match(/not recorded in .*gas\.json/);
      // service.json has stage times here, so the latency figure is drawn from them.
      expect(byId.latency.find((l) => l.startsWith("Source: "))).to.match(/service\.json \(latency\.stages\)/);
    });

    it("draws per-op constraints, gas per TRADE and proof time against batch size, at N = 32 as constraints.json states it", function () {
      const rows = r.figures.find((f) => f.id === "batch-size")?.data as { n: number; panel: string; series: string; value: number }[];
      const at = (n: number, series: string) => rows.find((x) => x.n === n && x.series === series)?.value;
      expect(at(32, "constraints per op")).to.equal(54883);
      // the fixed part weighs less as N grows
      expect(at(1024, "constraints per op")).to.be.lessThan(at(32, "constraints per op") as number);
      expect(at(1024, "gas per TRADE")).to.equal(768);
      expect(at(1024, "EIP-7623 calldata floor")).to.equal(768);
      // the verifier's own share, the bound that no data path lowers
      expect(at(32, "Groth16 verifier alone")).to.equal(6001);
      expect(at(1024, "Groth16 verifier alone")).to.equal(188);
      // proof time per op: the prod proof's 5,000 ms over 140,000 constraints, times the constraints per op
      expect(at(32, "native, modelled")).to.be.closeTo((5000 / 140000) * 54883 / 1000, 1e-3);
      const md = fs.readFileSync(r.reportFile, "utf8");
      expect(md).to.include("| gas per TRADE at the prod batch (N = 32) | 7,959 |");
      expect(md).to.include("| Groth16 verifier alone, per batch (no batch below N = 481 reaches 400 gas per TRADE) | 192,032 |");
    });

    it("measures the throughput comparison as a ratio within one run", function () {
      const t = r.figures.find((f) => f.id === "throughput")?.data as { config: string; ratio: number }[];
      expect(t.find((x) => x.config.startsWith("service pool"))?.ratio).to.be.closeTo(4.2 / 3.1, 1e-3);
      expect(t.find((x) => x.config === "service pool (native), 1 thread")?.ratio).to.be.closeTo(18.6 / 3.1, 1e-3);
      expect(t.find((x) => x.config.startsWith("snarkjs"))?.ratio).to.equal(1);
    });

    it("lists each backend's throughput ratio and latency, and the prod batch, under key numbers", function () {
      const md = fs.readFileSync(r.reportFile, "utf8");
      expect(md).to.include("| service (native) ÷ snarkjs CLI throughput (same run), default / best threads | ×6 / ×6 |");
      expect(md).to.include("| op accepted → batch confirmed (native), p50 / p99 (measured) | 9.0 s / 14.0 s |");
      expect(md).to.include("| op accepted → batch confirmed (snarkjs), p50 / p99 (measured) | 29.0 s / 48.0 s |");
      expect(md).to.match(/\| prod batch of 2 TRADEs \(140,000 constraints\).*native 5\.0 s, 250 MB/);
    });

    it("writes report.md embedding every SVG with its caption, and results.json with the raw numbers", function () {
      const md = fs.readFileSync(r.reportFile, "utf8");
      for (const f of r.figures) {
        expect(md).to.include(`![${f.title}](${f.file})`);
        for (const line of f.caption ?? []) expect(md).to.include(`> ${line}`);
      }
      expect(md).not.to.include("Not measured in this run");
      const results = JSON.parse(fs.readFileSync(r.resultsFile, "utf8")) as {
        quick: boolean;
        machine: { cpus: number };
        inputs: { gas: { data: { fixedPerBatch: number } }; constraints: { data: { ci: { perOpAt32: number } } } };
        experiment: { steps: unknown[]; parameters: { steps: number } };
        figures: unknown[];
      };
      expect(results.quick).to.equal(true);
      expect(results.machine.cpus).to.be.a("number");
      expect(results.inputs.gas.data.fixedPerBatch).to.equal(241110);
      expect(results.inputs.constraints.data.ci.perOpAt32).to.equal(29540);
      expect(results.experiment.steps).to.have.length(results.experiment.parameters.steps);
      expect(results.figures).to.have.length(FIGURES.length);
    });
  });

  describe("with no input files", function () {
    let out: string;
    let r: ReportResult;

    before(async function () {
      const inputs = tmpdir("empty");
      out = tmpdir("out");
      dirs.push(inputs, out);
      fs.writeFileSync(path.join(out, "fig-gas.svg"), "<svg>an earlier run</svg>");
      r = await runReport({ quick: true, outDir: out, inputDir: inputs });
    });

    it("lists the figures it cannot draw as not measured, draws the experiment's, and removes stale SVGs", function () {
      const status = Object.fromEntries(r.figures.map((f) => [f.id, f.status]));
      expect(status).to.deep.equal({
        constraints: "not measured in this run",
        proving: "not measured in this run",
        backends: "not measured in this run",
        throughput: "not measured in this run",
        gas: "not measured in this run",
        "batch-size": "not measured in this run",
        latency: "rendered",
        margin: "rendered",
        "margin-live": "not measured in this run",
      });
      expect(fs.existsSync(path.join(out, "fig-gas.svg"))).to.equal(false);
      const md = fs.readFileSync(r.reportFile, "utf8");
      expect(md.match(/\*\*Not measured in this run\.\*\*/g)).to.have.length(7);
      const latency = r.figures.find((f) => f.id === "latency");
      expect(latency?.caption?.find((l) => l.startsWith("Source: "))).to.match(/synthetic trace/);
      for (const f of r.figures.filter((x) => x.status === "rendered")) {
        expect(fs.readFileSync(path.join(out, f.file as string), "utf8")).to.match(/^<svg/);
      }
    });

    it("shows margin rising with latency and falling back, every step within the bound", function () {
      const e = r.experiment;
      const s = e.summary;
      expect(s.peakT99).to.be.greaterThan(3 * s.baselineT99);
      expect(s.rise).to.be.greaterThan(1.5);
      expect(s.recoveredAtStep).to.be.a("number");
      expect(Math.abs(s.finalMarginUSDC / s.baselineMarginUSDC - 1)).to.be.lessThan(0.05);
      expect(s.rowsWithinStepBound).to.equal(true);
      expect(s.portfolioWithinStepBound).to.equal(true);
      expect(s.maxObservedStepUp).to.be.at.most(s.maxStepUp + 1e-4);
      expect(s.maxObservedStepDown).to.be.at.most(s.maxStepDown + 1e-4);
      // Margin does not jump: it needs several batches to reach the peak.
      const first = Math.min(...e.parameters.injections.map((i) => i.from));
      expect(s.peakStep - first).to.be.greaterThan(3);
    });
  });

  it("runs from the command line (`ts-node bench/report.ts --quick --out DIR --inputs DIR`)", function () {
    const inputs = tmpdir("cli-in");
    const out = tmpdir("cli-out");
    dirs.push(inputs, out);
    fs.writeFileSync(path.join(inputs, "service.json"), JSON.stringify(FIXTURES["service.json"]));
    const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), path.join(ROOT, "bench", "report.ts"), "--quick", "--out", out, "--inputs", inputs], { cwd: ROOT, encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/wrote .*report\.md/);
    for (const f of ["report.md", "results.json", "fig-throughput.svg", "fig-latency.svg", "fig-margin.svg"]) expect(fs.existsSync(path.join(out, f)), f).to.equal(true);
    expect(fs.existsSync(path.join(out, "fig-gas.svg"))).to.equal(false);
  });
});
