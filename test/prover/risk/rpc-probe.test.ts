import { expect } from "chai";
import { Command } from "commander";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { registerLatencyCommand } from "../../../prover/run/latency-command";
import { ProbeError, probeRpc, windowSums, type ProbeErrorCode } from "../../../prover/risk/rpc-probe";

type Mode = "chain" | "no-finalized-tag" | "hang" | "http500" | "rpc-error" | "garbage" | "not-jsonrpc" | "bad-hex" | "huge" | "one-block";

const HEAD = 100;
const T0 = 1_700_000_000;
/** Block n's timestamp: 12 s apart, every 10th block 24 s (a missed slot). */
const ts = (n: number): number => T0 + 12 * n + 12 * Math.floor(n / 10);

/** A local JSON-RPC endpoint on 127.0.0.1 that behaves as `mode` says. */
async function endpoint(mode: Mode): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits++;
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      if (mode === "hang") return; // never answers
      if (mode === "http500") return void res.writeHead(500, "Internal Server Error").end("upstream down");
      if (mode === "garbage") return void res.writeHead(200, { "content-type": "text/html" }).end("<html>hello</html>");
      if (mode === "not-jsonrpc") return void res.writeHead(200).end('{"hello":"world"}');
      if (mode === "huge") return void res.writeHead(200).end("x".repeat(2 << 20));
      const { id, method, params } = JSON.parse(body) as { id: number; method: string; params: unknown[] };
      const reply = (r: Record<string, unknown>): void => void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id, ...r }));
      if (mode === "rpc-error") return reply({ error: { code: -32601, message: "Method not found" } });
      const head = mode === "one-block" ? 0 : HEAD;
      if (method === "eth_chainId") return reply({ result: "0x7a69" });
      if (method === "web3_clientVersion" && mode !== "no-finalized-tag") return reply({ result: "Geth/v1.14.0" });
      if (method === "eth_blockNumber") return reply({ result: mode === "bad-hex" ? "banana" : "0x" + head.toString(16) });
      if (method === "eth_getBlockByNumber") {
        const tag = params[0] as string;
        if (tag === "finalized") {
          if (mode === "no-finalized-tag") return reply({ error: { code: -32602, message: "invalid block tag" } });
          const n = head - 64;
          return reply({ result: { number: "0x" + n.toString(16), timestamp: "0x" + ts(n).toString(16) } });
        }
        const n = parseInt(tag, 16);
        return reply({ result: n > head ? null : { number: tag, timestamp: "0x" + ts(n).toString(16), hash: "0x00" } });
      }
      return reply({ error: { code: -32601, message: `no ${method}` } });
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    hits: () => hits,
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

async function expectProbeError(p: Promise<unknown>, code: ProbeErrorCode, message: RegExp): Promise<ProbeError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(ProbeError);
    const pe = e as ProbeError;
    expect(pe.code).to.equal(code);
    expect(pe.message).to.match(message);
    return pe;
  }
  throw new Error(`expected ${code}`);
}

