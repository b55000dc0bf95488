/**
 * Deploys the settlement contract and circomlibjs' Poseidon(5) contract with plain
 * ethers v6, so that scripts, tests and the service share one path. The Settlement
 * bytecode comes from Hardhat's artifacts (`npx hardhat compile` first).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ContractFactory, type Addressable, type BaseContract, type ContractRunner, type InterfaceAbi, type Signer } from "ethers";
import type { Params } from "../state/params";
import { FIELD_MODULUS, layoutFor } from "../state/layout";

// circomlibjs ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { poseidonContract } = require("circomlibjs") as {
  poseidonContract: { createCode(nInputs: number): string; generateABI(nInputs: number): InterfaceAbi };
};

/** ABI of circomlibjs' Poseidon contract for 5 inputs (`poseidon(uint256[5])`, `poseidon(bytes32[5])`). */
export const POSEIDON5_ABI: InterfaceAbi = poseidonContract.generateABI(5);

/** A contract handle with its methods reachable by name (ethers' untyped `Contract`). */
export type DeployedContract = BaseContract & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface SettlementDeployment {
  /** The address of the snarkjs verifier (or a MockVerifier in tests). */
  verifier: string | Addressable;
  /** The collateral ERC-20. */
  token: string | Addressable;
  /** The genesis state root (< r). */
  genesisStateRoot: bigint;
  /** The parameter set; the contract takes accountDepth, markets and batchSize. */
  params: Pick<Params, "accountDepth" | "markets" | "batchSize">;
  /** Seconds a header timestamp may run ahead of the block (MAX_ORACLE_DRIFT). */
  maxOracleDrift: number;
  /** The operator; defaults to the signer. */
  operator?: string | Addressable;
  /** An already deployed Poseidon(5) contract; deployed afresh when left out. */
  poseidon5?: string | Addressable;
  /** Hardhat's artifacts folder (defaults to `<repo>/artifacts`). */
  artifactsDir?: string;
}

/**
 * Deploys circomlibjs' Poseidon contract for 5 inputs.
 * @param signer - the deployer
 * @returns the deployed contract (call `poseidon(uint256[5])` on it)
 */
export async function deployPoseidon5(signer: Signer): Promise<DeployedContract> {
  const factory = new ContractFactory(POSEIDON5_ABI, poseidonContract.createCode(5), signer);
  const contract = await factory.deploy();
  await contract.waitForDeployment();
  return contract as DeployedContract;
}

/** Reads a Hardhat artifact's ABI and bytecode. */
export function readArtifact(
  sourceName: string,
  contractName: string,
  artifactsDir = join(__dirname, "..", "..", "artifacts"),
): { abi: InterfaceAbi; bytecode: string } {
  const file = join(artifactsDir, sourceName, `${contractName}.json`);
  const artifact = JSON.parse(readFileSync(file, "utf8")) as { abi: InterfaceAbi; bytecode: string };
  return { abi: artifact.abi, bytecode: artifact.bytecode };
}

/**
 * Deploys `contracts/Settlement.sol` (and Poseidon(5) unless given).
 * @param signer - the deployer (and the operator unless `operator` is given)
 * @param options - see {@link SettlementDeployment}
 * @returns the settlement contract and the Poseidon(5) address it uses
 */
export async function deploySettlement(
  signer: Signer,
  options: SettlementDeployment,
): Promise<{ settlement: DeployedContract; poseidon5: string }> {
  const { accountDepth, markets, batchSize } = options.params;
  layoutFor(options.params); // throws LayoutError on parameters outside protocol.md section 1
  if (options.genesisStateRoot < 0n || options.genesisStateRoot >= FIELD_MODULUS) {
    throw new RangeError(`genesisStateRoot ${options.genesisStateRoot} is not a field element`);
  }
  if (batchSize > 0xffff) throw new RangeError(`batchSize ${batchSize} does not fit the constructor's uint16`);
  if (!Number.isInteger(options.maxOracleDrift) || options.maxOracleDrift < 0 || options.maxOracleDrift >= 2 ** 32) {
    throw new RangeError(`maxOracleDrift ${options.maxOracleDrift} does not fit uint32`);
  }

  const poseidon5 = options.poseidon5 ?? (await deployPoseidon5(signer));
  const address = async (a: string | Addressable): Promise<string> => (typeof a === "string" ? a : a.getAddress());
  const { abi, bytecode } = readArtifact("contracts/Settlement.sol", "Settlement", options.artifactsDir);
  const factory = new ContractFactory(abi, bytecode, signer);
  const settlement = await factory.deploy(
    await address(options.verifier),
    await address(poseidon5),
    await address(options.token),
    options.genesisStateRoot,
    accountDepth,
    markets,
    batchSize,
    options.maxOracleDrift,
    await address(options.operator ?? signer),
  );
  await settlement.waitForDeployment();
  return { settlement: settlement as DeployedContract, poseidon5: await address(poseidon5) };
}

/** Connects a deployed contract handle to another runner (e.g. another signer). */
export function connect(contract: DeployedContract, runner: ContractRunner): DeployedContract {
  return contract.connect(runner) as DeployedContract;
}
