/**
 * The service's latency from op accepted to batch confirmed (bench/service.ts, part 2):
 * `zksettle serve` in sequencer mode, started in this process with --dev-oracle and
 * --dev-genesis, against a hardhat node on 127.0.0.1 (loopback only). Trades are posted
 * as crossing orders over HTTP, one every `gapMs`; an op's latency runs from the HTTP
 * answer that accepted it (the filling order) to the engine's `confirmed` event of its
 * batch (a job's final state). Run once per prover backend, each on a fresh chain.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { hashApiKey } from "../prover/api/auth";
import { encodeOrder } from "../prover/api/wire";
import { CI_PARAMS, depositNew, devGenesis, devOrder } from "../prover/dev/fixtures";
import { startService } from "../prover/run/bootstrap";
import { defaultConfig, type Config } from "../prover/service/config";
import { createLogger } from "../prover/log/logger";
import { ServiceMetrics } from "../prover/service/metrics";
import type { State } from "../prover/state/state";
import type { Job } from "../prover/store/job-store";
import type { BackendName } from "../prover/zk/backend";
import { deployDevContracts, hardhatKey, hardhatSigner, l1Deposit, startHardhatNode } from "../scripts/lib/dev-chain";

const USDC = 1_000_000n;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One latency run: a sample per trade (ms), the trade batches, and the opening deposit batch's time. */
export interface LatencyRun {
  readonly samples: number[];
  readonly batches: number;
  readonly depositBatchMs: number;
}

/** The p-th percentile (nearest rank). */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** Sequencer-mode latency, op accepted → batch confirmed, on a local hardhat node, proving with `prover`. */
export async function latencyRun(trades: number, gapMs: number, workers: number, prover: BackendName): Promise<LatencyRun> {
  const chain = await startHardhatNode();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-bench-"));
  const genesis = await devGenesis(CI_PARAMS);
  const c = await deployDevContracts(hardhatSigner(0, chain.provider), CI_PARAMS, genesis);
  const key = "bench-key";
  const config: Config = {
    ...defaultConfig(),
    mode: "sequencer",
    port: 0,
    dataDir,
    devGenesis: true,
    devOracle: true,
    apiKeyHashes: [hashApiKey(key)],
    rateLimit: 0,
    batchInterval: 5,
    workers,
    prover,
    rpcUrl: chain.url,
    settlement: c.settlement.target as string,
    signerKey: hardhatKey(0),
    fromBlock: c.deployBlock,
    pollInterval: 200,
    confirmations: 1,
    logLevel: "warn",
  };
  const svc = await startService(config, createLogger("warn"), new ServiceMetrics({ defaults: false }), { exit: () => undefined });
  const confirmedAt = new Map<number, number>();
  const waiters: (() => void)[] = [];
  svc.engine.on("job", (j: Job) => {
    if (j.state === "confirmed") confirmedAt.set(j.batchNumber, performance.now());
    if (j.state === "failed") console.error(`job ${j.batchNumber} failed: ${j.error?.message}`);
    waiters.splice(0).forEach((w) => w());
  });
  const until = async (pred: () => boolean, ms: number, what: string): Promise<void> => {
    const t0 = Date.now();
    while (!pred()) {
      if (Date.now() - t0 > ms) throw new Error(`bench: timed out waiting for ${what}`);
      await sleep(50);
    }
  };
  try {
    // accounts 1 and 2 open through the L1 deposit queue: the service's deposit feed cuts batch 1
    const t0 = performance.now();
    for (const i of [1, 2]) await l1Deposit(c, hardhatSigner(i, chain.provider), depositNew(i, 10_000n * USDC));
    await until(() => confirmedAt.has(1), 600_000, "the deposit batch");
    const depositBatchMs = confirmedAt.get(1)! - t0;

    const seq = svc.sequencer!;
    const post = async (order: ReturnType<typeof devOrder>): Promise<{ status: string }> => {
      const res = await fetch(`${svc.url}/v1/ops`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ type: "ORDER", order: encodeOrder(order) }),
      });
      const body = (await res.json()) as { status: string };
      if (res.status !== 200) throw new Error(`order refused: ${JSON.stringify(body)}`);
      return body;
    };
    const accepted: { at: number; batch: number }[] = [];
    for (let t = 0; t < trades; t++) {
      const s: State = seq.pendingState();
      const sell = t % 2 === 0;
      await post(devOrder(s, { accountIndex: 1, marketId: 1, isBuy: !sell, size: 1n, limitPrice: 60n * USDC }));
      const r = await post(devOrder(s, { accountIndex: 2, marketId: 1, isBuy: sell, size: 1n, limitPrice: 60n * USDC }));
      const at = performance.now();
      if (r.status !== "filled") throw new Error(`trade ${t} did not fill: ${r.status}`);
      const batch = svc.ledger.height + seq.outbox.length + (seq.pendingOps > 0 ? 1 : 0);
      accepted.push({ at, batch });
      if (t + 1 < trades) await sleep(gapMs);
    }
    const last = Math.max(...accepted.map((a) => a.batch));
    await until(() => confirmedAt.has(last), 1_200_000, `batch ${last}`);
    return { samples: accepted.map((a) => confirmedAt.get(a.batch)! - a.at), batches: last - 1, depositBatchMs };
  } finally {
    await svc.server.shutdown("bench done");
    await chain.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
