/**
 * `zksettle latency --rpc URL`: probes a settlement chain's JSON-RPC endpoint (read
 * only, bounded) and prints the latency breakdown that margin is sized by. The
 * integrator adds `registerLatencyCommand(prog)` to prover/cli.ts.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { ProbeError, probeRpc, type ProbeReport } from "./rpc-probe";
import { intArg } from "../cli-args";

/** Where the command writes; tests pass their own. */
export interface LatencyIo {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  readonly fetch?: typeof fetch;
}

const defaultIo: LatencyIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

const sec = (x: number): string => `${x.toFixed(x < 10 ? 2 : 1)} s`.padStart(10);

/** The breakdown as text: one row per stage, p50 / p95 / p99. */
export function formatReport(r: ProbeReport, provingSeconds?: number): string {
  const rule = r.finality.rule === "finalized" ? `finalized tag, ${r.finality.depthBlocks} blocks behind head` : `${r.finality.depthBlocks + 1} confirmations`;
  const row = (name: string, q: { p50: number; p95: number; p99: number }): string => `${name.padEnd(26)}${sec(q.p50)}${sec(q.p95)}${sec(q.p99)}\n`;
  let s = `zksettle latency: ${r.endpoint} chain ${r.chainId}, head ${r.head}, ${r.blocksSampled} blocks, ${r.requests} requests in ${(r.elapsedMs / 1000).toFixed(2)} s\n`;
  s += `client: ${r.clientVersion ?? "(not reported)"}\n`;
  s += `finality rule: ${rule}${r.finality.observedLagSeconds !== undefined ? ` (head is ${r.finality.observedLagSeconds} s ahead of it now)` : ""}\n\n`;
  s += `${"".padEnd(26)}${"p50".padStart(10)}${"p95".padStart(10)}${"p99".padStart(10)}\n`;
  s += row("block interval", r.blockInterval);
  s += row("inclusion (next block)", r.inclusion);
  s += row("confirmations to finality", r.confirmations);
  s += row("chain total", r.chainT);
  if (provingSeconds === undefined) {
    s += `\nproving and submission are the service's own stages: GET /v1/risk on a running service shows T with them.\n`;
  } else {
    const p = { p50: provingSeconds, p95: provingSeconds, p99: provingSeconds };
    s += row("proving (given)", p);
    s += row("T (time to finality)", { p50: r.chainT.p50 + provingSeconds, p95: r.chainT.p95 + provingSeconds, p99: r.chainT.p99 + provingSeconds });
  }
  return s;
}

/**
 * Adds `latency` to a commander program. Failures print one line naming the endpoint,
 * the method and the problem, and set exit code 1 (2 for bad options).
 */
export function registerLatencyCommand(program: Command, io: LatencyIo = defaultIo): Command {
  return program
    .command("latency")
    .description("probe a chain's JSON-RPC endpoint (read-only, bounded) and print block interval and time to finality as p50/p95/p99")
    .requiredOption("--rpc <url>", "JSON-RPC endpoint (http or https)")
    .option("--blocks <n>", "recent blocks to read (2..1024)", intArg("--blocks", 2, 1024), 32)
    .option("--timeout <ms>", "per-request timeout, ms (1..120000)", intArg("--timeout", 1, 120_000), 5000)
    .option("--deadline <ms>", "whole-probe deadline, ms (1..600000)", intArg("--deadline", 1, 600_000), 30_000)
    .option("--confirmations <n>", "N of the confirmations rule (1..10000)", intArg("--confirmations", 1, 10_000), 3)
    .addOption(new Option("--finality <rule>", "finality rule: the node's finalized tag when it has one (auto), or N confirmations").choices(["auto", "confirmations", "finalized"]).default("auto"))
    .option("--proving <seconds>", "add a proving time (seconds) to print a whole T", (v) => {
      // Plain decimals only: Number() would also read "1e3" as 1000 and "0x50" as 80.
      if (!/^\d+(\.\d+)?$/.test(v)) throw new InvalidArgumentError("--proving must be a number of seconds ≥ 0, in decimal digits (e.g. 30 or 12.5)");
      return Number(v);
    })
    .option("--json", "print the report as JSON")
    .option("--expect-client <version>", "the web3_clientVersion last seen: a different one is flagged (exit code 3)")
    .action(async (o: { rpc: string; blocks: number; timeout: number; deadline: number; confirmations: number; finality: "auto" | "confirmations" | "finalized"; proving?: number; json?: boolean; expectClient?: string }) => {
      try {
        const r = await probeRpc({ url: o.rpc, blocks: o.blocks, timeoutMs: o.timeout, deadlineMs: o.deadline, confirmations: o.confirmations, finality: o.finality, fetch: io.fetch });
        io.out(o.json === true ? JSON.stringify(r, null, 2) + "\n" : formatReport(r, o.proving));
        if (o.expectClient !== undefined && r.clientVersion !== o.expectClient) {
          io.err(`zksettle latency: the node's client version changed: expected ${o.expectClient}, it reports ${r.clientVersion ?? "none"} (an upgrade?)\n`);
          process.exitCode = 3;
        }
      } catch (e) {
        if (!(e instanceof ProbeError)) throw e;
        io.err(`zksettle latency: ${e.message} [${e.code}]\n`);
        process.exitCode = e.code === "PROBE_BAD_URL" || e.code === "PROBE_BAD_OPTION" ? 2 : 1;
      }
    });
}
