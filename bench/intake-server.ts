/**
 * The server side of bench/intake.ts, run in a process of its own: the sequencer-mode
 * stack of `zksettle serve` at the prod parameters (prover/service/bootstrap.ts: SQLite
 * job store with the sequencer's durable journal, the ledger on it, Sequencer +
 * SequencerIntake, buildApp, startServer on 127.0.0.1) without the chain and the
 * prover: a cut batch becomes a job in the ledger (applyBatch, stored in SQLite) and
 * stays queued, which is all the order path waits for. The prod circuit is not built
 * on this machine (bench/prod.ts), and proving would only take CPU from the intake.
 *
 * Written against the API both this tree and the baseline commit have, so that
 * bench/intake.ts can copy it into a worktree of the baseline and run it there.
 * `accounts` dev accounts are funded by deposit batches in the ledger before it listens;
 * then it prints one line `intake-server ready { "url": … }` (logs go to stderr).
 *
 * Usage: ts-node --transpile-only bench/intake-server.ts DATA_DIR ACCOUNTS SIGNATURE_THREADS API_KEY [SIGNATURE_CHECKER]
 */
import path from "node:path";
import { hashApiKey } from "../prover/api/auth";
import { buildApp } from "../prover/api/app";
import { startServer } from "../prover/api/server";
import { depositNew, devGenesis, signedHeader } from "../prover/dev/fixtures";
import { defaultConfig, type Config } from "../prover/service/config";
import { Ledger } from "../prover/service/ledger";
import type { createLogger as CreateLogger } from "../prover/log/logger";
import { ServiceMetrics } from "../prover/service/metrics";
import { Sequencer } from "../prover/service/sequencer";
import { SequencerIntake } from "../prover/service/sequencer-intake";
import { loadParams } from "../prover/state/params";
import { SqliteJobStore } from "../prover/store/sqlite-store";

const USDC = 1_000_000n;
/** The line bench/intake.ts waits for. */
const READY = "intake-server ready";

async function main(): Promise<void> {
  const [dataDir, accountsArg, threadsArg, apiKey, checkerArg = "auto"] = process.argv.slice(2);
  const accounts = Number(accountsArg);
  const params = loadParams("prod");
  // opened first, as serve does: with the native checker the funding batches below verify natively too
  const signatures = await signatureChecker(checkerArg, Number(threadsArg));
  const genesis = await devGenesis(params);
  const store = new SqliteJobStore(path.join(dataDir, "jobs.sqlite"));
  const ledger = await Ledger.open(store, genesis);
  // fund accounts 1..accounts, N deposits a batch
  for (let first = 1; first <= accounts; first += params.batchSize) {
    const ids = Array.from({ length: Math.min(params.batchSize, accounts - first + 1) }, (_, j) => first + j);
    const s = ledger.pendingState();
    await ledger.append({ header: signedHeader(s, s.global.oracleTimestamp + 1n), ops: ids.map(() => ({ type: "DEPOSIT" as const })), deposits: ids.map((i) => depositNew(i, 1_000_000n * USDC)) });
  }
  const config: Config = {
    ...defaultConfig(),
    mode: "sequencer",
    params: "prod",
    port: 0,
    apiKeyHashes: [hashApiKey(apiKey)],
    rateLimit: 0,
    logLevel: "warn",
    maxQueue: 1_000_000,
    maxRestingOrders: 1_000_000,
    batchInterval: 1,
    devOracle: true,
    idempotencyCache: 1_000_000,
    // the baseline's config has no such option; it checks on the event loop whatever this says
    ...({ signatureThreads: Number(threadsArg) } as Partial<Config>),
  };
  // logs to stderr: stdout carries the ready line only
  const log = (await loggerFactory())("warn", process.stderr);
  const sequencer = new Sequencer({
    state: ledger.pendingState(),
    clock: Date.now,
    batchIntervalMs: config.batchInterval * 1000,
    maxRestingOrders: config.maxRestingOrders,
    devOracle: (s, now) => signedHeader(s, s.global.oracleTimestamp > BigInt(Math.floor(now / 1000)) ? s.global.oracleTimestamp + 1n : BigInt(Math.floor(now / 1000)) + 1n),
  });
  const intake = new SequencerIntake(sequencer, store, { submitBatch: async (b) => (await ledger.append(b)).job, ledgerState: () => ledger.pendingState(), ledgerBatches: () => store.ledger() }, log);
  await intake.restore();
  // the engine as the order path sees it: batches stored as jobs in the ledger, the queue counted in the store
  const engine = {
    submitBatch: async (b: Parameters<typeof ledger.append>[0]) => (await ledger.append(b)).job,
    getJob: (id: string) => store.get(id),
    cancel: async () => undefined,
    counts: () => store.counts(),
    capacity: async () => ({ queued: await unfinishedCount(store), maxQueued: config.maxQueue, workers: 0, busy: 0 }),
    ready: () => true,
  };
  const app = await buildApp({ engine, ledger, intake, config, metrics: new ServiceMetrics({ defaults: false }), logger: log, ...({ signatures } as object) });
  const server = await startServer(app, config, log, async () => {
    await signatures?.close();
    store.close();
  });
  process.stdout.write(`${READY} ${JSON.stringify({ url: server.url, ledgerHeight: ledger.height })}\n`);
}

/** The logger's module: prover/log/ in this tree, prover/service/log.ts before the layers moved (the baseline). */
async function loggerFactory(): Promise<typeof CreateLogger> {
  try {
    return ((await import("../prover/log/logger")) as { createLogger: typeof CreateLogger }).createLogger;
  } catch (err) {
    if ((err as { code?: string }).code !== "MODULE_NOT_FOUND") throw err;
    // @ts-expect-error: the baseline's path, absent from this tree
    return ((await import("../prover/service/log")) as { createLogger: typeof CreateLogger }).createLogger;
  }
}

/** Unfinished jobs: counted by the store where it can (this tree), else read (the baseline did that on every order). */
async function unfinishedCount(store: SqliteJobStore): Promise<number> {
  const counting = store as unknown as { unfinishedCount?: () => Promise<number> };
  return counting.unfinishedCount !== undefined ? counting.unfinishedCount() : (await store.unfinished()).length;
}

/**
 * This tree's signature checker as serve opens it (prover/signatures/open.ts); trees
 * from before it had only the thread pool, and the baseline none (undefined: the event
 * loop checks).
 */
async function signatureChecker(choice: string, threads: number): Promise<{ warm(): Promise<void>; close(): Promise<void> } | undefined> {
  type Checker = { warm(): Promise<void>; close(): Promise<void> };
  try {
    const { openSignatureChecker } = (await import("../prover/signatures/open")) as {
      openSignatureChecker(c: { signatureChecker: string; signatureThreads: number }): { checker: Checker | undefined; note: string } | { problem: string };
    };
    const opened = openSignatureChecker({ signatureChecker: choice, signatureThreads: threads });
    if ("problem" in opened) throw new Error(opened.problem);
    process.stderr.write(`intake-server: ${opened.note}\n`);
    await opened.checker?.warm();
    return opened.checker;
  } catch (err) {
    if ((err as { code?: string }).code !== "MODULE_NOT_FOUND") throw err;
  }
  if (threads <= 0) return undefined;
  try {
    const { SignaturePool } = (await import("../prover/signatures/signature-pool")) as { SignaturePool: new (n: number) => Checker };
    const pool = new SignaturePool(threads);
    await pool.warm();
    return pool;
  } catch {
    return undefined;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
