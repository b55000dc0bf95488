/**
 * Configuration of `zksettle serve`: one table of options, read from (highest first)
 * command-line flags, the environment (`ZKSETTLE_<NAME>`), a JSON config file
 * (`--config`, camelCase keys) and the defaults. Everything is validated at start;
 * every problem is reported at once, naming the option and where its value came from.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import os from "node:os";
import { KEY_ENTRY } from "./key-entry";
import { packagePath } from "../package/root";

type Kind = "int" | "number" | "string" | "bool" | "list";

/** One option: its key (camelCase, = config-file key), flag, type, bounds and help. */
export interface OptionSpec {
  readonly key: keyof Config;
  readonly kind: Kind;
  readonly help: string;
  readonly min?: number;
  readonly max?: number;
  readonly choices?: readonly string[];
  readonly pattern?: RegExp;
  /** Never printed (logs, `config` command). */
  readonly secret?: boolean;
  /** Unit of a number, printed after its default in `--help` ("(default 2000 ms)"). */
  readonly unit?: Unit;
  /** The default in words where it is computed (`--help`). */
  readonly defaultText?: string;
}

/** Units of numeric options, as `--help` prints them. */
export type Unit = "ms" | "s" | "bytes" | "blocks" | "bps" | "requests/min";

/** The validated configuration. */
export interface Config {
  mode: "sequencer" | "batch";
  host: string;
  port: number;
  params: string;
  buildDir: string;
  dataDir: string;
  store: string;
  storePrefix: string;
  leaderTtlMs: number;
  genesis: string;
  devGenesis: boolean;
  apiKeyHashes: string[];
  bodyLimit: number;
  maxQueue: number;
  retryAfter: number;
  rateLimit: number;
  idempotencyCache: number;
  batchInterval: number;
  maxRestingOrders: number;
  makerFeeBps: number;
  takerFeeBps: number;
  devOracle: boolean;
  workers: number;
  prover: "auto" | "native" | "snarkjs";
  rpcUrl: string;
  settlement: string;
  signerKey: string;
  confirmations: number;
  replaceAfter: number;
  pollInterval: number;
  fromBlock: number;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  shutdownTimeout: number;
  riskConfig: string;
  maxOracleDrift: number;
  jobRetention: number;
  storeTimeout: number;
  signatureChecker: "auto" | "native" | "threads";
  signatureThreads: number;
}

