/**
 * Contract-test fixtures on real states: a settlement contract whose stored roots are
 * state roots computed by the TypeScript rules (prover/state/batch.ts), behind a
 * MockVerifier that accepts, so that accounts can exit with real Merkle proofs.
 */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer } from "ethers";
import { deploySettlement, type DeployedContract } from "../../prover/chain/deploy";
import { batchOnChain } from "../../prover/circuit-input/batch-data";
import { applyBatch, type Batch, type Op } from "../../prover/state/batch";
import type { DepositEntry } from "../../prover/state/ops/deposit";
import type { State } from "../../prover/state/state";
import { encodeGenesis } from "../../prover/state/genesis-codec";
import { CI_PARAMS, depositNew, devGenesis, devOrder, devPublicKey, signedHeader, trade } from "../../prover/dev/fixtures";

export const USDC = 1_000_000n;
export const PROOF: bigint[] = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n];
export const FORCED_DEADLINE = 7 * 24 * 3600;
/** Freezing opens at twice FORCED_DEADLINE (fallback mode opens at FORCED_DEADLINE). */
export const FREEZE_DEADLINE = 2 * FORCED_DEADLINE;
export const params = CI_PARAMS;

/** A deployment on a real genesis, with three funded traders (accounts 1, 2, 3 once their deposits are consumed). */
export async function deployOnGenesis(tokenName: "TestToken" | "ReentrantToken" = "TestToken") {
  const [operator, alice, bob, carol, dave] = await ethers.getSigners();
  const now = BigInt(await time.latest());
  const genesis = await devGenesis(params, { timestamp: now - 10n });
  const token = (await ethers.deployContract(tokenName)) as unknown as DeployedContract;
  const verifier = (await ethers.deployContract("MockVerifier")) as unknown as DeployedContract;
  const deployed = await deploySettlement(operator, {
    verifier,
    token,
    genesisStateRoot: genesis.stateRoot(),
    params,
    maxOracleDrift: 300,
    forcedDeadline: FORCED_DEADLINE,
    genesis: encodeGenesis(genesis),
  });
  const { settlement } = deployed;
  for (const who of [alice, bob, carol, dave]) {
    await token.mint(who, 1_000_000n * USDC);
    await (token.connect(who) as DeployedContract).approve(settlement, ethers.MaxUint256);
  }
  const as = (who: Signer): DeployedContract => settlement.connect(who) as DeployedContract;
  const exitVerifier = (await ethers.getContractAt("ExitVerifier", deployed.exitVerifier)) as unknown as DeployedContract;

  /** The chain's view in TypeScript: the last finalized state. */
  let state: State = genesis;
  const states: State[] = [genesis];

  /**
   * Applies a batch with the TS rules at the next block time and submits it.
   * @returns the new state
   */
  async function submit(ops: Op[], deposits: DepositEntry[] = [], prices?: bigint[], rates?: bigint[]): Promise<State> {
    await time.increase(60);
    const ts = BigInt(await time.latest());
    const header = signedHeader(state, ts, prices, undefined, rates);
    const batch: Batch = { header, ops, deposits };
    const r = applyBatch(state, batch);
    const { data } = batchOnChain(params, r.trace);
    await settlement.submitBatch(data, PROOF);
    state = r.state;
    states.push(state);
    return state;
  }

  /** Opens accounts 1, 2, 3 (alice, bob, carol) with `amount` each, on L1 and in two batches. */
  async function openThree(amount = 10_000n * USDC): Promise<State> {
    for (const [i, who] of [alice, bob, carol].entries()) {
      const k = devPublicKey(i + 1);
      await as(who).depositNew(k.ax, k.ay, amount);
    }
    await submit([{ type: "DEPOSIT" }, { type: "DEPOSIT" }], [depositNew(1, amount), depositNew(2, amount)]);
    return submit([{ type: "DEPOSIT" }], [depositNew(3, amount)]);
  }

  return {
    settlement,
    token,
    verifier,
    exitVerifier,
    deployed,
    operator,
    alice,
    bob,
    carol,
    dave,
    as,
    submit,
    openThree,
    state: () => state,
    states,
  };
}

/**
 * Alice (account 1) buys 10 lots of the perpetual from Bob (account 2) at 60, then the
 * mark jumps to 80: with 100 USDC each, Bob is 100 under water and Alice's equity is 300;
 * nobody is liquidated.
 * @returns the state after the jump
 */
export async function bobUnderWater(f: Pick<Awaited<ReturnType<typeof deployOnGenesis>>, "submit">, s: State): Promise<State> {
  s = await f.submit([
    trade(
      devOrder(s, { accountIndex: 2, marketId: 1, isBuy: false, size: 10n, limitPrice: 60n * USDC }),
      devOrder(s, { accountIndex: 1, marketId: 1, isBuy: true, size: 10n, limitPrice: 60n * USDC }),
      10n,
    ),
  ]);
  return f.submit([], [], [80n * USDC, ...s.global.markets.slice(1).map((m) => m.markPrice)]);
}
