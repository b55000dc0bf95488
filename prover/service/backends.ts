/**
 * The job store and the prover port `zksettle serve` runs on (docs/operations.md):
 *
 * - one machine (`--store sqlite`, `sqlite:PATH` or a path): the SQLite file, one
 *   service per data directory (a pid file), proofs in this process's worker threads;
 * - many machines (`--store redis://HOST:PORT[/DB]`): jobs in Redis under
 *   `--store-prefix`, proofs by `zksettle worker` processes through the BullMQ prove
 *   queue (RemoteProver), and a leader lease (leader.ts) so that one process sequences
 *   and submits.
 */
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import { ProverPool } from "../pool/prover-pool";
import { RemoteProver } from "../remote/remote-prover";
import type { JobStore } from "../store/job-store";
import { RedisJobStore } from "../store/redis-store";
import { SqliteJobStore } from "../store/sqlite-store";
import { backendProblem } from "../zk/load-backend";
import type { ServiceRecords } from "../store/records";
import { RedisRecords } from "../store/redis-records";
import { SqliteRecords } from "../store/sqlite-records";
import { parseStore, type Config } from "./config";
import type { ProverPort } from "../pool/prover-port";

/** A problem found at start; the CLI prints it and exits 2. */
export class StartupError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`cannot start:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "StartupError";
  }
}

/** What `serve` runs on. */
export interface Backends {
  readonly store: JobStore;
  /** Idempotent answers, risk overrides and pruning, next to the jobs (prover/store/records.ts). */
  readonly records: ServiceRecords;
  /** The Redis URL when the jobs are in Redis (many machines). */
  readonly redisUrl?: string;
  /** Many machines: from now on the store writes only while the lease holds `owner` (RedisJobStore.fence). */
  fence(owner: string): void;
  /** The prover port, made on first use. */
  readonly pool: () => ProverPort & { close(): Promise<void> };
  /** Closes the pool (if opened), the store, and frees the data directory. */
  close(): Promise<void>;
}

/** One service per data directory: a pid file, ignored when its process is gone (kill -9). */
function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, "serve.pid");
  if (fs.existsSync(file)) {
    const pid = Number(fs.readFileSync(file, "utf8").trim());
    let alive = false;
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch {
        alive = false;
      }
    }
    if (alive) throw new StartupError([`dataDir: ${dataDir} is used by the running process ${pid} (${file})`]);
  }
  fs.writeFileSync(file, String(process.pid));
  return () => {
    try {
      if (fs.readFileSync(file, "utf8").trim() === String(process.pid)) fs.unlinkSync(file);
    } catch {
      /* already gone */
    }
  };
}

/**
 * Opens the store `--store` names (and, for Redis, warns when it would lose job states
 * on a restart).
 * @throws StartupError for a `--store` value that names nothing usable
 */
export async function openBackends(config: Config, log: Logger): Promise<Backends> {
  const where = parseStore(config.store, config.dataDir);
  if ("problem" in where) throw new StartupError([`store: ${where.problem}`]);
  let pool: (ProverPort & { close(): Promise<void> }) | undefined;
  if (where.kind === "sqlite") {
    const problem = backendProblem(config.prover);
    if (problem !== undefined) throw new StartupError([problem]);
    const unlock = lockDataDir(config.dataDir);
    const store = new SqliteJobStore(where.file);
    const records = new SqliteRecords(where.file);
    return {
      store,
      records,
      fence: () => undefined, // one machine: one writer, by the data directory's pid file
      pool: () => (pool ??= new ProverPool({ maxThreads: config.workers, backend: config.prover })),
      async close() {
        await pool?.close();
        await records.close();
        await store.close();
        unlock();
      },
    };
  }
  const store = new RedisJobStore({ url: where.url, prefix: config.storePrefix });
  for (const p of await store.durabilityProblems()) log.warn({ store: where.url }, `jobs in Redis: ${p}`);
  const records = new RedisRecords({ url: where.url, prefix: config.storePrefix, retentionS: config.jobRetention });
  return {
    store,
    records,
    redisUrl: where.url,
    fence: (owner) => store.fence(owner),
    // --workers: the proofs this process keeps in flight on the shared prove queue
    pool: () => (pool ??= new RemoteProver({ url: where.url, prefix: config.storePrefix, maxInFlight: config.workers })),
    async close() {
      await pool?.close();
      await records.close();
      await store.close();
    },
  };
}