/** Every option, in `--help` order. */
export const OPTIONS: readonly OptionSpec[] = [
  { key: "mode", kind: "string", choices: ["sequencer", "batch"], help: "sequencer: clients post signed ops, the service cuts batches; batch: an operator posts whole batches" },
  { key: "host", kind: "string", help: "address to listen on" },
  { key: "port", kind: "int", min: 0, max: 65535, help: "TCP port (0: any free port)" },
  { key: "params", kind: "string", pattern: /^[A-Za-z0-9_-]+$/, help: "circuit parameter set (circuits/params/<name>.json, build/<name>/)" },
  { key: "buildDir", kind: "string", defaultText: "build/<params>/", help: "override: a circuit build folder (setup.json, wasm, zkey) kept elsewhere than build/<params>/" },
  { key: "dataDir", kind: "string", help: "directory of the job store (SQLite file)" },
  { key: "store", kind: "string", help: "job store: sqlite (DATA_DIR/jobs.sqlite), sqlite:PATH or a path, or redis://HOST:PORT[/DB] for many machines (jobs in Redis, one leader, remote workers)" },
  { key: "storePrefix", kind: "string", pattern: /^[A-Za-z0-9_.-]+$/, help: "redis store: key prefix of this deployment (jobs, leader lease, prove queue)" },
  { key: "leaderTtlMs", kind: "int", unit: "ms", min: 300, max: 600_000, help: "redis store: leader lease in ms; a dead leader is replaced within it" },
  { key: "genesis", kind: "string", help: "genesis of the settlement contract: a JSON file (docs/operations.md, \"Genesis file\")" },
  { key: "devGenesis", kind: "bool", help: "use the INSECURE dev genesis of prover/dev/fixtures.ts (tests and demo only)" },
  {
    key: "apiKeyHashes",
    kind: "list",
    pattern: KEY_ENTRY,
    help: "comma-separated API keys of the write routes: [role[+role…]:]<sha256 hex> (zksettle hash-key <key>); roles trader, operator, oracle, read-only; a bare digest is trader+operator+oracle",
  },
  { key: "bodyLimit", kind: "int", unit: "bytes", min: 1024, max: 64 * 1024 * 1024, help: "largest request body, bytes" },
  { key: "maxQueue", kind: "int", min: 1, max: 1_000_000, help: "most unfinished jobs; beyond it writes get 429" },
  { key: "retryAfter", kind: "int", unit: "s", min: 1, max: 3600, help: "Retry-After seconds on a 429 for a full queue" },
  { key: "rateLimit", kind: "int", unit: "requests/min", min: 0, max: 1_000_000, help: "requests per minute per client address (0: no limit)" },
  { key: "idempotencyCache", kind: "int", min: 1, max: 10_000_000, help: "idempotency keys of ops remembered (oldest forgotten first)" },
  { key: "batchInterval", kind: "number", unit: "s", min: 0.01, max: 86_400, help: "sequencer: seconds after its first op a batch is cut even when not full" },
  { key: "maxRestingOrders", kind: "int", min: 1, max: 10_000_000, help: "sequencer: most resting orders over all markets" },
  { key: "makerFeeBps", kind: "int", unit: "bps", min: 0, max: 255, help: "sequencer: maker fee, basis points" },
  { key: "takerFeeBps", kind: "int", unit: "bps", min: 0, max: 255, help: "sequencer: taker fee, basis points" },
  { key: "devOracle", kind: "bool", help: "sign batch headers with the INSECURE dev oracle keys (tests and demo only)" },
  { key: "workers", kind: "int", defaultText: "cores − 1", min: 1, max: 1024, help: "proofs at once (prover worker threads)" },
  { key: "prover", kind: "string", choices: ["auto", "native", "snarkjs"], help: "prover backend: native (arkworks addon, npm run build:native), snarkjs, or auto (native where built)" },
  { key: "rpcUrl", kind: "string", help: "JSON-RPC endpoint of the chain" },
  { key: "settlement", kind: "string", pattern: /^(0x[0-9a-fA-F]{40})?$/, help: "address of the settlement contract" },
  { key: "signerKey", kind: "string", secret: true, pattern: /^(0x[0-9a-fA-F]{64})?$/, help: "private key of the submitting account (prefer ZKSETTLE_SIGNER_KEY)" },
  { key: "confirmations", kind: "int", unit: "blocks", min: 1, max: 1000, help: "blocks a batch needs before it is confirmed" },
  { key: "replaceAfter", kind: "int", unit: "s", min: 1, max: 86_400, help: "seconds before an unmined transaction is replaced with higher fees" },
  { key: "pollInterval", kind: "int", unit: "ms", min: 10, max: 600_000, help: "milliseconds between chain polls (receipts, confirmations, reorgs, the deposit queue; fallback: between rounds with nothing to do)" },
  { key: "fromBlock", kind: "int", min: 0, max: Number.MAX_SAFE_INTEGER, help: "first block scanned for the contract's events (its deployment block)" },
  { key: "logLevel", kind: "string", choices: ["fatal", "error", "warn", "info", "debug", "trace", "silent"], help: "log level" },
  { key: "shutdownTimeout", kind: "int", unit: "s", min: 1, max: 3600, help: "seconds a graceful shutdown waits for requests and the engine" },
  { key: "riskConfig", kind: "string", help: "JSON file of the latency-aware margin's parameters (docs/risk.md section 5); empty: the defaults" },
  { key: "maxOracleDrift", kind: "int", unit: "s", min: 0, max: 86_400, help: "sequencer: seconds an oracle header's timestamp may run ahead of this clock (set it to the contract's MAX_ORACLE_DRIFT)" },
  { key: "jobRetention", kind: "int", unit: "s", min: 0, max: 10 * 365 * 86_400, help: "seconds a confirmed or cancelled job (and an idempotency record) is kept after it finished; 0: forever" },
  { key: "storeTimeout", kind: "int", unit: "ms", min: 100, max: 600_000, help: "milliseconds a request waits for the job store (Redis) before it answers 503 with Retry-After" },
  { key: "signatureChecker", kind: "string", choices: ["auto", "native", "threads"], help: "sequencer: what checks order signatures off the event loop: native (the addon, npm run build:native), threads (circomlibjs on --signature-threads worker threads), or auto (native where built)" },
  { key: "signatureThreads", kind: "int", min: 0, max: 256, help: "sequencer: worker threads of --signature-checker threads (0: on the event loop)" },
];

