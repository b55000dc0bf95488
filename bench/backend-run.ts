/**
 * One prover backend on one witness, in a process of its own so that its peak memory
 * is its own (bench/proving.ts and bench/prod.ts run one per backend, same witness
 * file, same run). Loads the key (timed), proves once to warm up unless `--reps` is 1,
 * then `--reps` times; prints one JSON line: key load ms, proof ms of each run (every
 * proof verified by the backend itself and again with snarkjs), the backend's own
 * phase times, and the process's peak RSS.
 *
 * Usage: npx ts-node bench/backend-run.ts --backend native|snarkjs --dir build/ci --wtns FILE [--reps K] [--proof-out FILE]
 */
import fs from "node:fs";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { Command } from "commander";
import type { BackendName } from "../prover/zk/backend";
import { loadBackend } from "../prover/zk/load-backend";
import { readSetup, terminateCurves, verify } from "../prover/zk/prover";

/** What one backend run reports. */
export interface BackendRun {
  readonly backend: BackendName;
  readonly device: string;
  readonly loadMs: number;
  readonly proveMs: number[];
  readonly phases: Record<string, number>[];
  readonly peakRssMb: number;
}

const medianOf = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const roundTo = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

/** Medians of one backend's runs. */
export interface BackendSummary {
  readonly proveMs: number;
  readonly peakRssMb: number;
  readonly loadMs: number;
  readonly device: string;
  /** The backend's own phases (native: wtns parse, QAP/FFTs, MSMs, pairing check), medians. */
  readonly phases: Record<string, number>;
}

export function summarize(run: BackendRun): BackendSummary {
  const keys = Object.keys(run.phases[0] ?? {});
  const phases = Object.fromEntries(keys.map((k) => [k, roundTo(medianOf(run.phases.map((p) => p[k])))]));
  return { proveMs: roundTo(medianOf(run.proveMs)), peakRssMb: roundTo(run.peakRssMb), loadMs: roundTo(run.loadMs), device: run.device, phases };
}

async function main(): Promise<void> {
  const o = new Command("backend-run")
    .requiredOption("--backend <name>")
    .requiredOption("--dir <dir>")
    .requiredOption("--wtns <file>")
    .option("--reps <k>", "timed proofs", "3")
    .option("--proof-out <file>", "write the last proof and its public signals there (JSON)")
    .parse()
    .opts<{ backend: BackendName; dir: string; wtns: string; reps: string; proofOut?: string }>();
  const { key } = readSetup(o.dir);
  const wtns = new Uint8Array(fs.readFileSync(o.wtns));
  const t0 = performance.now();
  const backend = await loadBackend(o.backend, key);
  const loadMs = performance.now() - t0;
  const reps = Math.max(1, Number(o.reps));
  if (reps > 1) await backend.prove(wtns);
  const proveMs: number[] = [];
  const phases: Record<string, number>[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    const out = await backend.prove(wtns);
    proveMs.push(performance.now() - t);
    phases.push({ ...out.phases });
    if (!(await verify(key.vkey, out.publicSignals, out.proof))) throw new Error(`${o.backend}: the proof does not verify with snarkjs`);
    if (o.proofOut !== undefined) fs.writeFileSync(o.proofOut, JSON.stringify({ proof: out.proof, publicSignals: out.publicSignals }));
  }
  await terminateCurves();
  // ru_maxrss: kilobytes on Linux
  const run: BackendRun = { backend: o.backend, device: backend.device, loadMs, proveMs, phases, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(JSON.stringify(run) + "\n");
}

/** Runs this script in a child process and returns its report. */
export function runBackend(backend: BackendName, dir: string, wtnsFile: string, reps: number, proofOut?: string): BackendRun {
  const args = ["--backend", backend, "--dir", dir, "--wtns", wtnsFile, "--reps", String(reps), ...(proofOut === undefined ? [] : ["--proof-out", proofOut])];
  const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), __filename, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 16 * 1024 * 1024,
    cwd: path.resolve(__dirname, ".."),
  });
  if (r.status !== 0) throw new Error(`bench/backend-run.ts --backend ${backend} exited with ${r.status}`);
  const line = r.stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(line) as BackendRun;
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  });
}
