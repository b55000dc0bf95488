/**
 * Redis for the tests. `ensureRedis()` answers the URL of the shared test Redis
 * (`ZKSETTLE_TEST_REDIS`, default redis://127.0.0.1:6390) and starts one there when
 * nothing answers, so a Redis test never skips silently. `startRedis` runs a private
 * server (its own port and folder) that a test may stop, kill and restart: always
 * with the append-only file fsynced on every write and no RDB snapshots, the setting
 * docs/operations.md asks of a deployment.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export const REDIS_SERVER = "/usr/bin/redis-server";
export const DEFAULT_TEST_REDIS = "redis://127.0.0.1:6390";

/** A redis-server this process started. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Stops it: SIGTERM (a clean shutdown) or, with `kill`, SIGKILL (a crash). */
  stop(opts?: { kill?: boolean }): Promise<void>;
  /** Stops it (crashing it with `kill`) and starts it again on the same port and folder. */
  restart(opts?: { kill?: boolean }): Promise<void>;
}

/** True when something on host:port answers PING with PONG. */
export function ping(port: number, host = "127.0.0.1", timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.on("error", () => done(false));
    sock.on("connect", () => sock.write("PING\r\n"));
    sock.on("data", (d) => done(d.toString().startsWith("+PONG")));
  });
}

async function waitFor(pred: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A TCP port nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

function spawnServer(port: number, dir: string): ChildProcess {
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--dir", dir, "--logfile", path.join(dir, "redis.log")];
  const child = spawn(REDIS_SERVER, args, { stdio: "ignore" });
  children.add(child);
  child.once("exit", () => children.delete(child));
  // the test process must not wait for its Redis to exit
  child.unref();
  return child;
}

/**
 * Starts redis-server on 127.0.0.1:`port` with its files in `dir` and waits for PING.
 * @throws when it does not answer within 10 s (its log is in `dir`/redis.log)
 */
export async function startRedis(o: { port: number; dir: string }): Promise<RedisServer> {
  fs.mkdirSync(o.dir, { recursive: true });
  let child = spawnServer(o.port, o.dir);
  await waitFor(() => ping(o.port), `redis-server on port ${o.port} (log: ${path.join(o.dir, "redis.log")})`);
  const stop = async (opts: { kill?: boolean } = {}): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.ref(); // keep this process alive until the exit is seen
    child.kill(opts.kill ? "SIGKILL" : "SIGTERM");
    // Redis ignores SIGTERM while it writes its first append-only file (after CONFIG SET
    // appendonly yes): a test's server must still go away
    const forced = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(forced);
  };
  return {
    port: o.port,
    url: `redis://127.0.0.1:${o.port}`,
    dir: o.dir,
    stop,
    async restart(opts = {}) {
      await stop(opts);
      child = spawnServer(o.port, o.dir);
      await waitFor(() => ping(o.port), `redis-server on port ${o.port} after a restart`);
    },
  };
}

/** The test Redis URL (`ZKSETTLE_TEST_REDIS`). */
export function testRedisUrl(): string {
  return process.env.ZKSETTLE_TEST_REDIS ?? DEFAULT_TEST_REDIS;
}

let ensured: Promise<string> | undefined;

/**
 * The URL of a Redis that answers: the test Redis, started here (in a temporary
 * folder, for this test run) when nothing answers on its port.
 * @throws when the test Redis is on another host and does not answer
 */
export function ensureRedis(): Promise<string> {
  ensured ??= (async () => {
    const url = new URL(testRedisUrl());
    const port = Number(url.port || 6379);
    const host = url.hostname;
    if (await ping(port, host)) return testRedisUrl();
    if (host !== "127.0.0.1" && host !== "localhost") throw new Error(`the test Redis ${url} does not answer (ZKSETTLE_TEST_REDIS)`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-redis-"));
    try {
      await startRedis({ port, dir });
    } catch (err) {
      // another test run may have started one on the same port meanwhile
      if (!(await ping(port, host))) throw err;
    }
    return testRedisUrl();
  })();
  return ensured;
}
