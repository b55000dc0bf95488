/**
 * Witness and proving time against batch size (issue 9's report, fig-proving).
 *
 * For each batch size N it takes the `ci` parameter set with batchSize = N, builds the
 * batch circuit (circom2 --O2, cached) and its INSECURE dev Groth16 keys (cached), and
 * proves the same kind of batch — N DEPOSIT ops opening N accounts — with the service's
 * ProverPool (one thread, wasm and zkey loaded once, warmed up by a first proof). The
 * op type does not matter for the cost: every op runs in the universal slot. Each proof
 * is verified. Reported per N: the median of `--reps` runs of witness and proving ms,
 * the constraints and the ptau power, and ms per op. The series uses the snarkjs
 * backend, so that it stays comparable with earlier runs.
 *
 * Then the backends side by side on the ci circuit (`backends`): one witness file, each
 * backend in a process of its own (bench/backend-run.ts: key loaded once, warmed up,
 * median proof time, peak RSS, the native prover's phases), same run. The native
 * backend is left out, and said so, where its addon is not built.
 *
 * Full: N = 1, 2, 4 (N = 2 is the ci circuit that the tests build: build/ci). `--quick`:
 * N = 2 only, one repetition: the code path, not the curve.
 * Writes bench/proving.json.
 *
 * Usage: npx ts-node bench/proving.ts [--quick] [--reps K]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { nativeAddon } from "../prover/zk/backend-native";
import { readSetup } from "../prover/zk/prover";
import { WitnessCalculator } from "../prover/zk/witness";
import { ProverPool } from "../prover/pool/prover-pool";
import { applyBatch, type Batch } from "../prover/state/batch";
import { depositNew, devGenesis, signedHeader } from "../prover/dev/fixtures";
import { buildBatchInput } from "../prover/circuit-input/batch-input";
import { terminateCurves, verify, type VerificationKey } from "../prover/zk/prover";
import { compileCircuit, REPO_ROOT } from "../scripts/lib/circom";
import { ensureBuilt, refuseInspectWarnings } from "../scripts/lib/pipeline";
import { BATCH_CIRCUIT, batchMainSource, loadCircuitParams, type CircuitParams } from "../scripts/lib/params";
import { setupCircuit } from "../scripts/lib/setup";
import { runBackend, summarize, type BackendSummary } from "./backend-run";
import { benchOut } from "./out";

const USDC = 1_000_000n;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

/** One point of the series. */
export interface ProvingPoint {
  readonly batchSize: number;
  readonly constraints: number;
  readonly ptauPower: number;
  readonly witnessMs: number;
  readonly provingMs: number;
  readonly msPerOp: number;
  readonly reps: number;
}

/** The circuit of `ci` with batchSize N: build/ci for the ci size itself, else build/bench/proving/n<N>. */
async function circuitFor(N: number): Promise<{ params: CircuitParams; dir: string; constraints: number; power: number; vkey: VerificationKey }> {
  const ci = loadCircuitParams("ci");
  if (N === ci.batchSize) {
    const b = await ensureBuilt("ci");
    return { params: ci, dir: b.dir, constraints: b.circuit.constraints, power: b.setup.power, vkey: readVkey(b.dir) };
  }
  const params: CircuitParams = { ...ci, batchSize: N, name: `ci-n${N}` };
  const dir = path.join(REPO_ROOT, "build", "bench", "proving", `n${N}`);
  const compiled = await compileCircuit({ name: BATCH_CIRCUIT, mainSource: batchMainSource(params), outDir: dir, inspect: true });
  refuseInspectWarnings(compiled.warnings);
  const setup = await setupCircuit({ dir, circuit: BATCH_CIRCUIT, label: params.name });
  return { params, dir, constraints: compiled.constraints, power: setup.power, vkey: readVkey(dir) };
}

function readVkey(dir: string): VerificationKey {
  const record = JSON.parse(fs.readFileSync(path.join(dir, "setup.json"), "utf8")) as { verificationKey: string };
  return JSON.parse(fs.readFileSync(path.resolve(dir, record.verificationKey), "utf8")) as VerificationKey;
}

/** N DEPOSIT ops opening accounts 1..N, on the dev genesis of `params`. */
async function depositBatch(params: CircuitParams): Promise<ReturnType<typeof buildBatchInput>> {
  const genesis = await devGenesis(params);
  const N = params.batchSize;
  const deposits = Array.from({ length: N }, (_, i) => depositNew(i + 1, 1000n * USDC));
  const batch: Batch = { header: signedHeader(genesis, genesis.global.oracleTimestamp + 10n), ops: deposits.map(() => ({ type: "DEPOSIT" as const })), deposits };
  return buildBatchInput(params, applyBatch(genesis, batch).trace);
}

