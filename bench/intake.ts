/**
 * Order intake at the prod parameters (issue 21): bench/intake-server.ts (the
 * sequencer-mode stack of `zksettle serve`, depth 12, SQLite journal) in a process of
 * its own on 127.0.0.1, loaded by `--clients` concurrent HTTP clients (fetch, a bounded
 * loop: each client posts its next order when the last one is answered):
 *
 * 1. resting orders: one per account, far from any price that could cross;
 * 2. crossing pairs: a sell, then a buy at the same price from another account, which
 *    fills (a TRADE in the pending batch; a full batch is cut and stored as a job);
 *
 * while one more client polls /health every 10 ms. Each phase ends when its orders
 * are answered or after `--seconds`. Recorded: answered orders per second, p99 of their
 * latency (fills: the buy's), p99 of /health over both phases.
 *
 * The baseline is the code before issue 21 (commit 343029d, `--baseline`): the same
 * server file run in a git worktree of it, with the same signed orders (the genesis is
 * the same), in the same run. Quick mode (CI): few orders, no baseline.
 * Writes bench/intake.json (out/bench-quick with --quick).
 *
 * Usage: npx ts-node bench/intake.ts [--quick] [--clients 8] [--seconds 20] [--resting 1000] [--pairs 400]
 *   [--baseline 343029d] [--cpu-prof DIR]
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { devGenesis, devOrder } from "../prover/dev/fixtures";
import { serializeOrder } from "../prover/codec/batch-codec";
import { loadParams } from "../prover/state/params";
import type { SignedOrder } from "../prover/state/signing";
import type { State } from "../prover/state/state";
import { useNativeCrypto } from "../prover/signatures/native";
import { benchOut } from "./out";
import { baselineTree, removeBaselineTree } from "./worktree";

const REPO_ROOT = path.resolve(__dirname, "..");
const TS_NODE = require.resolve("ts-node/dist/bin.js");
const MID = 60_000_000n;
const BENCH_API_KEY = "bench-intake-key-do-not-use";
/** What bench/intake-server.ts prints once it listens. */
const READY = "intake-server ready ";

interface PhaseResult {
  readonly answered: number;
  readonly statuses: Record<string, number>;
  readonly perSecond: number;
  readonly p99Ms: number;
}

export interface IntakeResult {
  readonly params: "prod";
  readonly restingPerSecond: number;
  readonly restingP99Ms: number;
  readonly fillsPerSecond: number;
  readonly fillsP99Ms: number;
  readonly healthP99Ms: number;
  readonly detail: { readonly resting: PhaseResult; readonly fills: PhaseResult; readonly healthProbes: number };
}

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** The orders of both phases, signed once for every run (each run starts from the same genesis). */
function signOrders(genesis: State, resting: number, pairs: number): { resting: SignedOrder[]; pairs: [SignedOrder, SignedOrder][] } {
  const markets = genesis.params.markets;
  const rest = Array.from({ length: resting }, (_, n) => {
    const buy = n % 2 === 0;
    // buys far below, sells far above the fill price: they never cross
    return devOrder(genesis, { accountIndex: n + 1, marketId: 1 + (n % markets), isBuy: buy, size: 1n, limitPrice: buy ? MID / 2n - BigInt(n % 1000) : MID * 2n + BigInt(n % 1000), nonce: 0n });
  });
  const pairList = Array.from({ length: pairs }, (_, n): [SignedOrder, SignedOrder] => {
    const a = resting + 2 * n + 1;
    return [
      devOrder(genesis, { accountIndex: a, marketId: 1, isBuy: false, size: 1n, limitPrice: MID, nonce: 0n }),
      devOrder(genesis, { accountIndex: a + 1, marketId: 1, isBuy: true, size: 1n, limitPrice: MID, nonce: 0n }),
    ];
  });
  return { resting: rest, pairs: pairList };
}

/** How the server checks order signatures (its --signature-checker and --signature-threads). */
interface Checking {
  readonly checker: string;
  readonly threads: number;
}

async function startServer(root: string, accounts: number, checking: Checking, profileDir?: string): Promise<{ url: string; child: ChildProcess; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-intake-"));
  const prof = profileDir === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", profileDir];
  const child = spawn(process.execPath, [...prof, TS_NODE, "--transpile-only", path.join(root, "bench", "intake-server.ts"), dir, String(accounts), String(checking.threads), BENCH_API_KEY, checking.checker], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.startsWith(READY));
      if (line !== undefined) resolve((JSON.parse(line.slice(READY.length)) as { url: string }).url);
    });
    child.on("exit", (code) => reject(new Error(`intake server exited with ${code}`)));
  });
  return { url, child, dir };
}

