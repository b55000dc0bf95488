/**
 * A read-only probe of a settlement chain's JSON-RPC endpoint: block interval
 * distribution and time to finality, bounded in requests, bytes and time. It sends
 * only `eth_chainId`, `web3_clientVersion`, `eth_blockNumber` and `eth_getBlockByNumber` (no transaction, no
 * state change), only to the URL it is given, and fails with a typed `ProbeError` whose
 * message names the endpoint (without its path, which may hold an API key), the method
 * and what went wrong.
 *
 * ```
 * interval_i     = timestamp(b_i) − timestamp(b_{i−1})          over the last `blocks` blocks
 * inclusion      ≈ one block interval (a transaction sent just after a block waits for the next)
 * confirmations  = sum of (N − 1) consecutive intervals           rule "confirmations", N blocks
 *                = sum of `depth` consecutive intervals           rule "finalized", depth = head − finalized
 * ```
 * Without sending a transaction the probe cannot see the mempool, so inclusion assumes
 * fees high enough for the next block; the service's own submitter samples measure the
 * real wait. When the sample holds too few intervals for a sum, depth × the interval
 * quantile stands in (an upper bound for comonotone intervals).
 */
import { quantiles, type Quantiles } from "./latency-window";

/** The kinds of failure, each with its own message. */
export type ProbeErrorCode = "PROBE_BAD_URL" | "PROBE_BAD_OPTION" | "PROBE_TIMEOUT" | "PROBE_HTTP" | "PROBE_RPC" | "PROBE_GARBAGE" | "PROBE_NETWORK" | "PROBE_TOO_FEW_BLOCKS";

/** A failed probe. */
export class ProbeError extends Error {
  constructor(
    readonly code: ProbeErrorCode,
    message: string,
    readonly method?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ProbeError";
  }
}

/** Options of `probeRpc`; every bound has a default and a hard limit. */
export interface ProbeOptions {
  readonly url: string;
  /** Recent blocks to read (2..1024, default 32). */
  readonly blocks?: number;
  /** Per-request timeout, ms (1..120000, default 5000). */
  readonly timeoutMs?: number;
  /** Whole-probe deadline, ms (default 30000). */
  readonly deadlineMs?: number;
  /** N of the confirmations rule (1..10000, default 3). */
  readonly confirmations?: number;
  /** auto: the `finalized` tag when the node answers it, else N confirmations. */
  readonly finality?: "auto" | "confirmations" | "finalized";
  /** Largest response body, bytes (default 1 MiB). */
  readonly maxBytes?: number;
  /** For tests: the fetch to use (default: global fetch). */
  readonly fetch?: typeof fetch;
}

/** What the probe found, in seconds. */
export interface ProbeReport {
  readonly endpoint: string;
  readonly chainId: number;
  /** `web3_clientVersion` (undefined where the node does not answer it). */
  readonly clientVersion?: string;
  readonly head: number;
  readonly blocksSampled: number;
  readonly blockInterval: Quantiles & { readonly mean: number };
  readonly finality: { readonly rule: "finalized" | "confirmations"; readonly depthBlocks: number; readonly observedLagSeconds?: number };
  readonly inclusion: Quantiles;
  readonly confirmations: Quantiles;
  /** inclusion + confirmations per quantile: the chain's share of T. */
  readonly chainT: { readonly p50: number; readonly p95: number; readonly p99: number };
  readonly requests: number;
  readonly elapsedMs: number;
}

const LIMITS = { blocks: [2, 1024], timeoutMs: [1, 120_000], deadlineMs: [1, 600_000], confirmations: [1, 10_000] } as const;

function bounded(name: keyof typeof LIMITS, v: number | undefined, dflt: number): number {
  const x = v ?? dflt;
  const [lo, hi] = LIMITS[name];
  if (!Number.isInteger(x) || x < lo || x > hi) throw new ProbeError("PROBE_BAD_OPTION", `${name} = ${x} is outside ${lo}..${hi}`);
  return x;
}

/** The endpoint without credentials or path (`https://host:port/…`): safe to print. */
export function redactUrl(u: URL): string {
  return `${u.protocol}//${u.host}${u.pathname.length > 1 || u.search !== "" ? "/…" : "/"}`;
}

