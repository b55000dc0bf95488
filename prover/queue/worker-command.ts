/**
 * `zksettle worker`: a prover process on the shared `prove` queue (docs/operations.md,
 * "Workers"). Runs until SIGTERM/SIGINT: the first signal stops taking jobs and lets the
 * running proofs finish for `--drain` seconds, a second one puts them back in the queue
 * at once. Exits 2 on a bad option or a circuit mismatch, 0 after a clean stop.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { createLogger } from "../service/log";
import type { BackendChoice } from "../zk/backend";
import { backendProblem, parseBackendChoice, resolveBackend } from "../zk/load-backend";
import { circuitId, redisUrl } from "./circuit-id";
import { QueueError } from "./errors";
import { QueueWorker } from "./worker";

interface WorkerFlags {
  store: string;
  prefix: string;
  threads: number;
  build: string;
  id?: string;
  lockDuration: number;
  stalledInterval: number;
  maxStalled: number;
  heartbeat: number;
  drain: number;
  singleThreadCurve?: boolean;
  prover: BackendChoice;
  logLevel: string;
}

function positiveInt(v: string): number {
  const n = /^\+?\d+$/.test(v) ? Number(v) : NaN; // decimal only: Number() takes 1e3 and 0x50
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

function nonNegative(v: string): number {
  const n = /^\+?(\d+\.?\d*|\.\d+)$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError("expected a number ≥ 0");
  return n;
}

/** The `worker` command, for `program().addCommand(...)`. */
export function workerCommand(): Command {
  return new Command("worker")
    .description("run a prover worker on the shared Redis prove queue (BullMQ)")
    .addOption(new Option("--store <url>", "Redis URL, redis://HOST:PORT[/DB]").env("ZKSETTLE_STORE").makeOptionMandatory())
    .addOption(new Option("--prefix <p>", "key prefix shared with the service").env("ZKSETTLE_PREFIX").default("zksettle"))
    .addOption(new Option("--threads <n>", "proofs at once (prover threads)").env("ZKSETTLE_WORKER_THREADS").argParser(positiveInt).default(1))
    .addOption(new Option("--build <dir>", "circuit build folder (must match the service's)").env("ZKSETTLE_BUILD").default("build/ci"))
    .addOption(new Option("--id <id>", "worker id in the registry and metrics (default <hostname>-<pid>)").env("ZKSETTLE_WORKER_ID"))
    .addOption(new Option("--lock-duration <ms>", "job lock; a dead worker's job is re-delivered after it").argParser(positiveInt).default(30_000))
    .addOption(new Option("--stalled-interval <ms>", "how often to look for stalled jobs").argParser(positiveInt).default(15_000))
    .addOption(new Option("--max-stalled <n>", "stalls a job survives before it fails").argParser(nonNegative).default(2))
    .addOption(new Option("--heartbeat <ms>", "registry refresh (TTL: three of these)").argParser(positiveInt).default(5000))
    .addOption(new Option("--drain <s>", "on SIGTERM, seconds running proofs may finish before they go back to the queue").argParser(nonNegative).default(60))
    .addOption(new Option("--single-thread-curve", "one core per proof even with --threads 1 (several workers on one machine)"))
    .addOption(
      new Option("--prover <backend>", "prover backend: native (arkworks addon, npm run build:native), snarkjs, or auto (native where built)")
        .env("ZKSETTLE_PROVER")
        .argParser((v) => {
          try {
            return parseBackendChoice(v);
          } catch (e) {
            throw new InvalidArgumentError((e as Error).message);
          }
        })
        .default("auto"),
    )
    .addOption(new Option("--log-level <level>", "pino level").env("ZKSETTLE_LOG_LEVEL").default("info"))
    .action(async (f: WorkerFlags) => {
      const log = createLogger(f.logLevel);
      let worker: QueueWorker;
      try {
        redisUrl(f.store);
        circuitId(f.build);
        const problem = backendProblem(f.prover);
        if (problem !== undefined) {
          process.stderr.write(`zksettle worker: ${problem}\n`);
          process.exit(2);
        }
        worker = new QueueWorker({
          url: f.store,
          prefix: f.prefix,
          threads: f.threads,
          circuitDir: f.build,
          id: f.id,
          lockDurationMs: f.lockDuration,
          stalledIntervalMs: f.stalledInterval,
          maxStalledCount: f.maxStalled,
          heartbeatMs: f.heartbeat,
          singleThreadCurve: f.singleThreadCurve,
          backend: f.prover,
          log,
        });
      } catch (e) {
        if (!(e instanceof QueueError)) throw e;
        process.stderr.write(`zksettle worker: ${e.message}\n`);
        process.exit(2);
      }
      let signals = 0;
      const stop = (signal: NodeJS.Signals): void => {
        signals++;
        log.info({ signal, running: worker.busy }, signals === 1 ? "draining" : "returning running jobs to the queue");
        void worker.close(signals === 1 ? f.drain * 1000 : 0);
      };
      process.on("SIGTERM", stop).on("SIGINT", stop);
      const { name, fallback } = resolveBackend(f.prover);
      log.info({ backend: name, requested: f.prover, fallback }, `proving with the ${name} backend`);
      await worker.waitUntilReady();
      log.info({ worker: worker.id }, "zksettle worker ready");
      const exit = await worker.done;
      process.exit(exit.reason === "circuit-mismatch" ? 2 : 0);
    });
}
