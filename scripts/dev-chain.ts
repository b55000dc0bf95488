/**
 * Dev launcher: starts `hardhat node` on 127.0.0.1, deploys the token, the verifier and
 * the settlement contract with the INSECURE dev genesis (prover/dev/fixtures.ts), and
 * prints the addresses and the environment for `zksettle serve --dev-genesis`. Runs
 * until Ctrl-C. For manual runs and the docs; tests use scripts/lib/dev-chain.ts.
 *
 *   npx ts-node scripts/dev-chain.ts [--port 8545] [--params ci] [--deposits 2] [--json FILE]
 */
import fs from "node:fs";
import { Command } from "commander";
import { devGenesis, depositNew } from "../prover/dev/fixtures";
import { loadParams } from "../prover/state/params";
import { genesisFileOf } from "../prover/service/genesis-file";
import { deployDevContracts, hardhatKey, hardhatSigner, l1Deposit, startHardhatNode } from "./lib/dev-chain";

const USDC = 1_000_000n;

async function main(): Promise<void> {
  const o = new Command()
    .description("start a local hardhat node with the zksettle contracts deployed for the INSECURE dev genesis")
    .option("--port <port>", "JSON-RPC port on 127.0.0.1 (default: a free port)")
    .option("--params <name>", "parameter set (circuits/params/<name>.json; build it first)", "ci")
    .option("--deposits <n>", "queue L1 deposits opening dev accounts 1..n with 10,000 USDC each", "0")
    .option("--json <file>", "also write the addresses, keys and genesis to this JSON file")
    .parse()
    .opts<{ port?: string; params: string; deposits: string; json?: string }>();
  const params = loadParams(o.params);
  const genesis = await devGenesis(params);
  const chain = await startHardhatNode(o.port === undefined ? undefined : Number(o.port));
  const operator = hardhatSigner(0, chain.provider);
  const c = await deployDevContracts(operator, params, genesis);
  for (let i = 1; i <= Number(o.deposits); i++) await l1Deposit(c, hardhatSigner(i, chain.provider), depositNew(i, 10_000n * USDC));
  const out = {
    rpcUrl: chain.url,
    settlement: await c.settlement.getAddress(),
    token: await c.token.getAddress(),
    verifier: await c.verifier.getAddress(),
    fromBlock: c.deployBlock,
    operatorKey: hardhatKey(0),
    genesis: genesisFileOf(genesis, o.params),
  };
  if (o.json) fs.writeFileSync(o.json, JSON.stringify(out, null, 2));
  console.log("!!! INSECURE: Hardhat's public test accounts and the dev genesis's public keys: local use only !!!");
  console.log(JSON.stringify({ ...out, genesis: undefined }, null, 2));
  console.log(`\nZKSETTLE_RPC_URL=${out.rpcUrl} ZKSETTLE_SETTLEMENT=${out.settlement} ZKSETTLE_FROM_BLOCK=${out.fromBlock} ZKSETTLE_SIGNER_KEY=${out.operatorKey} \\`);
  console.log(`  npx ts-node prover/cli.ts serve --dev-genesis --params ${o.params} --api-key-hashes $(echo -n devkey | npx ts-node prover/cli.ts hash-key)`);
  console.log("\nCtrl-C stops the chain.");
  const stop = (): void => void chain.stop().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
