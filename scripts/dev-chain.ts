/**
 * Dev launcher: starts `hardhat node` on 127.0.0.1, deploys the token, the verifier and
 * the settlement contract with the INSECURE dev genesis (prover/dev/fixtures.ts), and
 * prints the addresses and the environment for `zksettle serve --dev-genesis`. Runs
 * until Ctrl-C. For manual runs and the docs; tests use scripts/lib/dev-chain.ts.
 *
 *   npx ts-node scripts/dev-chain.ts [--port 8545] [--params ci] [--deposits 2] [--json FILE]
 */
import fs from "node:fs";
import path from "node:path";
import { Command, CommanderError } from "commander";
import { intArg } from "../prover/run/cli-args";
import { devGenesis, depositNew } from "../prover/dev/fixtures";
import { loadParams, type Params } from "../prover/state/params";
import { genesisFileOf } from "../prover/service/genesis-file";
import { deployDevContracts, hardhatKey, hardhatSigner, l1Deposit, startHardhatNode } from "./lib/dev-chain";

const USDC = 1_000_000n;
/** Hardhat's node has 20 funded accounts; account 0 is the operator. */
const HARDHAT_ACCOUNTS = 20;

/** A flag `dev-chain` refuses; printed as one line, never as a stack. */
export class DevChainArgError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DevChainArgError";
  }
}

/** The checked flags. */
export interface DevChainOptions {
  readonly port?: number;
  readonly paramsName: string;
  readonly params: Params;
  readonly deposits: number;
  readonly json?: string;
}

/**
 * Parses and checks the flags (argv without node and the script).
 * @throws DevChainArgError naming the flag and the value
 */
export function devChainOptions(argv: readonly string[]): DevChainOptions {
  const cmd = new Command("dev-chain")
    .description("start a local hardhat node with the zksettle contracts deployed for the INSECURE dev genesis")
    .option("--port <port>", "JSON-RPC port on 127.0.0.1 (default: a free port)", intArg("--port", 1, 65535))
    .option("--params <name>", "parameter set (circuits/params/<name>.json; build it first)", "ci")
    .option("--deposits <n>", "queue L1 deposits opening dev accounts 1..n with 10,000 USDC each", intArg("--deposits", 0, HARDHAT_ACCOUNTS - 1), 0)
    .option("--json <file>", "also write the addresses, keys and genesis to this JSON file")
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: (s) => process.stdout.write(s) });
  try {
    cmd.parse([...argv], { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed") throw e;
      throw new DevChainArgError(e.message.replace(/^error: /, ""));
    }
    throw e;
  }
  const o = cmd.opts<{ port?: number; params: string; deposits: number; json?: string }>();
  if (!/^[A-Za-z0-9_-]+$/.test(o.params)) throw new DevChainArgError(`--params ${JSON.stringify(o.params)}: expected a parameter set name (circuits/params/<name>.json)`);
  let params: Params;
  try {
    params = loadParams(o.params);
  } catch (e) {
    throw new DevChainArgError(`--params ${o.params}: ${(e as Error).message}`);
  }
  const accounts = 2 ** params.accountDepth - 1;
  if (o.deposits > accounts) throw new DevChainArgError(`--deposits ${o.deposits}: the ${o.params} tree has only accounts 1..${accounts}`);
  if (o.json !== undefined) {
    const dir = path.dirname(path.resolve(o.json));
    if (o.json === "" || !fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new DevChainArgError(`--json ${JSON.stringify(o.json)}: the directory ${dir} does not exist`);
    if (fs.existsSync(o.json) && !fs.statSync(o.json).isFile()) throw new DevChainArgError(`--json ${o.json}: not a file`);
  }
  return { port: o.port, paramsName: o.params, params, deposits: o.deposits, json: o.json };
}

async function main(): Promise<void> {
  const o = devChainOptions(process.argv.slice(2));
  const params = o.params;
  const genesis = await devGenesis(params);
  const chain = await startHardhatNode(o.port);
  const operator = hardhatSigner(0, chain.provider);
  const c = await deployDevContracts(operator, params, genesis);
  for (let i = 1; i <= o.deposits; i++) await l1Deposit(c, hardhatSigner(i, chain.provider), depositNew(i, 10_000n * USDC));
  const out = {
    rpcUrl: chain.url,
    settlement: await c.settlement.getAddress(),
    token: await c.token.getAddress(),
    verifier: await c.verifier.getAddress(),
    fromBlock: c.deployBlock,
    operatorKey: hardhatKey(0),
    genesis: genesisFileOf(genesis, o.paramsName),
  };
  if (o.json) fs.writeFileSync(o.json, JSON.stringify(out, null, 2));
  console.log("!!! INSECURE: Hardhat's public test accounts and the dev genesis's public keys: local use only !!!");
  console.log(JSON.stringify({ ...out, genesis: undefined }, null, 2));
  console.log(`\nZKSETTLE_RPC_URL=${out.rpcUrl} ZKSETTLE_SETTLEMENT=${out.settlement} ZKSETTLE_FROM_BLOCK=${out.fromBlock} ZKSETTLE_SIGNER_KEY=${out.operatorKey} \\`);
  console.log(`  npx ts-node prover/cli.ts serve --dev-genesis --params ${o.paramsName} --api-key-hashes $(echo -n devkey | npx ts-node prover/cli.ts hash-key)`);
  console.log("\nCtrl-C stops the chain.");
  const stop = (): void => void chain.stop().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    if (err instanceof CommanderError) process.exit(err.exitCode); // --help
    // a refused flag is one line; anything else is a bug and keeps its stack
    console.error(err instanceof DevChainArgError ? `dev-chain: ${err.message}` : err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(err instanceof DevChainArgError ? 2 : 1);
  });
}
