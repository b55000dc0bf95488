/**
 * `zksettle latency --rpc-url URL`: probes a settlement chain's JSON-RPC endpoint (read
 * only, bounded) and prints the latency breakdown that margin is sized by. The
 * integrator adds `registerLatencyCommand(prog)` to prover/cli.ts.
 */
import type { Command, Option } from "commander";
import { ProbeError, probeRpc, type ProbeReport } from "../risk/rpc-probe";
import { localOption, sharedOption, withVocabulary, type LocalSpec } from "./cli-options";

/** The old flags `latency` refuses, naming the new ones (cli-options.ts). */
export const LATENCY_RENAMED = ["--rpc"] as const;

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
  const local = (o: LocalSpec): Option => localOption("latency", o);
  const cmd = program
    .command("latency")
    .description("probe a chain's JSON-RPC endpoint (read-only, bounded) and print block interval and time to finality as p50/p95/p99")
    .addOption(sharedOption("rpcUrl"))
    .addOption(local({ key: "blocks", kind: "int", unit: "blocks", min: 2, max: 1024, help: "recent blocks to read", default: 32 }))
    .addOption(local({ key: "timeout", kind: "int", unit: "ms", min: 1, max: 120_000, help: "per-request timeout", default: 5000 }))
    .addOption(local({ key: "deadline", kind: "int", unit: "ms", min: 1, max: 600_000, help: "whole-probe deadline", default: 30_000 }))
    .addOption(sharedOption("confirmations", { default: 3 }))
    .addOption(local({ key: "finality", kind: "string", choices: ["auto", "confirmations", "finalized"], help: "finality rule: the node's finalized tag when it has one (auto), or --confirmations blocks", default: "auto" }))
    .addOption(local({ key: "proving", kind: "number", unit: "s", min: 0, help: "add a proving time to print a whole T" }))
    .addOption(local({ key: "json", kind: "bool", help: "print the report as JSON" }))
    .addOption(local({ key: "expectClient", kind: "string", help: "the web3_clientVersion last seen: a different one is flagged (exit code 3)" }));
  return withVocabulary(cmd, LATENCY_RENAMED)
    .action(async (o: { rpcUrl: string; blocks: number; timeout: number; deadline: number; confirmations: number; finality: "auto" | "confirmations" | "finalized"; proving?: number; json?: boolean; expectClient?: string }) => {
      try {
        const r = await probeRpc({ url: o.rpcUrl, blocks: o.blocks, timeoutMs: o.timeout, deadlineMs: o.deadline, confirmations: o.confirmations, finality: o.finality, fetch: io.fetch });
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
