/**
 * Per-worker gauges for `/metrics` when the service proves through the queue
 * (prover/service/metrics.ts registers the service's own). They read the worker
 * registry at scrape time, so a worker that died drops out once its entry expires.
 *
 *   zksettle_workers                       workers announced in Redis
 *   zksettle_worker_threads{worker}        proving threads of each
 *   zksettle_worker_busy{worker}           jobs each is running
 *   zksettle_worker_proofs_total{worker}   proofs each made since it started
 *   zksettle_worker_last_seen_seconds{worker}  age of its last heartbeat
 */
import { Gauge, type Registry } from "prom-client";
import type { WorkerInfo } from "./types";

/** Where the gauges read the workers (RemoteProver.workers in the service). */
export type WorkerSource = () => Promise<readonly WorkerInfo[]>;

/**
 * Registers the worker gauges on `registry` (ServiceMetrics.registry in the service).
 * A scrape that cannot reach Redis leaves the gauges empty rather than failing `/metrics`.
 */
export function registerWorkerMetrics(registry: Registry, source: WorkerSource, now: () => number = Date.now): void {
  let last: { at: number; workers: Promise<readonly WorkerInfo[]> } | undefined;
  // one Redis read per scrape, shared by the five gauges' collect()
  const read = (): Promise<readonly WorkerInfo[]> => {
    const t = now();
    if (last === undefined || t - last.at > 500) last = { at: t, workers: source().catch(() => []) };
    return last.workers;
  };
  const perWorker = (name: string, help: string, value: (w: WorkerInfo) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ["worker"],
      registers: [registry],
      async collect() {
        const ws = await read();
        this.reset();
        for (const w of ws) this.set({ worker: w.id }, value(w));
      },
    });
  };
  new Gauge({
    name: "zksettle_workers",
    help: "Prover workers announced in Redis (within their heartbeat TTL)",
    registers: [registry],
    async collect() {
      this.set((await read()).length);
    },
  });
  perWorker("zksettle_worker_threads", "Proving threads of each worker", (w) => w.threads);
  perWorker("zksettle_worker_busy", "Jobs each worker is running", (w) => w.busy);
  perWorker("zksettle_worker_proofs_total", "Proofs each worker made since it started", (w) => w.proofs);
  perWorker("zksettle_worker_last_seen_seconds", "Seconds since each worker's last heartbeat", (w) => Math.max(0, (now() - w.lastSeen) / 1000));
}
