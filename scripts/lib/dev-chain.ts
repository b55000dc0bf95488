/**
 * A local development chain: `hardhat node` on 127.0.0.1 (a free port), and the
 * deployment of the collateral token, the generated Groth16 verifier and the settlement
 * contract for a genesis root. Shared by the demo (scripts/demo.ts, demo-flow.ts), the
 * dev launcher (scripts/dev-chain.ts), the service tests and the service bench.
 */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { ContractFactory, HDNodeWallet, JsonRpcProvider, Network, NonceManager, Wallet, type Signer } from "ethers";
import { encodeGenesis } from "../../prover/state/genesis-codec";
import type { State } from "../../prover/state/state";
import { deploySettlement, readArtifact, connect, type DeployedContract } from "../../prover/chain/deploy";
import type { Params } from "../../prover/state/params";
import type { DepositEntry } from "../../prover/state/ops/deposit";
import { REPO_ROOT } from "./circom";

/** Hardhat's default accounts (public test mnemonic): never use them for anything of value. */
export const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

/** The private key of Hardhat's default account i (0 deploys and operates). */
export function hardhatKey(i: number): string {
  return HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey;
}

/**
 * Hardhat's default account i as a signer on `provider`, with local nonces (a plain
 * Wallet may read a stale `pending` count between two quick transactions).
 */
export function hardhatSigner(i: number, provider: JsonRpcProvider): Signer {
  return new NonceManager(new Wallet(hardhatKey(i), provider));
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface DevChain {
  readonly node: ChildProcess;
  readonly url: string;
  readonly provider: JsonRpcProvider;
  /** Stops the node (and the provider). */
  stop(): Promise<void>;
}

/**
 * Starts `hardhat node` on 127.0.0.1 and waits until it answers.
 * @param port - default: a free port
 */
export async function startHardhatNode(port?: number, opts: { pollingMs?: number } = {}): Promise<DevChain> {
  const p = port ?? (await freePort());
  const node = spawn(path.join(REPO_ROOT, "node_modules", ".bin", "hardhat"), ["node", "--hostname", "127.0.0.1", "--port", String(p)], {
    cwd: REPO_ROOT,
    stdio: "ignore",
  });
  const url = `http://127.0.0.1:${p}`;
  const provider = new JsonRpcProvider(url, Network.from(31337), { staticNetwork: true, polling: true, pollingInterval: opts.pollingMs ?? 50, cacheTimeout: -1 });
  const stop = async (): Promise<void> => {
    provider.destroy();
    if (node.exitCode === null && node.signalCode === null) {
      const gone = new Promise((r) => node.once("exit", r));
      node.kill("SIGTERM");
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
      if (node.exitCode === null && node.signalCode === null) node.kill("SIGKILL");
    }
  };
  for (let i = 0; i < 600; i++) {
    if (node.exitCode !== null) throw new Error(`hardhat node exited with code ${node.exitCode}`);
    try {
      await provider.getBlockNumber();
      return { node, url, provider, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await stop();
  throw new Error("hardhat node did not answer within 60 s");
}

export interface DevContracts {
  readonly token: DeployedContract;
  readonly verifier: DeployedContract;
  readonly settlement: DeployedContract;
  readonly poseidon5: string;
  /** The block of the settlement's deployment (--from-block). */
  readonly deployBlock: number;
}

/**
 * Deploys TestToken, the generated Groth16Verifier (contracts/generated/, for the
 * circuit built last; or `verifier`, already deployed) and Settlement for `genesis`, published on chain (GenesisPublished)
 * so that anyone can rebuild the state from the chain alone; `operator` deploys and operates.
 */
export async function deployDevContracts(operator: Signer, params: Params, genesis: State, maxOracleDrift = 300, verifierContract?: DeployedContract): Promise<DevContracts> {
  const deployArtifact = async (source: string, name: string): Promise<DeployedContract> => {
    const { abi, bytecode } = readArtifact(source, name);
    const c = await new ContractFactory(abi, bytecode, operator).deploy();
    await c.waitForDeployment();
    return c as DeployedContract;
  };
  const token = await deployArtifact("contracts/test/TestToken.sol", "TestToken");
  const verifier = verifierContract ?? (await deployArtifact("contracts/generated/Groth16Verifier.sol", "Groth16Verifier"));
  const { settlement, poseidon5 } = await deploySettlement(operator, { verifier, token, genesisStateRoot: genesis.stateRoot(), genesis: encodeGenesis(genesis), params, maxOracleDrift });
  const receipt = await settlement.deploymentTransaction()?.wait();
  return { token, verifier, settlement, poseidon5, deployBlock: receipt?.blockNumber ?? 0 };
}

/**
 * Queues an L1 deposit from `wallet` (minting the TestToken first): `depositNew` when the
 * entry carries a key (ax ≠ 0), else a top-up `deposit`. Waits for each transaction.
 */
export async function l1Deposit(c: Pick<DevContracts, "token" | "settlement">, wallet: Signer, entry: DepositEntry): Promise<void> {
  const token = connect(c.token, wallet);
  const settlement = connect(c.settlement, wallet);
  await (await token.mint(await wallet.getAddress(), entry.amount)).wait();
  await (await token.approve(await c.settlement.getAddress(), entry.amount)).wait();
  if (entry.ax !== 0n) await (await settlement.depositNew(entry.ax, entry.ay, entry.amount)).wait();
  else await (await settlement.deposit(entry.accountIndex, entry.amount)).wait();
}