describe("prover/risk latency probe (JSON-RPC, read-only, bounded)", () => {
  it("measures block intervals and finality from the node's finalized tag", async () => {
    const ep = await endpoint("chain");
    try {
      const r = await probeRpc({ url: ep.url, blocks: 31, timeoutMs: 2000 });
      expect(r.chainId).to.equal(31337);
      expect(r.head).to.equal(HEAD);
      expect(r.blocksSampled).to.equal(31);
      // 30 intervals of which 3 are 24 s: p50 = 12, p95 = p99 = 24
      expect([r.blockInterval.p50, r.blockInterval.p95, r.blockInterval.p99]).to.deep.equal([12, 24, 24]);
      expect(r.finality).to.deep.equal({ rule: "finalized", depthBlocks: 64, observedLagSeconds: ts(HEAD) - ts(HEAD - 64) });
      // 64 blocks deep with 30 intervals sampled: 64 × the interval quantile
      expect(r.confirmations.p99).to.equal(64 * 24);
      expect(r.chainT.p99).to.equal(24 + 64 * 24);
      expect(r.requests).to.equal(3 + 31 + 1);
      expect(ep.hits()).to.equal(r.requests);
    } finally {
      await ep.close();
    }
  });

  it("falls back to N confirmations when the node has no finalized tag", async () => {
    const ep = await endpoint("no-finalized-tag");
    try {
      const r = await probeRpc({ url: ep.url, blocks: 21, confirmations: 3 });
      expect(r.finality).to.deep.equal({ rule: "confirmations", depthBlocks: 2 });
      expect(r.confirmations).to.deep.equal(windowSums(Array.from({ length: 20 }, (_, i) => ts(HEAD - 19 + i) - ts(HEAD - 20 + i)), 2));
      await expectProbeError(probeRpc({ url: ep.url, blocks: 4, finality: "finalized" }), "PROBE_RPC", /does not know the "finalized" block tag/);
    } finally {
      await ep.close();
    }
  });

  it("sums consecutive intervals when the sample is long enough, else k × the quantile", () => {
    expect(windowSums([1, 2, 3, 4], 2)).to.deep.equal({ p50: 5, p95: 7, p99: 7, count: 3 });
    expect(windowSums([1, 2], 5).p99).to.equal(10);
    expect(windowSums([1, 2], 0).p99).to.equal(0);
  });

  it("stops an endpoint that never answers at the per-request timeout, with a clear message", async () => {
    const ep = await endpoint("hang");
    try {
      const t0 = Date.now();
      await expectProbeError(probeRpc({ url: ep.url, timeoutMs: 200 }), "PROBE_TIMEOUT", /127\.0\.0\.1:\d+\/: eth_chainId timed out after 200 ms/);
      expect(Date.now() - t0).to.be.below(2000);
      expect(ep.hits()).to.equal(1);
    } finally {
      await ep.close();
    }
  });

  it("reports HTTP 500 with the status and the start of the body", async () => {
    const ep = await endpoint("http500");
    try {
      await expectProbeError(probeRpc({ url: ep.url }), "PROBE_HTTP", /eth_chainId got HTTP 500 Internal Server Error: "upstream down"/);
    } finally {
      await ep.close();
    }
  });

  it("reports a JSON-RPC error with its code and message", async () => {
    const ep = await endpoint("rpc-error");
    try {
      await expectProbeError(probeRpc({ url: ep.url }), "PROBE_RPC", /eth_chainId returned JSON-RPC error -32601: Method not found/);
    } finally {
      await ep.close();
    }
  });

  it("reports garbage: not JSON, JSON that is not JSON-RPC, a bad hex quantity, an oversized body", async () => {
    for (const [mode, re] of [
      ["garbage", /not JSON: "<html>hello<\/html>"/],
      ["not-jsonrpc", /without a result/],
      ["bad-hex", /eth_blockNumber gave block number = "\\"banana\\"", not a hex quantity/],
      ["huge", /more than 1048576 bytes/],
    ] as const) {
      const ep = await endpoint(mode);
      try {
        await expectProbeError(probeRpc({ url: ep.url }), "PROBE_GARBAGE", re);
      } finally {
        await ep.close();
      }
    }
  });

  it("refuses a bad URL, out-of-range bounds, a refused connection and a chain of one block", async () => {
    await expectProbeError(probeRpc({ url: "not a url" }), "PROBE_BAD_URL", /is not a URL/);
    await expectProbeError(probeRpc({ url: "file:///etc/passwd" }), "PROBE_BAD_URL", /only http and https/);
    await expectProbeError(probeRpc({ url: "http://127.0.0.1:1/", blocks: 5000 }), "PROBE_BAD_OPTION", /blocks = 5000 is outside 2\.\.1024/);
    await expectProbeError(probeRpc({ url: "http://127.0.0.1:1/", timeoutMs: 500 }), "PROBE_NETWORK", /failed to connect/);
    const ep = await endpoint("one-block");
    try {
      await expectProbeError(probeRpc({ url: ep.url }), "PROBE_TOO_FEW_BLOCKS", /at least 2/);
    } finally {
      await ep.close();
    }
  });

  it("keeps a URL's path (an API key) out of every message", async () => {
    await expectProbeError(probeRpc({ url: "http://127.0.0.1:1/v3/SECRETKEY", timeoutMs: 500 }), "PROBE_NETWORK", /^http:\/\/127\.0\.0\.1:1\/…: /).then((e) => expect(e.message).not.to.contain("SECRET"));
  });

  describe("zksettle latency", () => {
    afterEach(() => {
      process.exitCode = undefined;
    });

    async function run(args: string[]): Promise<{ out: string; err: string }> {
      let out = "";
      let err = "";
      const prog = new Command("zksettle").exitOverride();
      registerLatencyCommand(prog, { out: (s) => (out += s), err: (s) => (err += s) });
      await prog.parseAsync(["latency", ...args], { from: "user" });
      return { out, err };
    }

    it("prints the breakdown: block interval, inclusion, confirmations, chain total as p50/p95/p99", async () => {
      const ep = await endpoint("no-finalized-tag");
      try {
        const { out, err } = await run(["--rpc-url", ep.url, "--blocks", "21", "--confirmations", "3", "--proving", "30"]);
        expect(err).to.equal("");
        expect(out).to.match(/chain 31337, head 100, 21 blocks/);
        expect(out).to.match(/finality rule: 3 confirmations/);
        expect(out).to.match(/block interval\s+12\.0 s\s+24\.0 s\s+24\.0 s/);
        expect(out).to.match(/T \(time to finality\)\s+/);
        expect(process.exitCode).to.equal(undefined);
      } finally {
        await ep.close();
      }
    });

    it("prints one line naming the endpoint and the failure, and exits 1", async () => {
      const ep = await endpoint("hang");
      try {
        const { out, err } = await run(["--rpc-url", ep.url, "--timeout", "100"]);
        expect(out).to.equal("");
        expect(err).to.match(/^zksettle latency: http:\/\/127\.0\.0\.1:\d+\/: eth_chainId timed out after 100 ms \[PROBE_TIMEOUT\]\n$/);
        expect(process.exitCode).to.equal(1);
      } finally {
        await ep.close();
      }
    });

    it("refuses a --proving that is not plain decimal seconds (1e3, 0x50, -1), naming the option", async () => {
      for (const bad of ["1e3", "0x50", "-1", " ", "12."]) {
        let message = "";
        try {
          await run(["--rpc-url", "http://127.0.0.1:9/", "--proving", bad]);
        } catch (e) {
          message = e instanceof Error ? e.message : String(e);
        }
        expect(message, bad).to.contain(`--proving ${JSON.stringify(bad)}: expected a decimal number in 0..∞ (s)`);
      }
    });

    it("refuses an integer option out of its range or not in decimal digits, naming it (prover/run/cli-args.ts)", async () => {
      for (const [flag, bad, range] of [["--blocks", "1", "2..1024"], ["--blocks", "1e3", "2..1024"], ["--timeout", "0x50", "1..120000"], ["--confirmations", "0", "1..1000"]]) {
        let message = "";
        try {
          await run(["--rpc-url", "http://127.0.0.1:9/", flag, bad]);
        } catch (e) {
          message = e instanceof Error ? e.message : String(e);
        }
        expect(message, `${flag} ${bad}`).to.contain(`${flag} "${bad}": expected an integer in ${range}`);
      }
    });

    it("prints JSON with --json", async () => {
      const ep = await endpoint("chain");
      try {
        const { out } = await run(["--rpc-url", ep.url, "--blocks", "8", "--json"]);
        expect(JSON.parse(out)).to.include({ chainId: 31337, clientVersion: "Geth/v1.14.0", head: 100, blocksSampled: 8 });
      } finally {
        await ep.close();
      }
    });

    it("reports the node's client version and flags a change from --expect-client with exit code 3", async () => {
      const ep = await endpoint("chain");
      try {
        const same = await run(["--rpc-url", ep.url, "--blocks", "8", "--expect-client", "Geth/v1.14.0"]);
        expect(same.out).to.match(/client: Geth\/v1\.14\.0/);
        expect(same.err).to.equal("");
        expect(process.exitCode).to.equal(undefined);
        const changed = await run(["--rpc-url", ep.url, "--blocks", "8", "--expect-client", "Geth/v1.13.9"]);
        expect(changed.err).to.match(/client version changed: expected Geth\/v1\.13\.9, it reports Geth\/v1\.14\.0/);
        expect(process.exitCode).to.equal(3);
      } finally {
        process.exitCode = undefined;
        await ep.close();
      }
    });
  });
});