/** The defaults. */
export function defaultConfig(): Config {
  return {
    mode: "batch",
    host: "127.0.0.1",
    port: 8080,
    params: "ci",
  buildDir: "",
    dataDir: "./data",
    store: "sqlite",
    storePrefix: "zksettle",
    leaderTtlMs: 10_000,
    genesis: "",
    devGenesis: false,
    apiKeyHashes: [],
    bodyLimit: 1024 * 1024,
    maxQueue: 64,
    retryAfter: 5,
    rateLimit: 6000,
    idempotencyCache: 100_000,
    batchInterval: 10,
    maxRestingOrders: 100_000,
    makerFeeBps: 0,
    takerFeeBps: 0,
    devOracle: false,
    workers: Math.max(1, os.availableParallelism() - 1),
    prover: "auto",
    rpcUrl: "http://127.0.0.1:8545",
    settlement: "",
    signerKey: "",
    confirmations: 1,
    replaceAfter: 60,
    pollInterval: 2000,
    fromBlock: 0,
    logLevel: "info",
    shutdownTimeout: 30,
    riskConfig: "",
    maxOracleDrift: 300,
    jobRetention: 7 * 86_400,
    storeTimeout: 5000,
    signatureChecker: "auto",
    signatureThreads: Math.max(1, os.availableParallelism() - 1),
  };
}

/** `dataDir` → `--data-dir`. */
export function flagOf(key: string): string {
  return "--" + key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}

/** `dataDir` → `ZKSETTLE_DATA_DIR`. */
export function envOf(key: string): string {
  return "ZKSETTLE_" + key.replace(/[A-Z]/g, (c) => "_" + c).toUpperCase();
}


/**
 * The circuit build folder of `--params` and `--build-dir`, the same for every command:
 * `--build-dir` when given, else `build/<params>/` of the repository.
 */
export function circuitDir(c: { readonly params: string; readonly buildDir: string }): string {
  return c.buildDir !== "" ? resolve(c.buildDir) : packagePath("build", c.params);
}

/** Thrown at start when the configuration is not valid; `problems` lists each. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Where each value comes from. */
export interface ConfigSources {
  /** Parsed flags (commander's values, camelCase keys; strings or booleans). */
  readonly flags?: Record<string, unknown>;
  /** The environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** A JSON config file path (else `flags.config` or `ZKSETTLE_CONFIG`). */
  readonly file?: string;
}

function parseValue(spec: OptionSpec, raw: unknown, where: string): { value?: unknown; problem?: string } {
  const name = `${spec.key} (${where})`;
  const show = spec.secret ? "<secret>" : JSON.stringify(raw);
  switch (spec.kind) {
    case "bool":
      if (typeof raw === "boolean") return { value: raw };
      if (raw === "true" || raw === "1") return { value: true };
      if (raw === "false" || raw === "0") return { value: false };
      return { problem: `${name}: ${show} is not a boolean (true/false)` };
    case "int":
    case "number": {
      // strict decimal: Number() would read "1e3" as 1000 and "0x50" as 80
      const decimal = spec.kind === "int" ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)$/;
      const n = typeof raw === "number" ? raw : typeof raw === "string" && decimal.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isFinite(n) || (spec.kind === "int" && !Number.isInteger(n))) return { problem: `${name}: ${show} is not ${spec.kind === "int" ? "an integer" : "a number"}` };
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        return { problem: `${name}: ${n} outside ${spec.min ?? "-∞"}..${spec.max ?? "∞"}` };
      }
      return { value: n };
    }
    case "list": {
      const items = Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(",").map((s) => s.trim()).filter((s) => s !== "") : undefined;
      if (items === undefined || items.some((s) => typeof s !== "string")) return { problem: `${name}: ${show} is not a list of strings` };
      const bad = (items as string[]).find((s) => spec.pattern !== undefined && !spec.pattern.test(s));
      if (bad !== undefined) return { problem: `${name}: ${JSON.stringify(bad)} does not match ${spec.pattern}` };
      return { value: items };
    }
    case "string":
      if (typeof raw !== "string") return { problem: `${name}: ${show} is not a string` };
      if (spec.choices !== undefined && !spec.choices.includes(raw)) return { problem: `${name}: ${show} is not one of ${spec.choices.join(", ")}` };
      if (spec.pattern !== undefined && !spec.pattern.test(raw)) return { problem: `${name}: ${show} does not match ${spec.pattern}` };
      return { value: raw };
  }
}

function readFile(path: string, problems: string[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    problems.push(`config file ${path}: cannot read it (${(e as Error).message})`);
    return {};
  }
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    problems.push(`config file ${path}: not a JSON object`);
  } catch (e) {
    problems.push(`config file ${path}: not valid JSON (${(e as Error).message})`);
  }
  return {};
}

