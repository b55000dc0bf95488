/** Deployment and batch data for the submitter tests: Settlement with a MockVerifier, NOOP batches. */
import { ethers, network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deploySettlement, type DeployedContract } from "../../../prover/chain/deploy";
import { encodeBatchData } from "../../../prover/state/layout";
import { loadParams } from "../../../prover/state/params";
import { Submitter, type SubmitterEvent, type SubmitterOptions } from "../../../prover/chain/submitter";

export const ci = loadParams("ci");
export const GENESIS_ROOT = 0x1000n;
/** The new root of job batch n (1-based): 0x1000 + n. */
export const rootOf = (n: number): bigint => GENESIS_ROOT + BigInt(n);
export const PROOF: readonly bigint[] = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n];

export const rpc = (method: string, params: unknown[] = []): Promise<unknown> => network.provider.send(method, params);
export const mine = (blocks = 1): Promise<unknown> => rpc("hardhat_mine", [`0x${blocks.toString(16)}`]);
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface Fixture {
  settlement: DeployedContract;
  verifier: DeployedContract;
  operator: HardhatEthersSigner;
  other: HardhatEthersSigner;
  /** `submitBatch` data of job batch n: rootOf(n − 1) → rootOf(n), NOOPs only. */
  dataOf(n: number): Promise<Uint8Array>;
}

export async function deployWithMockVerifier(): Promise<Fixture> {
  const [operator, other] = await ethers.getSigners();
  const token = (await ethers.deployContract("TestToken")) as unknown as DeployedContract;
  const verifier = (await ethers.deployContract("MockVerifier")) as unknown as DeployedContract;
  const { settlement } = await deploySettlement(operator, { verifier, token, genesisStateRoot: GENESIS_ROOT, params: ci, maxOracleDrift: 300 });
  const dataOf = async (n: number): Promise<Uint8Array> => {
    const timestamp = (await ethers.provider.getBlock("latest"))!.timestamp;
    return encodeBatchData(ci, {
      oldStateRoot: n === 1 ? GENESIS_ROOT : rootOf(n - 1),
      newStateRoot: rootOf(n),
      depositsEnd: 0,
      header: { timestamp, markPrices: Array<bigint>(ci.markets).fill(1n), riskHash: 1n },
      ops: Array.from({ length: ci.batchSize }, () => ({ type: "NOOP" as const })),
    });
  };
  return { settlement, verifier, operator, other, dataOf };
}

/** `BatchFinalized` events on the canonical chain, as [on-chain batchNumber, newStateRoot]. */
export async function finalizedOnChain(settlement: DeployedContract): Promise<[bigint, bigint][]> {
  const logs = (await settlement.queryFilter(settlement.filters.BatchFinalized())) as unknown as { args: bigint[] }[];
  return logs.map((l) => [l.args[0], l.args[2]]);
}

/** A submitter on the fixture with fast polling; `on` sees (and may act on) each event before it goes on. */
export function submitterFor(
  f: Fixture,
  options: Partial<SubmitterOptions> = {},
  on: (e: SubmitterEvent) => void | Promise<void> = () => undefined,
): { submitter: Submitter; events: SubmitterEvent[] } {
  const events: SubmitterEvent[] = [];
  const submitter = new Submitter({
    settlement: f.settlement,
    signer: f.operator,
    confirmations: 1,
    replaceAfterMs: 60_000,
    maxAttempts: 5,
    pollMs: 5,
    ...options,
    onEvent: async (e) => {
      events.push(e);
      await on(e);
    },
  });
  return { submitter, events };
}

/** Resolves when `predicate` holds for an event, for tests that act between steps. */
export function when<T>(predicate: (e: SubmitterEvent) => T | undefined): { on: (e: SubmitterEvent) => void; seen: Promise<T> } {
  let resolve!: (v: T) => void;
  const seen = new Promise<T>((r) => (resolve = r));
  return { on: (e) => { const v = predicate(e); if (v !== undefined) resolve(v); }, seen };
}
