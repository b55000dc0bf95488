/**
 * `zksettle fallback --rpc-url URL --settlement ADDRESS`: the fallback prover anyone can run
 * when the operator is gone (docs/operations.md, "When the operator is gone"). It rebuilds
 * the state from the chain alone, enters fallback mode once the oldest queue entry is past
 * FORCED_DEADLINE, and proves and submits batches that serve the queue, with the
 * deployment's public circuit files. It keeps no state of its own: restart it any time.
 * The integrator adds `registerFallbackCommand(prog)` to prover/cli.ts.
 */
import { type Command, type Option } from "commander";
import { JsonRpcProvider, Wallet, isAddress } from "ethers";
import { FallbackError } from "../fallback/errors";
import { fileHeaderSource, insecureDevOracle, urlHeaderSource, type HeaderSource } from "../fallback/header-source";
import { circuitFiles, loadBatchProver } from "../fallback/prove";
import { FallbackProver } from "../fallback/runner";
import { terminateCurves } from "../zk/snarkjs";
import { localOption, sharedOption, withVocabulary, type LocalSpec } from "./cli-options";
import { circuitDir } from "../service/config";

/** Where the command writes; tests pass their own. */
export interface FallbackIo {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
}

const defaultIo: FallbackIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

interface Flags {
  rpcUrl: string;
  settlement: string;
  signerKey?: string;
  params: string;
  buildDir: string;
  wasm?: string;
  zkey?: string;
  fromBlock: number;
  pollInterval: number;
  headerFile?: string;
  headerUrl?: string;
  insecureDevOracle?: boolean;
  untilServed?: boolean;
}

/** The old flags `fallback` refuses, naming the new ones (cli-options.ts). */
export const FALLBACK_RENAMED = ["--rpc", "--key", "--build", "--poll-ms"] as const;

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
  const local = (o: LocalSpec): Option => localOption("fallback", o);
  const cmd = program
    .command("fallback")
    .description("when the operator is gone: rebuild the state from the chain, enter fallback mode after FORCED_DEADLINE, prove and submit batches that serve the queue")
    .addOption(sharedOption("rpcUrl"))
    .addOption(sharedOption("settlement", { required: true }))
    .addOption(sharedOption("signerKey"))
    .addOption(sharedOption("params"))
    .addOption(sharedOption("buildDir"))
    .addOption(local({ key: "wasm", kind: "string", help: "the witness calculator's wasm", defaultText: "from the circuit build folder" }))
    .addOption(local({ key: "zkey", kind: "string", help: "the Groth16 proving key", defaultText: "from the circuit build folder" }))
    .addOption(sharedOption("fromBlock"))
    .addOption(sharedOption("pollInterval", { default: 5000 }))
    .addOption(local({ key: "headerFile", kind: "string", help: "the oracle's latest signed header (JSON of POST /v1/oracle/headers), re-read per batch" }))
    .addOption(local({ key: "headerUrl", kind: "string", help: "where to GET the oracle's latest signed header (same JSON)" }))
    .addOption(local({ key: "insecureDevOracle", kind: "bool", help: "dev deployments only: sign headers with the public dev oracle keys at the last marks" }))
    .addOption(local({ key: "untilServed", kind: "bool", help: "exit 0 once the queue is empty (else keep watching)" }));
  return withVocabulary(cmd, FALLBACK_RENAMED)
    .action(async (f: Flags) => {
      const fail = (code: number, msg: string): void => {
        io.err(`zksettle fallback: ${msg}\n`);
        process.exitCode = code;
      };
      if (!isAddress(f.settlement)) return fail(2, `--settlement ${f.settlement} is not an address`);
      if (f.signerKey === undefined || !/^0x[0-9a-fA-F]{64}$/.test(f.signerKey)) return fail(2, "--signer-key (better: env ZKSETTLE_SIGNER_KEY) must be the paying account's 32-byte hex private key");
      let runner: FallbackProver;
      try {
        const headers = headerSource(f);
        const files = circuitFiles(circuitDir(f), { wasm: f.wasm, zkey: f.zkey });
        const provider = new JsonRpcProvider(f.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 200 });
        const signer = new Wallet(f.signerKey, provider);
        io.out(`fallback prover ${signer.address} on ${f.settlement}; headers from ${headers.describe}; circuit ${files.zkey}\n`);
        runner = new FallbackProver({ provider, signer, settlement: f.settlement, prover: await loadBatchProver(files), headers, fromBlock: f.fromBlock, pollMs: f.pollInterval, log: (line) => io.out(line + "\n") });
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