/**
 * The configuration from flags, environment, file and defaults.
 * @throws ConfigError listing every invalid value, unknown file key and inconsistency
 */
export function loadConfig(src: ConfigSources = {}): Config {
  const flags = src.flags ?? {};
  const env = src.env ?? {};
  const problems: string[] = [];
  const filePath = src.file ?? (typeof flags.config === "string" ? flags.config : env.ZKSETTLE_CONFIG);
  const file = filePath === undefined || filePath === "" ? {} : readFile(filePath, problems);
  const known = new Set<string>(OPTIONS.map((o) => o.key));
  for (const k of Object.keys(file)) if (!known.has(k)) problems.push(`config file ${filePath}: unknown key ${JSON.stringify(k)}`);

  const cfg = defaultConfig() as unknown as Record<string, unknown>;
  for (const spec of OPTIONS) {
    const layers: [unknown, string][] = [
      [flags[spec.key], flagOf(spec.key)],
      [env[envOf(spec.key)], envOf(spec.key)],
      [file[spec.key], `config file ${filePath}`],
    ];
    const hit = layers.find(([v]) => v !== undefined);
    if (hit === undefined) continue;
    const r = parseValue(spec, hit[0], hit[1]);
    if (r.problem !== undefined) problems.push(r.problem);
    else cfg[spec.key] = r.value;
  }
  const c = cfg as unknown as Config;
  const store = parseStore(c.store, c.dataDir);
  if ("problem" in store) problems.push(`store: ${store.problem}`);
  const rpc = rpcUrlProblem(c.rpcUrl);
  if (rpc !== undefined) problems.push(`rpcUrl: ${rpc}`);
  if (problems.length === 0) {
    if (c.devOracle && c.mode !== "sequencer") problems.push("devOracle: only meaningful with mode sequencer");
    if (c.devGenesis && c.genesis !== "") problems.push("genesis: give either --genesis FILE or --dev-genesis, not both");
    if (c.apiKeyHashes.length === 0) problems.push(`apiKeyHashes: no API key is configured; write routes would refuse every request (set ${envOf("apiKeyHashes")} or ${flagOf("apiKeyHashes")})`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return c;
}

/** Why `url` is not an http(s) or ws(s) JSON-RPC endpoint, or undefined. */
export function rpcUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `${JSON.stringify(url)} is not a URL (e.g. http://127.0.0.1:8545)`;
  }
  if (!["http:", "https:", "ws:", "wss:"].includes(u.protocol)) return `${JSON.stringify(url)}: the scheme must be http, https, ws or wss`;
  if (u.hostname === "") return `${JSON.stringify(url)} names no host`;
  return undefined;
}

/** Where the jobs are kept (`--store`). */
export type StoreLocation = { readonly kind: "sqlite"; readonly file: string } | { readonly kind: "redis"; readonly url: string };

/**
 * Reads `--store`: `sqlite` (the data directory's jobs.sqlite), `sqlite:PATH` or a
 * path, or `redis://HOST:PORT[/DB]`.
 * @returns the location, or the problem with the value
 */
export function parseStore(store: string, dataDir: string): StoreLocation | { readonly problem: string } {
  if (store === "sqlite" || store === "") return { kind: "sqlite", file: join(dataDir, "jobs.sqlite") };
  if (store.startsWith("sqlite:")) {
    const file = store.slice("sqlite:".length);
    return file === "" ? { problem: "sqlite: needs a file path (sqlite:PATH)" } : { kind: "sqlite", file };
  }
  if (!/^rediss?:/i.test(store)) return { kind: "sqlite", file: store };
  const bad = { problem: `${JSON.stringify(store)} is not redis://HOST:PORT[/DB] (e.g. redis://127.0.0.1:6379/0)` };
  let url: URL;
  try {
    url = new URL(store);
  } catch {
    return bad;
  }
  const db = url.pathname.replace(/^\//, "");
  if (url.protocol !== "redis:" || url.hostname === "" || !/^\d+$/.test(url.port) || Number(url.port) > 65535 || !/^(\d{1,2})?$/.test(db) || url.search !== "" || url.hash !== "") return bad;
  return { kind: "redis", url: store };
}

/** The configuration with secrets masked, for logs and `zksettle config`. */
export function redacted(c: Config): Record<string, unknown> {
  const out: Record<string, unknown> = { ...c };
  for (const o of OPTIONS) if (o.secret && out[o.key] !== "") out[o.key] = "<redacted>";
  return out;
}