export async function measure(N: number, reps: number): Promise<ProvingPoint> {
  const c = await circuitFor(N);
  const input = await depositBatch(c.params);
  const pool = new ProverPool({ maxThreads: 1, backend: "snarkjs" });
  try {
    await pool.prove(c.dir, input); // loads wasm and zkey, as a running service's first proof does
    const witness: number[] = [];
    const proving: number[] = [];
    for (let r = 0; r < reps; r++) {
      const out = await pool.prove(c.dir, input);
      if (!(await verify(c.vkey, out.publicSignals, out.proof))) throw new Error(`the proof at N = ${N} does not verify`);
      witness.push(out.witnessMs);
      proving.push(out.proveMs);
    }
    const witnessMs = median(witness);
    const provingMs = median(proving);
    return { batchSize: N, constraints: c.constraints, ptauPower: c.power, witnessMs: round(witnessMs), provingMs: round(provingMs), msPerOp: round((witnessMs + provingMs) / N), reps };
  } finally {
    await pool.close();
  }
}

/**
 * Each backend on the same witness of the ci circuit, in its own process. The witness
 * is computed once here (its time is the wasm calculator's, the same for both).
 */
export async function compareBackends(reps: number): Promise<{ backends: Record<string, BackendSummary>; witnessMs: number; ratio?: number; nativeMissing?: string }> {
  const ci = await circuitFor(loadCircuitParams("ci").batchSize);
  const input = await depositBatch(ci.params);
  const wc = await WitnessCalculator.load(readSetup(ci.dir).wasmPath);
  await wc.wtns(input);
  const t0 = performance.now();
  const wtns = await wc.wtns(input);
  const witnessMs = round(performance.now() - t0);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-bench-")), "ci.wtns");
  fs.writeFileSync(file, wtns);
  const found = nativeAddon();
  const names = "problem" in found ? (["snarkjs"] as const) : (["snarkjs", "native"] as const);
  const backends: Record<string, BackendSummary> = {};
  for (const name of names) {
    backends[name] = summarize(runBackend(name, ci.dir, file, reps));
    console.log(`ci, ${name}: proof ${backends[name].proveMs} ms (median of ${reps}), peak RSS ${backends[name].peakRssMb} MB, key load ${backends[name].loadMs} ms`);
  }
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  const ratio = backends.native ? round(backends.snarkjs.proveMs / backends.native.proveMs, 2) : undefined;
  if (ratio !== undefined) console.log(`ci: native is ${ratio}× snarkjs`);
  return { backends, witnessMs, ratio, nativeMissing: "problem" in found ? found.problem : undefined };
}

const BACKENDS_METHOD =
  "the ci circuit (N = 2), one witness file; each backend in its own process (bench/backend-run.ts): key loaded once, one warm-up proof (when reps > 1), median of reps; peak RSS of that process; proveMs excludes the witness (witnessMs, wasm, the same for both). The CPU is shared with other work: compare the ratio, not the absolute times";

async function main(): Promise<void> {
  const o = new Command("bench-proving")
    .option("--quick", "N = 2 only, one repetition")
    .option("--reps <k>", "repetitions per size", "3")
    .option("--backends-only", "only the backends side by side, written into the existing proving.json (its series kept)")
    .parse()
    .opts<{ quick?: boolean; reps: string; backendsOnly?: boolean }>();
  const quick = o.quick === true;
  if (o.backendsOnly === true) {
    const file = benchOut("proving.json");
    const old = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>) : {};
    const backends = await compareBackends(Math.max(1, Number(o.reps)));
    fs.writeFileSync(file, JSON.stringify({ ...old, backendsDate: new Date().toISOString(), backendsMethod: BACKENDS_METHOD, ...backends }, null, 2) + "\n");
    return;
  }
  const sizes = quick ? [2] : [1, 2, 4];
  const reps = quick ? 1 : Math.max(1, Number(o.reps));
  const series: ProvingPoint[] = [];
  for (const N of sizes) {
    const p = await measure(N, reps);
    console.log(`N = ${N}: ${p.constraints} constraints (2^${p.ptauPower}), witness ${p.witnessMs} ms, proof ${p.provingMs} ms, ${p.msPerOp} ms per op (median of ${reps})`);
    series.push(p);
  }
  const ci = loadCircuitParams("ci");
  const out = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? "unknown", memGiB: round(os.totalmem() / 2 ** 30), node: process.version },
    quick,
    circuit: { params: "ci", D: ci.accountDepth, P: ci.positionSlots, M: ci.markets, S: ci.scenarios, K: ci.oracleKeys, Q: ci.oracleQuorum, prover: "snarkjs 0.7.6 in a piscina thread (wasm witness)" },
    method: "N DEPOSIT ops per batch (every op type runs the same universal slot); ProverPool with 1 thread, warmed up; median of reps; every proof verified",
    series,
    backendsMethod: BACKENDS_METHOD,
    ...(await compareBackends(reps)),
  };
  fs.writeFileSync(benchOut("proving.json"), JSON.stringify(out, null, 2) + "\n");
  await terminateCurves();
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  });
}
