/**
 * `zksettle worker`: a prover process on the shared `prove` queue (docs/operations.md,
 * "Workers"). Runs until SIGTERM/SIGINT: the first signal stops taking jobs and lets the
 * running proofs finish for `--drain` seconds, a second one puts them back in the queue
 * at once. Exits 2 on a bad option or a circuit mismatch, 0 after a clean stop.
 */
import { Command, type Option } from "commander";
import { localOption, sharedOption, withVocabulary, type LocalSpec } from "./cli-options";
import { circuitDir } from "../service/config";
import { createLogger } from "../log/logger";
import type { BackendChoice } from "../zk/backend";
import { backendProblem, resolveBackend } from "../zk/load-backend";
import { circuitId, redisUrl } from "../remote/circuit-id";
import { QueueError } from "../remote/errors";
import { QueueWorker } from "../remote/worker";

interface WorkerFlags {
  store: string;
  storePrefix: string;
  workers: number;
  params: string;
  buildDir: string;
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

/** The old flags `worker` refuses, naming the new ones (cli-options.ts). */
export const WORKER_RENAMED = ["--prefix", "--threads", "--build"] as const;

/** The `worker` command, for `program().addCommand(...)`. */
export function workerCommand(): Command {
  const local = (s: LocalSpec): Option => localOption("worker", s);
  const cmd = new Command("worker")
    .description("run a prover worker on the shared Redis prove queue (BullMQ)")
    .addOption(sharedOption("store", { required: true }))
    .addOption(sharedOption("storePrefix"))
    .addOption(sharedOption("workers", { default: 1 }))
    .addOption(sharedOption("params"))
    .addOption(sharedOption("buildDir"))
    .addOption(local({ key: "id", kind: "string", help: "worker id in the registry and metrics", defaultText: "<hostname>-<pid>" }))
    .addOption(local({ key: "lockDuration", kind: "int", unit: "ms", min: 1, help: "job lock; a dead worker's job is re-delivered after it", default: 30_000 }))
    .addOption(local({ key: "stalledInterval", kind: "int", unit: "ms", min: 1, help: "how often to look for stalled jobs", default: 15_000 }))
    .addOption(local({ key: "maxStalled", kind: "int", min: 0, help: "stalls a job survives before it fails", default: 2 }))
    .addOption(local({ key: "heartbeat", kind: "int", unit: "ms", min: 1, help: "registry refresh (TTL: three of these)", default: 5000 }))
    .addOption(local({ key: "drain", kind: "number", unit: "s", min: 0, help: "on SIGTERM, seconds running proofs may finish before they go back to the queue", default: 60 }))
    .addOption(local({ key: "singleThreadCurve", kind: "bool", help: "one core per proof even with --workers 1 (several workers on one machine)" }))
    .addOption(sharedOption("prover"))
    .addOption(sharedOption("logLevel"));
  return withVocabulary(cmd, WORKER_RENAMED)
    .action(async (f: WorkerFlags) => {
      const log = createLogger(f.logLevel);
      let worker: QueueWorker;
      try {
        redisUrl(f.store);
        circuitId(circuitDir(f));
        const problem = backendProblem(f.prover);
        if (problem !== undefined) {
          process.stderr.write(`zksettle worker: ${problem}\n`);
          process.exit(2);
        }
        worker = new QueueWorker({
          url: f.store,
          prefix: f.storePrefix,
          threads: f.workers,
          circuitDir: circuitDir(f),
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
