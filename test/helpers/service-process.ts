/**
 * `zksettle serve` as a child process for end-to-end tests and the bench: spawned with
 * ts-node (transpile only) on 127.0.0.1 and port 0; the URL is read from its
 * "zksettle serve listening" log line. Every log line is kept (`lines`) for assertions.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { packageRoot } from "../../prover/package/root";

const REPO_ROOT = packageRoot();

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Parsed JSON log lines (and {raw} for others) so far. */
  readonly lines: Record<string, unknown>[];
  /** Resolves with the exit code (or the signal) once the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

/**
 * Starts the service and waits until it listens.
 * @param args - `serve` flags (`--port 0 --host 127.0.0.1` are added)
 * @param env - extra environment (ZKSETTLE_SIGNER_KEY, …)
 * @param launch - another CLI to run (node arguments before `serve`) and its folder: the
 *   installed package's compiled CLI (test/package); default the sources under ts-node
 */
export async function startServiceProcess(args: string[], env: Record<string, string>, timeoutMs = 120_000, launch?: { nodeArgs: string[]; cwd: string }): Promise<ServiceProcess> {
  const nodeArgs = launch?.nodeArgs ?? ["-r", "ts-node/register/transpile-only", path.join(REPO_ROOT, "prover", "cli.ts")];
  const child = spawn(process.execPath, [...nodeArgs, "serve", "--host", "127.0.0.1", "--port", "0", ...args], {
    cwd: launch?.cwd ?? REPO_ROOT,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the service did not listen within ${timeoutMs} ms\n${stderr}`)), timeoutMs);
    readline.createInterface({ input: child.stdout! }).on("line", (line) => {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        parsed = { raw: line };
      }
      lines.push(parsed);
      if (parsed.msg === "zksettle serve listening" && typeof parsed.url === "string") {
        clearTimeout(timer);
        resolve(parsed.url);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the service exited (${code ?? signal}) before listening\n${stderr}`));
    });
  });
  return { child, url, lines, exited, kill: (s) => void child.kill(s) };
}

/** JSON over HTTP with an API key; returns status and body. */
export async function http<T = Record<string, unknown>>(url: string, opts: { method?: string; body?: unknown; key?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method: opts.method ?? (opts.body === undefined ? "GET" : "POST"),
    headers: { ...(opts.body === undefined ? {} : { "content-type": "application/json" }), ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}), ...opts.headers },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, body: (text === "" ? {} : JSON.parse(text)) as T };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
