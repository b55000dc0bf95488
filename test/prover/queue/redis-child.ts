/**
 * A throwaway redis-server for the queue tests: a child process on a free loopback
 * port with its own temp dir, AOF on and fsync'd on every write (so `restart()` shows
 * what a crash-safe Redis keeps). No daemon: killing the child is enough to stop it.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export interface TestRedis {
  readonly url: string;
  readonly port: number;
  /** Kills the server (SIGKILL: no save on the way out) and starts it again on the same dir and port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const REDIS = "/usr/bin/redis-server";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitPing(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" });
    if (r.stdout.trim() === "PONG") return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING`);
}

/**
 * Starts redis-server; fails loudly (never skips) when it is not installed.
 * @param opts.appendfsync - AOF fsync policy (default `always`: nothing acknowledged is lost)
 */
export async function startTestRedis(opts: { appendfsync?: "always" | "everysec" } = {}): Promise<TestRedis> {
  if (!fs.existsSync(REDIS)) throw new Error(`${REDIS} is missing: apt-get install -y redis-server`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-redis-"));
  const port = await freePort();
  let child: ChildProcess;
  const start = async (): Promise<void> => {
    child = spawn(REDIS, ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes", "--appendfsync", opts.appendfsync ?? "always", "--save", ""], { stdio: "ignore" });
    await waitPing(port);
  };
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    restart: async () => {
      await kill();
      await start();
    },
    stop: async () => {
      await kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
