/**
 * `zksettle fallback --rpc URL --settlement ADDRESS`: the fallback prover anyone can run
 * when the operator is gone (docs/operations.md, "When the operator is gone"). It rebuilds
 * the state from the chain alone, enters fallback mode once the oldest queue entry is past
 * FORCED_DEADLINE, and proves and submits batches that serve the queue, with the
 * deployment's public circuit files. It keeps no state of its own: restart it any time.
 * The integrator adds `registerFallbackCommand(prog)` to prover/cli.ts.
 */
import { Command, Option } from "commander";
import { JsonRpcProvider, Wallet, isAddress } from "ethers";
import { FallbackError } from "./errors";
import { fileHeaderSource, insecureDevOracle, urlHeaderSource, type HeaderSource } from "./header-source";
import { circuitFiles, loadBatchProver } from "./prove";
import { FallbackProver } from "./runner";
import { terminateCurves } from "../zk/snarkjs";
import { intArg } from "../cli-args";

/** Where the command writes; tests pass their own. */
export interface FallbackIo {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
}

const defaultIo: FallbackIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

interface Flags {
  rpc: string;
  settlement: string;
  key?: string;
  build: string;
  wasm?: string;
  zkey?: string;
  fromBlock: number;
  pollMs: number;
  headerFile?: string;
  headerUrl?: string;
  insecureDevOracle?: boolean;
  untilServed?: boolean;
}

/** The header source the flags name (exactly one). */
function headerSource(f: Flags): HeaderSource {
  const given = [f.headerFile, f.headerUrl, f.insecureDevOracle === true ? "dev" : undefined].filter((x) => x !== undefined);
  if (given.length !== 1) {
    throw new FallbackError("PRV_ERR_FALLBACK_HEADER", "name exactly one header source: --header-file, --header-url or --insecure-dev-oracle (every batch needs an oracle-signed header)");
  }
  if (f.headerFile !== undefined) return fileHeaderSource(f.headerFile);
  if (f.headerUrl !== undefined) return urlHeaderSource(f.headerUrl);
  return insecureDevOracle();
}

/**
 * Adds `fallback` to a commander program. Bad options exit 2 naming the option; a fatal
 * error (a rebuild that does not reach the contract's root, a refused call a retry cannot
 * fix) exits 1 with its code.
 */
export function registerFallbackCommand(program: Command, io: FallbackIo = defaultIo): Command {
  return program
    .command("fallback")
    .description("when the operator is gone: rebuild the state from the chain, enter fallback mode after FORCED_DEADLINE, prove and submit batches that serve the queue")
    .requiredOption("--rpc <url>", "JSON-RPC endpoint of the settlement chain")
    .requiredOption("--settlement <address>", "the settlement contract")
    .addOption(new Option("--key <hex>", "private key of the account that pays for the transactions (prefer the env variable)").env("ZKSETTLE_FALLBACK_KEY"))
    .addOption(new Option("--build <dir>", "circuit build folder with setup.json (the deployment's public keys)").env("ZKSETTLE_BUILD").default("build/ci"))
    .option("--wasm <file>", "the witness calculator's wasm (default: from --build)")
    .option("--zkey <file>", "the Groth16 proving key (default: from --build)")
    .option("--from-block <n>", "first block of the rebuild (the deployment block)", intArg("--from-block", 0), 0)
    .option("--poll-ms <ms>", "pause between rounds with nothing to do", intArg("--poll-ms", 10, 3_600_000), 5000)
    .option("--header-file <file>", "the oracle's latest signed header (JSON of POST /v1/oracle/headers), re-read per batch")
    .option("--header-url <url>", "where to GET the oracle's latest signed header (same JSON)")
    .option("--insecure-dev-oracle", "dev deployments only: sign headers with the public dev oracle keys at the last marks")
    .option("--until-served", "exit 0 once the queue is empty (default: keep watching)")
    .action(async (f: Flags) => {
      const fail = (code: number, msg: string): void => {
        io.err(`zksettle fallback: ${msg}\n`);
        process.exitCode = code;
      };
      if (!isAddress(f.settlement)) return fail(2, `--settlement ${f.settlement} is not an address`);
      if (f.key === undefined || !/^(0x)?[0-9a-fA-F]{64}$/.test(f.key)) return fail(2, "--key (or ZKSETTLE_FALLBACK_KEY) must be a 32-byte hex private key");
      let runner: FallbackProver;
      try {
        const headers = headerSource(f);
        const files = circuitFiles(f.build, { wasm: f.wasm, zkey: f.zkey });
        const provider = new JsonRpcProvider(f.rpc, undefined, { staticNetwork: true, pollingInterval: 200 });
        const signer = new Wallet(f.key, provider);
        io.out(`fallback prover ${signer.address} on ${f.settlement}; headers from ${headers.describe}; circuit ${files.zkey}\n`);
        runner = new FallbackProver({ provider, signer, settlement: f.settlement, prover: await loadBatchProver(files), headers, fromBlock: f.fromBlock, pollMs: f.pollMs, log: (line) => io.out(line + "\n") });
      } catch (e) {
        return fail(2, (e as Error).message);
      }
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
      try {
        await runner.run({ untilServed: f.untilServed === true, signal: stop.signal });
      } catch (e) {
        const code = e instanceof FallbackError ? `${e.code}: ` : "";
        fail(1, `${code}${(e as Error).message}`);
      } finally {
        process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
        await terminateCurves(); // snarkjs' worker threads would keep the process alive
      }
    });
}
