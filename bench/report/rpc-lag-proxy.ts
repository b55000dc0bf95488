/**
 * A JSON-RPC proxy on 127.0.0.1 for the latency experiment: forwards every request to
 * the node, and while `lag` > 0 reports the head `lag` blocks behind
 * (`eth_blockNumber`, and `eth_getBlockByNumber("latest")` answered with that block), as
 * a node that is behind the chain, or a chain whose confirmations arrive late, looks
 * to its client. Receipts pass through: the client sees its transaction mined and then
 * waits longer for the confirmations. While `finalizedLag` > 0 the `finalized` and `safe`
 * block tags are answered with the block that many behind the head: late finality.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

interface RpcRequest {
  jsonrpc: "2.0";
  id: number | string | null;
  method: string;
  params?: unknown[];
}

export interface LagProxy {
  readonly url: string;
  /** Blocks the reported head stays behind the node's. */
  lag: number;
  /** Blocks the `finalized` / `safe` tags stay behind the head. */
  finalizedLag: number;
  close(): Promise<void>;
}

async function call(upstream: string, req: RpcRequest): Promise<{ result?: unknown; error?: unknown }> {
  const res = await fetch(upstream, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(req) });
  return (await res.json()) as { result?: unknown; error?: unknown };
}

/** Answers one request, lagging the head when asked to. */
async function answer(upstream: string, lag: number, req: RpcRequest, finalizedLag = 0): Promise<unknown> {
  if (finalizedLag > 0 && req.method === "eth_getBlockByNumber" && (req.params?.[0] === "finalized" || req.params?.[0] === "safe")) {
    const head = await call(upstream, { jsonrpc: "2.0", id: 0, method: "eth_blockNumber" });
    const n = Math.max(0, Number(BigInt(head.result as string)) - lag - finalizedLag);
    const r = await call(upstream, { ...req, params: ["0x" + n.toString(16), ...(req.params?.slice(1) ?? [])] });
    return { jsonrpc: "2.0", id: req.id, ...r };
  }
  if (lag > 0 && req.method === "eth_blockNumber") {
    const r = await call(upstream, req);
    if (typeof r.result !== "string") return { jsonrpc: "2.0", id: req.id, ...r };
    return { jsonrpc: "2.0", id: req.id, result: "0x" + Math.max(0, Number(BigInt(r.result)) - lag).toString(16) };
  }
  if (lag > 0 && req.method === "eth_getBlockByNumber" && req.params?.[0] === "latest") {
    const head = await call(upstream, { jsonrpc: "2.0", id: 0, method: "eth_blockNumber" });
    const n = Math.max(0, Number(BigInt(head.result as string)) - lag);
    const r = await call(upstream, { ...req, params: ["0x" + n.toString(16), ...(req.params?.slice(1) ?? [])] });
    return { jsonrpc: "2.0", id: req.id, ...r };
  }
  const r = await call(upstream, req);
  return { jsonrpc: "2.0", id: req.id, ...r };
}

/** Starts the proxy on a free loopback port. */
export async function startLagProxy(upstream: string): Promise<LagProxy> {
  const state = { lag: 0, finalizedLag: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as RpcRequest | RpcRequest[];
          const out = Array.isArray(body) ? await Promise.all(body.map((b) => answer(upstream, state.lag, b, state.finalizedLag))) : await answer(upstream, state.lag, body, state.finalizedLag);
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(out));
        } catch (e) {
          res.writeHead(502, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32603, message: `proxy: ${(e as Error).message}` } }));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get lag() {
      return state.lag;
    },
    set lag(v: number) {
      state.lag = v;
    },
    get finalizedLag() {
      return state.finalizedLag;
    },
    set finalizedLag(v: number) {
      state.finalizedLag = v;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
