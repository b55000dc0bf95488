/**
 * `zksettle serve`'s start-up checks (run/bootstrap.ts runs them in this order): what the
 * configuration lacks, the circuit build, the chain's id, the settlement contract against
 * the parameters, the signer and the ledger, and the one-time move of the old overrides
 * file into the job store. Each failure is a `StartupError` naming the option to fix.
 */
import fs from "node:fs";
import path from "node:path";
import type { JsonRpcProvider, Wallet } from "ethers";
import type { Logger } from "pino";
import type { DeployedContract } from "../chain/deploy";
import type { Params } from "../state/params";
import type { State } from "../state/state";
import type { SetupRecord, VerificationKey } from "../zk/prover";
import type { AuditEntry } from "../risk/overrides";
import type { OverridesLog } from "../store/records";
import { StartupError } from "../service/backends";
import { circuitDir, type Config } from "../service/config";
import type { Ledger } from "../service/ledger";

/** The circuit build folder (`build/<params>/` or `--build-dir`) with its verification key (from setup.json). */
export function circuitOf(c: Config): { dir: string; vkey: VerificationKey; insecure: boolean } {
  const dir = circuitDir(c);
  const recordPath = path.join(dir, "setup.json");
  if (!fs.existsSync(recordPath)) {
    const which = c.buildDir !== "" ? "buildDir (--build-dir)" : "params";
    throw new StartupError([`${which}: no circuit build in ${dir} (run \`npx ts-node scripts/build.ts --params ${c.params}\` and the setup first)`]);
  }
  const record = JSON.parse(fs.readFileSync(recordPath, "utf8")) as SetupRecord;
  const vkey = JSON.parse(fs.readFileSync(path.resolve(dir, record.verificationKey), "utf8")) as VerificationKey;
  return { dir, vkey, insecure: record.insecure };
}

/** What `serve` needs beyond `loadConfig`'s checks. */
export function serveProblems(c: Config): string[] {
  const p: string[] = [];
  if (c.settlement === "") p.push("settlement: the settlement contract's address is required (--settlement, ZKSETTLE_SETTLEMENT)");
  if (c.signerKey === "") p.push("signerKey: the operator's private key is required (ZKSETTLE_SIGNER_KEY, or --signer-key)");
  if (c.genesis === "" && !c.devGenesis) p.push("genesis: give --genesis FILE (ZKSETTLE_GENESIS), or --dev-genesis for the INSECURE dev genesis");
  return p;
}

/** Reads the contract and checks it against the configuration and the ledger. */
export async function checkChain(settlement: DeployedContract, provider: JsonRpcProvider, signer: Wallet, params: Params, genesis: State, ledger: Ledger, c: Config): Promise<void> {
  if ((await provider.getCode(c.settlement)) === "0x") throw new StartupError([`settlement: no contract at ${c.settlement} on ${c.rpcUrl}`]);
  const [depth, markets, batchSize, operator, batchCount, stateRoot] = (await Promise.all(
    ["ACCOUNT_DEPTH", "MARKETS", "BATCH_SIZE", "operator", "batchCount", "stateRoot"].map((f) => settlement.getFunction(f).staticCall()),
  )) as [bigint, bigint, bigint, string, bigint, bigint];
  const p: string[] = [];
  if (Number(depth) !== params.accountDepth || Number(markets) !== params.markets || Number(batchSize) !== params.batchSize) {
    p.push(`params: the contract has accountDepth ${depth}, markets ${markets}, batchSize ${batchSize}; --params ${c.params} has ${params.accountDepth}, ${params.markets}, ${params.batchSize}`);
  }
  if (operator.toLowerCase() !== signer.address.toLowerCase()) p.push(`signerKey: the signer ${signer.address} is not the contract's operator ${operator}`);
  const onChain = Number(batchCount);
  if (onChain === 0 && stateRoot !== genesis.stateRoot()) p.push(`genesis: the contract's genesis root ${stateRoot} is not the configured genesis's root ${genesis.stateRoot()}`);
  if (onChain > ledger.height) p.push(`dataDir: the contract holds ${onChain} batches but this data directory's ledger only ${ledger.height}; start from the data directory that made them`);
  if (p.length > 0) throw new StartupError(p);
}

/**
 * Before the overrides lived in the job store they were `<dataDir>/risk-overrides.json`:
 * its log moves into an empty store log once (the file is left as it was).
 */
export async function importOverridesFile(file: string, records: OverridesLog, log: Logger): Promise<void> {
  if (!fs.existsSync(file) || (await records.readOverrides()).length > 0) return;
  const entries = (JSON.parse(fs.readFileSync(file, "utf8")) as { log?: AuditEntry[] }).log ?? [];
  for (const e of entries) if (!(await records.appendOverride(e))) throw new Error(`${file}: entry ${e.seq} is out of order`);
  log.warn({ file, entries: entries.length }, "risk overrides imported from the data directory's file into the job store");
}

/** eth_chainId with a timeout (ethers would retry an unreachable node forever). */
export async function chainIdOf(rpcUrl: string, timeoutMs = 10_000): Promise<bigint> {
  try {
    const res = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json()) as { result?: string; error?: { message?: string } };
    if (typeof body.result !== "string") throw new Error(body.error?.message ?? `HTTP ${res.status}`);
    return BigInt(body.result);
  } catch (e) {
    throw new StartupError([`rpcUrl: the chain at ${rpcUrl} does not answer eth_chainId (${(e as Error).message})`]);
  }
}