/** Reads a body up to `max` bytes; more is garbage (a probe reads small answers). */
async function readCapped(res: Response, max: number, where: string, method: string): Promise<string> {
  if (res.body === null) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.byteLength;
    if (n > max) {
      await reader.cancel();
      throw new ProbeError("PROBE_GARBAGE", `${where} answered ${method} with more than ${max} bytes`, method);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const snippet = (s: string): string => JSON.stringify(s.length > 120 ? s.slice(0, 120) + "…" : s);

/** A bounded JSON-RPC client over one URL. */
class Rpc {
  requests = 0;
  private id = 0;
  readonly where: string;
  constructor(
    private readonly url: URL,
    private readonly timeoutMs: number,
    private readonly deadline: number,
    private readonly maxBytes: number,
    private readonly doFetch: typeof fetch,
  ) {
    this.where = redactUrl(url);
  }

  async call(method: string, params: unknown[]): Promise<unknown> {
    const left = this.deadline - Date.now();
    if (left <= 0) throw new ProbeError("PROBE_TIMEOUT", `${this.where}: probe deadline passed before ${method}`, method);
    const ms = Math.min(this.timeoutMs, left);
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), ms);
    const id = ++this.id;
    this.requests++;
    try {
      let res: Response;
      try {
        res = await this.doFetch(this.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
          signal: ac.signal,
          redirect: "error",
        });
      } catch (e) {
        if (ac.signal.aborted) throw new ProbeError("PROBE_TIMEOUT", `${this.where}: ${method} timed out after ${ms} ms`, method, { cause: e });
        const why = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
        throw new ProbeError("PROBE_NETWORK", `${this.where}: ${method} failed to connect: ${why}`, method, { cause: e });
      }
      let text: string;
      try {
        text = await readCapped(res, this.maxBytes, this.where, method);
      } catch (e) {
        if (e instanceof ProbeError) throw e;
        if (ac.signal.aborted) throw new ProbeError("PROBE_TIMEOUT", `${this.where}: ${method} timed out after ${ms} ms (reading the answer)`, method, { cause: e });
        throw new ProbeError("PROBE_NETWORK", `${this.where}: ${method}: connection broke while reading the answer`, method, { cause: e });
      }
      if (!res.ok) throw new ProbeError("PROBE_HTTP", `${this.where}: ${method} got HTTP ${res.status} ${res.statusText}: ${snippet(text)}`, method);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new ProbeError("PROBE_GARBAGE", `${this.where}: ${method} answered with something that is not JSON: ${snippet(text)}`, method);
      }
      if (typeof body !== "object" || body === null || Array.isArray(body)) {
        throw new ProbeError("PROBE_GARBAGE", `${this.where}: ${method} answered with JSON that is not a JSON-RPC response: ${snippet(text)}`, method);
      }
      const o = body as Record<string, unknown>;
      if (o.error !== undefined && o.error !== null) {
        const err = o.error as Record<string, unknown>;
        throw new ProbeError("PROBE_RPC", `${this.where}: ${method} returned JSON-RPC error ${String(err.code)}: ${String(err.message)}`, method);
      }
      if (!("result" in o) || o.id !== id) {
        throw new ProbeError("PROBE_GARBAGE", `${this.where}: ${method} answered without a result for request id ${id}: ${snippet(text)}`, method);
      }
      return o.result;
    } finally {
      clearTimeout(timer);
    }
  }
}

function hexInt(v: unknown, what: string, where: string, method: string): number {
  if (typeof v !== "string" || !/^0x[0-9a-fA-F]{1,15}$/.test(v)) {
    throw new ProbeError("PROBE_GARBAGE", `${where}: ${method} gave ${what} = ${snippet(JSON.stringify(v) ?? String(v))}, not a hex quantity`, method);
  }
  return parseInt(v, 16);
}

interface BlockHead {
  readonly number: number;
  readonly timestamp: number;
}

async function block(rpc: Rpc, tag: string): Promise<BlockHead | null> {
  const m = "eth_getBlockByNumber";
  const b = await rpc.call(m, [tag, false]);
  if (b === null) return null;
  if (typeof b !== "object") throw new ProbeError("PROBE_GARBAGE", `${rpc.where}: ${m}(${tag}) gave ${snippet(JSON.stringify(b))}, not a block`, m);
  const o = b as Record<string, unknown>;
  return { number: hexInt(o.number, "number", rpc.where, m), timestamp: hexInt(o.timestamp, "timestamp", rpc.where, m) };
}

/** Quantiles of sums of k consecutive intervals, or k × the interval quantiles when there are too few. */
export function windowSums(intervals: readonly number[], k: number): Quantiles {
  if (k <= 0) return { p50: 0, p95: 0, p99: 0, count: 0 };
  if (intervals.length >= k + 1) {
    const sums: number[] = [];
    for (let i = 0; i + k <= intervals.length; i++) sums.push(intervals.slice(i, i + k).reduce((a, b) => a + b, 0));
    return quantiles(sums);
  }
  const q = quantiles(intervals);
  return { p50: k * q.p50, p95: k * q.p95, p99: k * q.p99, count: q.count };
}