async function post(url: string, order: SignedOrder): Promise<{ ms: number; status: string }> {
  const t = performance.now();
  try {
    const res = await fetch(`${url}/v1/ops`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${BENCH_API_KEY}` },
      body: JSON.stringify({ type: "ORDER", order: serializeOrder(order) }),
    });
    const body = (await res.json()) as { status?: string; code?: string };
    return { ms: performance.now() - t, status: res.ok ? (body.status ?? "?") : (body.code ?? String(res.status)) };
  } catch (e) {
    // a reset connection is an answer too (counted by its code), not the end of the run
    const cause = (e as { cause?: { code?: string } }).cause;
    return { ms: performance.now() - t, status: cause?.code ?? (e as Error).name };
  }
}

/** `clients` loops over `jobs` (each job one or more orders in order; the last one's latency counts) for at most `seconds`. */
async function phase(url: string, jobs: readonly (readonly SignedOrder[])[], clients: number, seconds: number): Promise<PhaseResult> {
  const lat: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < jobs.length && performance.now() < deadline) {
        const job = jobs[next++];
        let last = { ms: 0, status: "" };
        for (const o of job) last = await post(url, o);
        lat.push(last.ms);
        statuses[last.status] = (statuses[last.status] ?? 0) + 1;
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  return { answered: lat.length, statuses, perSecond: round(lat.length / s), p99Ms: round(percentile(lat, 99)) };
}

async function run(root: string, orders: ReturnType<typeof signOrders>, clients: number, seconds: number, checking: Checking, profileDir?: string): Promise<IntakeResult> {
  const accounts = orders.resting.length + 2 * orders.pairs.length;
  const { url, child, dir } = await startServer(root, accounts, checking, profileDir);
  const health: number[] = [];
  let probing = true;
  const prober = (async () => {
    while (probing) {
      const t = performance.now();
      await fetch(`${url}/health`).then((r) => r.arrayBuffer());
      health.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  try {
    const resting = await phase(url, orders.resting.map((o) => [o]), clients, seconds);
    const fills = await phase(url, orders.pairs, clients, seconds);
    probing = false;
    await prober;
    return {
      params: "prod",
      restingPerSecond: resting.perSecond,
      restingP99Ms: resting.p99Ms,
      // a pair is one fill; its latency is the filling order's
      fillsPerSecond: fills.perSecond,
      fillsP99Ms: fills.p99Ms,
      healthP99Ms: round(percentile(health, 99)),
      detail: { resting, fills, healthProbes: health.length },
    };
  } finally {
    probing = false;
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const opts = new Command()
    .option("--quick", "a few orders, no baseline (CI)")
    .option("--clients <n>", "concurrent order clients", "8")
    .option("--seconds <s>", "longest a phase runs", "20")
    .option("--resting <n>", "resting orders (one account each)", "1000")
    .option("--pairs <n>", "crossing pairs (two accounts each)", "400")
    .option("--signature-checker <c>", "the server's signature checker: auto, native or threads", "auto")
    .option("--signature-threads <n>", "the server's signature-check threads (--signature-checker threads)", String(Math.max(1, os.availableParallelism() - 1)))
    .option("--baseline <rev>", "the code before the change, run in a worktree of it (none: no baseline)", "343029d")
    .option("--cpu-prof <dir>", "write the server's V8 CPU profile (this tree's run) to this folder")
    .allowUnknownOption()
    .parse()
    .opts<{ quick?: boolean; clients: string; seconds: string; resting: string; pairs: string; signatureChecker: string; signatureThreads: string; baseline: string; cpuProf?: string }>();
  const quick = opts.quick === true;
  // the clients' orders are signed here, natively where the addon is built (minutes with circomlibjs)
  useNativeCrypto();
  const genesis = await devGenesis(loadParams("prod"));
  const orders = signOrders(genesis, quick ? 24 : Number(opts.resting), quick ? 16 : Number(opts.pairs));
  const clients = quick ? 4 : Number(opts.clients);
  const seconds = quick ? 15 : Number(opts.seconds);
  const threads = Number(opts.signatureThreads);
  const load = { clients, seconds, resting: orders.resting.length, pairs: orders.pairs.length, signatureChecker: opts.signatureChecker, signatureThreads: threads, cpus: os.availableParallelism(), loadAverage: os.loadavg().map((x) => round(x, 2)) };
  console.log(`intake bench: ${JSON.stringify(load)}`);
  const current = await run(REPO_ROOT, orders, clients, seconds, { checker: opts.signatureChecker, threads }, opts.cpuProf && path.resolve(opts.cpuProf));
  console.log("this tree:", JSON.stringify(current));
  let baseline: IntakeResult | undefined;
  if (!quick && opts.baseline !== "none") {
    // the same server file, run against the baseline's code
    const tree = baselineTree(opts.baseline, ["bench/intake-server.ts"]);
    try {
      baseline = await run(tree, orders, clients, seconds, { checker: "threads", threads: 0 });
      console.log(`baseline ${opts.baseline}:`, JSON.stringify(baseline));
    } finally {
      removeBaselineTree(tree);
    }
  }
  const out = { ...current, load, baseline: baseline && { commit: opts.baseline, ...baseline } };
  fs.writeFileSync(benchOut("intake.json"), JSON.stringify(out, null, 2) + "\n");
  console.log(`wrote ${benchOut("intake.json")}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
