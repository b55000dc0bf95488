/**
 * Deploys the settlement contract with plain ethers v6, so that scripts, tests and the
 * service share one path: circomlibjs' Poseidon contracts for 1..5 inputs (the queue's
 * hash chain uses Poseidon(5); the escape hatch's ExitVerifier uses all five), the
 * ExitVerifier for the parameter set, and `contracts/Settlement.sol`. Bytecode of our
 * contracts comes from Hardhat's artifacts (`npx hardhat compile` first).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ContractFactory, type Addressable, type BaseContract, type BytesLike, type ContractRunner, type InterfaceAbi, type Signer } from "ethers";
import type { Params } from "../state/params";
import { FIELD_MODULUS, layoutFor } from "../state/layout";
import { packagePath } from "../package/root";

// circomlibjs ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { poseidonContract } = require("circomlibjs") as {
  poseidonContract: { createCode(nInputs: number): string; generateABI(nInputs: number): InterfaceAbi };
};

/** ABI of circomlibjs' Poseidon contract for 5 inputs (`poseidon(uint256[5])`, `poseidon(bytes32[5])`). */
export const POSEIDON5_ABI: InterfaceAbi = poseidonContract.generateABI(5);

/** ABI of circomlibjs' Poseidon contract for n inputs. */
export const poseidonAbi = (n: number): InterfaceAbi => poseidonContract.generateABI(n);

/** The forced-withdrawal deadline of a production deployment: 7 days (docs/protocol.md section 8). */
export const DEFAULT_FORCED_DEADLINE = 7 * 24 * 3600;

/**
 * The least deposit or top-up a deployment accepts by default: 1 USDC (6 decimals). A
 * queue entry costs the operator an op slot; docs/security.md (queue spam) weighs it.
 */
export const DEFAULT_MIN_DEPOSIT = 1_000_000n;

/** Forced-withdrawal requests one account may have unconsumed at once, by default. */
export const DEFAULT_MAX_PENDING_REQUESTS = 2;

/** A contract handle with its methods reachable by name (ethers' untyped `Contract`). */
export type DeployedContract = BaseContract & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

type AddressLike = string | Addressable;

export interface SettlementDeployment {
  /** The address of the snarkjs verifier (or a MockVerifier in tests). */
  verifier: AddressLike;
  /** The collateral ERC-20. */
  token: AddressLike;
  /** The genesis state root (< r). */
  genesisStateRoot: bigint;
  /**
   * The parameter set; the contract takes accountDepth, markets, scenarios (the risk
   * tail's width) and batchSize, the ExitVerifier also positionSlots (default 2, the
   * `ci` value, when left out).
   */
  params: Pick<Params, "accountDepth" | "markets" | "scenarios" | "batchSize"> & Partial<Pick<Params, "positionSlots">>;
  /** Seconds a header timestamp may run ahead of the block (MAX_ORACLE_DRIFT). */
  maxOracleDrift: number;
  /** Seconds within which a queue entry must be consumed before anyone may freeze (default 7 days). */
  forcedDeadline?: number;
  /** The least deposit or top-up accepted (≥ 1; default {@link DEFAULT_MIN_DEPOSIT}). */
  minDeposit?: bigint;
  /** Unconsumed forced-withdrawal requests allowed per account, 1..8 (default {@link DEFAULT_MAX_PENDING_REQUESTS}). */
  maxPendingRequests?: number;
  /** The genesis state as prover/state/genesis-codec.ts encodes it, logged in GenesisPublished (default empty). */
  genesis?: BytesLike;
  /** The operator; defaults to the signer. It is also the L1 owner of account 0 (the insurance fund). */
  operator?: AddressLike;
  /** An already deployed Poseidon(5) contract; deployed afresh when left out. */
  poseidon5?: AddressLike;
  /** Already deployed Poseidon contracts for 1..5 inputs (index n − 1); deployed afresh when left out. */
  poseidons?: AddressLike[];
  /** An already deployed ExitVerifier for the same D, P, M; deployed afresh when left out. */
  exitVerifier?: AddressLike;
  /** Hardhat's artifacts folder (defaults to `<repo>/artifacts`). */
  artifactsDir?: string;
}

/** What {@link deploySettlement} deployed. */
export interface SettlementDeployed {
  settlement: DeployedContract;
  /** The Poseidon(5) address the queue chain uses. */
  poseidon5: string;
  /** Poseidon contracts for 1..5 inputs (index n − 1). */
  poseidons: string[];
  /** The ExitVerifier. */
  exitVerifier: string;
}

const addressOf = async (a: AddressLike): Promise<string> => (typeof a === "string" ? a : a.getAddress());

/**
 * Deploys circomlibjs' Poseidon contract for n inputs (`poseidonContract.createCode(n)`).
 * @param signer - the deployer
 * @param n - number of inputs, 1..6
 * @returns the deployed contract (call `poseidon(uint256[n])` on it)
 */
export async function deployPoseidon(signer: Signer, n: number): Promise<DeployedContract> {
  if (!Number.isInteger(n) || n < 1 || n > 6) throw new RangeError(`circomlibjs Poseidon contracts take 1..6 inputs, not ${n}`);
  const factory = new ContractFactory(poseidonAbi(n), poseidonContract.createCode(n), signer);
  const contract = await factory.deploy();
  await contract.waitForDeployment();
  return contract as DeployedContract;
}

/**
 * Deploys circomlibjs' Poseidon contract for 5 inputs.
 * @param signer - the deployer
 */