/**
 * Probes a JSON-RPC endpoint; see the file comment.
 * @throws ProbeError (code names the failure) for a bad URL, a timeout, an HTTP error,
 *   a JSON-RPC error, a garbage answer, or a chain too short to measure
 */
export async function probeRpc(opts: ProbeOptions): Promise<ProbeReport> {
  const t0 = Date.now();
  let url: URL;
  try {
    url = new URL(opts.url);
  } catch {
    throw new ProbeError("PROBE_BAD_URL", `${JSON.stringify(opts.url)} is not a URL (expected http://host:port or https://…)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ProbeError("PROBE_BAD_URL", `${redactUrl(url)}: only http and https endpoints can be probed`);
  const blocks = bounded("blocks", opts.blocks, 32);
  const timeoutMs = bounded("timeoutMs", opts.timeoutMs, 5000);
  const deadlineMs = bounded("deadlineMs", opts.deadlineMs, 30_000);
  const N = bounded("confirmations", opts.confirmations, 3);
  const rpc = new Rpc(url, timeoutMs, t0 + deadlineMs, opts.maxBytes ?? 1 << 20, opts.fetch ?? fetch);

  const chainId = hexInt(await rpc.call("eth_chainId", []), "chain id", rpc.where, "eth_chainId");
  // an upgrade shows as a new client version; a node that hides it is no failure
  const client = await rpc.call("web3_clientVersion", []).catch((e: unknown) => {
    if (e instanceof ProbeError && e.code === "PROBE_RPC") return undefined;
    throw e;
  });
  const head = hexInt(await rpc.call("eth_blockNumber", []), "block number", rpc.where, "eth_blockNumber");
  const first = Math.max(0, head - blocks + 1);
  if (head - first < 1) throw new ProbeError("PROBE_TOO_FEW_BLOCKS", `${rpc.where}: the chain has ${head + 1} block(s); at least 2 are needed to measure an interval`);

  // Four requests in flight at most: polite to a public endpoint, still quick.
  const numbers = Array.from({ length: head - first + 1 }, (_, i) => first + i);
  const heads: BlockHead[] = new Array(numbers.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < numbers.length) {
      const i = next++;
      const b = await block(rpc, "0x" + numbers[i].toString(16));
      if (b === null) throw new ProbeError("PROBE_GARBAGE", `${rpc.where}: block ${numbers[i]} is missing below head ${head}`, "eth_getBlockByNumber");
      heads[i] = b;
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, numbers.length) }, worker));
  const intervals = heads.slice(1).map((b, i) => Math.max(0, b.timestamp - heads[i].timestamp));
  const iq = quantiles(intervals);
  const mean = intervals.reduce((a, b) => a + b, 0) / intervals.length;

  let finality: ProbeReport["finality"] = { rule: "confirmations", depthBlocks: N - 1 };
  if (opts.finality !== "confirmations") {
    let fin: BlockHead | null = null;
    try {
      fin = await block(rpc, "finalized");
    } catch (e) {
      // A node without the tag answers a JSON-RPC error: fall back to confirmations.
      if (!(e instanceof ProbeError && e.code === "PROBE_RPC")) throw e;
      if (opts.finality === "finalized") {
        throw new ProbeError("PROBE_RPC", `${rpc.where}: the node does not know the "finalized" block tag (${e.message.slice(rpc.where.length + 2)}); use --finality confirmations`, e.method, { cause: e });
      }
    }
    if (fin !== null) {
      const last = heads[heads.length - 1];
      finality = { rule: "finalized", depthBlocks: Math.max(0, head - fin.number), observedLagSeconds: Math.max(0, last.timestamp - fin.timestamp) };
    } else if (opts.finality === "finalized") {
      throw new ProbeError("PROBE_RPC", `${rpc.where}: the node does not know the "finalized" block tag (use --finality confirmations)`, "eth_getBlockByNumber");
    }
  }
  const inclusion: Quantiles = { ...iq };
  const confirmations = windowSums(intervals, finality.depthBlocks);
  return {
    endpoint: rpc.where,
    chainId,
    ...(typeof client === "string" ? { clientVersion: client } : {}),
    head,
    blocksSampled: heads.length,
    blockInterval: { ...iq, mean },
    finality,
    inclusion,
    confirmations,
    chainT: { p50: inclusion.p50 + confirmations.p50, p95: inclusion.p95 + confirmations.p95, p99: inclusion.p99 + confirmations.p99 },
    requests: rpc.requests,
    elapsedMs: Date.now() - t0,
  };
}
