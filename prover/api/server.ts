/**
 * Running the app: listen, then shut down gracefully on SIGTERM/SIGINT — stop
 * taking requests (readiness goes 503, writes 503), let the ones in flight finish,
 * hand the sequencer's accepted ops to the engine (`app.close()`), then stop the
 * engine — all within `shutdownTimeout` seconds, after which the process exits 1.
 */
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Config } from "../service/config";

export interface RunningServer {
  readonly url: string;
  /** Graceful shutdown (idempotent). */
  shutdown(reason: string): Promise<void>;
}

/**
 * @param stopEngine - called after the app has closed (engine, pool, store)
 * @param exit - `process.exit` (injected in tests)
 */
export async function startServer(
  app: FastifyInstance,
  config: Config,
  log: Logger,
  stopEngine: () => Promise<void> = async () => {},
  exit: (code: number) => void = (code) => process.exit(code),
): Promise<RunningServer> {
  const url = await app.listen({ host: config.host, port: config.port });
  log.info({ url, mode: config.mode, params: config.params }, "zksettle serve listening");
  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    if (stopping !== undefined) return stopping;
    log.info({ reason }, "shutting down");
    const timer = setTimeout(() => {
      log.error({ timeoutS: config.shutdownTimeout }, "graceful shutdown timed out; exiting");
      exit(1);
    }, config.shutdownTimeout * 1000);
    timer.unref();
    stopping = (async () => {
      try {
        await app.close();
        await stopEngine();
        log.info("shutdown complete");
      } catch (err) {
        log.error({ err }, "error during shutdown");
        exit(1);
      } finally {
        clearTimeout(timer);
      }
    })();
    return stopping;
  };
  for (const sig of ["SIGTERM", "SIGINT"] as const) process.once(sig, () => void shutdown(sig).then(() => exit(0)));
  return { url, shutdown };
}