export async function deployPoseidon5(signer: Signer): Promise<DeployedContract> {
  return deployPoseidon(signer, 5);
}

/**
 * Deploys Poseidon contracts for 1..count inputs (6: what the exit verifier takes).
 * @returns their addresses, index n − 1 for n inputs
 */
export async function deployPoseidons(signer: Signer, count = 6): Promise<string[]> {
  const out: string[] = [];
  for (let n = 1; n <= count; n++) out.push(await addressOf(await deployPoseidon(signer, n)));
  return out;
}

/** Reads a Hardhat artifact's ABI and bytecode. */
export function readArtifact(
  sourceName: string,
  contractName: string,
  artifactsDir = packagePath("artifacts"),
): { abi: InterfaceAbi; bytecode: string } {
  const file = join(artifactsDir, sourceName, `${contractName}.json`);
  const artifact = JSON.parse(readFileSync(file, "utf8")) as { abi: InterfaceAbi; bytecode: string };
  return { abi: artifact.abi, bytecode: artifact.bytecode };
}

/**
 * Deploys `contracts/settlement/ExitVerifier.sol`.
 * @param signer - the deployer
 * @param poseidons - Poseidon contracts for 1..5 (or 6) inputs, index n − 1
 * @param params - D, P, M
 */
export async function deployExitVerifier(
  signer: Signer,
  poseidons: AddressLike[],
  params: Pick<Params, "accountDepth" | "positionSlots" | "markets">,
  artifactsDir?: string,
): Promise<DeployedContract> {
  const { abi, bytecode } = readArtifact("contracts/settlement/ExitVerifier.sol", "ExitVerifier", artifactsDir);
  const factory = new ContractFactory(abi, bytecode, signer);
  const addresses = await Promise.all(poseidons.map(addressOf));
  const contract = await factory.deploy(addresses, params.accountDepth, params.positionSlots, params.markets);
  await contract.waitForDeployment();
  return contract as DeployedContract;
}

/**
 * Deploys `contracts/Settlement.sol`, and the Poseidon contracts and ExitVerifier unless given.
 * @param signer - the deployer (and the operator unless `operator` is given)
 * @param options - see {@link SettlementDeployment}
 * @returns the settlement contract and the addresses of what it uses
 */
export async function deploySettlement(signer: Signer, options: SettlementDeployment): Promise<SettlementDeployed> {
  const { accountDepth, markets, scenarios, batchSize } = options.params;
  const positionSlots = options.params.positionSlots ?? 2;
  layoutFor(options.params); // throws LayoutError on parameters outside protocol.md section 1
  if (options.genesisStateRoot < 0n || options.genesisStateRoot >= FIELD_MODULUS) {
    throw new RangeError(`genesisStateRoot ${options.genesisStateRoot} is not a field element`);
  }
  if (batchSize > 0xffff) throw new RangeError(`batchSize ${batchSize} does not fit the constructor's uint16`);
  const uint32 = (name: string, v: number, min: number): void => {
    if (!Number.isInteger(v) || v < min || v >= 2 ** 32) throw new RangeError(`${name} ${v} does not fit uint32 (min ${min})`);
  };
  uint32("maxOracleDrift", options.maxOracleDrift, 0);
  const forcedDeadline = options.forcedDeadline ?? DEFAULT_FORCED_DEADLINE;
  uint32("forcedDeadline", forcedDeadline, 1);
  const minDeposit = options.minDeposit ?? DEFAULT_MIN_DEPOSIT;
  if (minDeposit < 1n || minDeposit >= 1n << 63n) throw new RangeError(`minDeposit ${minDeposit} outside 1 ≤ minDeposit < 2^63`);
  const maxPendingRequests = options.maxPendingRequests ?? DEFAULT_MAX_PENDING_REQUESTS;
  if (!Number.isInteger(maxPendingRequests) || maxPendingRequests < 1 || maxPendingRequests > 8) {
    throw new RangeError(`maxPendingRequests ${maxPendingRequests} outside 1..8`);
  }

  const poseidons = options.poseidons
    ? await Promise.all(options.poseidons.map(addressOf))
    : await deployPoseidons(signer);
  const poseidon5 = options.poseidon5 ? await addressOf(options.poseidon5) : poseidons[4];
  const exitVerifier = options.exitVerifier
    ? await addressOf(options.exitVerifier)
    : await addressOf(await deployExitVerifier(signer, poseidons, { accountDepth, positionSlots, markets }, options.artifactsDir));

  const { abi, bytecode } = readArtifact("contracts/Settlement.sol", "Settlement", options.artifactsDir);
  const factory = new ContractFactory(abi, bytecode, signer);
  const config = {
    verifier: await addressOf(options.verifier),
    poseidon5,
    exitVerifier,
    collateral: await addressOf(options.token),
    genesisStateRoot: options.genesisStateRoot,
    accountDepth,
    markets,
    scenarios,
    batchSize,
    maxOracleDrift: options.maxOracleDrift,
    forcedDeadline,
    operator: await addressOf(options.operator ?? signer),
    minDeposit,
    maxPendingRequests,
  };
  const settlement = await factory.deploy(config, options.genesis ?? "0x");
  await settlement.waitForDeployment();
  return { settlement: settlement as DeployedContract, poseidon5, poseidons, exitVerifier };
}

/** Connects a deployed contract handle to another runner (e.g. another signer). */
export function connect(contract: DeployedContract, runner: ContractRunner): DeployedContract {
  return contract.connect(runner) as DeployedContract;
}
