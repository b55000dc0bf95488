/**
 * rebuildState (prover/chain/rebuild.ts) on the Hardhat network: a settlement contract
 * behind a MockVerifier that accepts (no proving), deployed with the genesis encoding;
 * deposits, a top-up and a forced-withdrawal request on L1; batches built with the
 * reference rules — trades with fees, funding, a withdrawal, a liquidation whose deficit
 * the fund absorbs, a forced withdrawal, expiry settlement — submitted as calldata. The
 * state rebuilt from the chain alone equals the operator's: root and every account.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer } from "ethers";
import { deploySettlement, type DeployedContract } from "../../../prover/chain/deploy";
import { RebuildError, rebuildState } from "../../../prover/chain/rebuild";
import { applyBatch, type Op } from "../../../prover/state/batch";
import { encodeGenesis } from "../../../prover/state/genesis-codec";
import { encodeBatchData } from "../../../prover/state/layout";
import { riskHash } from "../../../prover/state/global";
import type { DepositEntry } from "../../../prover/state/ops/deposit";
import type { State } from "../../../prover/state/state";
import { batchOnChain } from "../../../prover/circuit-input/batch-data";
import {
  CI_PARAMS,
  depositNew,
  devGenesis,
  devLiquidation,
  devOrder,
  devPublicKey,
  devWithdrawal,
  forcedRequest,
  signedHeader,
  topUp,
  trade,
} from "../../../prover/dev/fixtures";
import { expectSameState } from "../state/helpers";

const USDC = 1_000_000n;
const PROOF = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n];
const params = CI_PARAMS;

/** A deployment on a dev genesis; `publish` = log the genesis encoding in GenesisPublished. */
async function deploy(publish = true) {
  const [operator, ...traders] = await ethers.getSigners();
  const genesis = await devGenesis(params, { timestamp: BigInt(await time.latest()) - 10n, insuranceCollateral: 2_000n * USDC });
  const token = (await ethers.deployContract("TestToken")) as unknown as DeployedContract;
  const verifier = (await ethers.deployContract("MockVerifier")) as unknown as DeployedContract;
  const { settlement } = await deploySettlement(operator, {
    verifier,
    token,
    genesisStateRoot: genesis.stateRoot(),
    genesis: publish ? encodeGenesis(genesis) : undefined,
    params,
    maxOracleDrift: 300,
  });
  for (const who of traders.slice(0, 4)) {
    await token.mint(who, 1_000_000n * USDC);
    await (token.connect(who) as DeployedContract).approve(settlement, ethers.MaxUint256);
  }
  const as = (who: Signer): DeployedContract => settlement.connect(who) as DeployedContract;
  let state: State = genesis;
  /** Applies a batch with the rules at the next block time and submits its calldata. */
  async function submit(ops: (s: State) => Op[], deposits: DepositEntry[] = [], prices?: bigint[], rates?: bigint[], wait = 60): Promise<State> {
    await time.increase(wait);
    const header = signedHeader(state, BigInt(await time.latest()), prices, undefined, rates);
    const r = applyBatch(state, { header, ops: ops(state), deposits });
    await (await settlement.submitBatch(batchOnChain(params, r.trace).data, PROOF)).wait();
    state = r.state;
    return state;
  }
  return { settlement, genesis, traders, as, submit, state: () => state };
}

/** The RebuildError a promise rejects with. */
async function rejection(p: Promise<unknown>): Promise<RebuildError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(RebuildError);
    return e as RebuildError;
  }
  throw new Error("expected a RebuildError");
}

describe("prover/chain rebuildState", function () {
  let f: Awaited<ReturnType<typeof deploy>>;
  let address: string;

  before(async function () {
    f = await deploy();
    address = await f.settlement.getAddress();
    const [alice, bob, carol, dave] = f.traders;
    for (const [i, who] of [alice, bob, carol, dave].entries()) {
      const k = devPublicKey(i + 1);
      await f.as(who).depositNew(k.ax, k.ay, 10_000n * USDC);
    }
    await f.submit(() => [{ type: "DEPOSIT" }, { type: "DEPOSIT" }], [depositNew(1, 10_000n * USDC), depositNew(2, 10_000n * USDC)]);
    await f.submit(() => [{ type: "DEPOSIT" }, { type: "DEPOSIT" }], [depositNew(3, 10_000n * USDC), depositNew(4, 10_000n * USDC)]);
    // trades with fees: 1 buys 1,400 BTC-PERP from 2, 3 buys 10 BTC-FUT from 4
    await f.submit((s) => [
      trade(devOrder(s, { accountIndex: 2, marketId: 1, isBuy: false, size: 1_400n, limitPrice: 60n * USDC, maxFeeBps: 10n }), devOrder(s, { accountIndex: 1, marketId: 1, isBuy: true, size: 1_400n, limitPrice: 60n * USDC, maxFeeBps: 10n }), 1_400n, 2n, 5n),
      trade(devOrder(s, { accountIndex: 4, marketId: 2, isBuy: false, size: 10n, limitPrice: 60n * USDC, maxFeeBps: 10n }), devOrder(s, { accountIndex: 3, marketId: 2, isBuy: true, size: 10n, limitPrice: 60n * USDC, maxFeeBps: 10n }), 10n, 5n, 5n),
    ]);
    // funding on the perpetual, a withdrawal and a top-up
    await f.as(bob).deposit(2, 500n * USDC);
    await f.submit((s) => [devWithdrawal(s, 3, 1_000n * USDC), { type: "DEPOSIT" }], [topUp(2, 500n * USDC)], [61n * USDC, 60n * USDC, 1_200_000n, 1_100_000n], [1_000_000n, 0n, 0n, 0n]);
    // BTC-PERP falls to 53: 2 liquidates all of 1 (the fund absorbs the deficit); 4's forced-withdrawal request is served
    await f.as(dave).requestForcedWithdrawal(4, 300n * USDC);
    await f.submit(
      (s) => [devLiquidation(s, { liquidatorIndex: 2, liquidateeIndex: 1, marketId: 1 }, 1_400n), { type: "FORCED_WITHDRAW" }],
      [forcedRequest(4, 300n * USDC)],
      [53n * USDC, 60n * USDC, 1_200_000n, 1_100_000n],
      [-500_000n, 0n, 0n, 0n],
    );
    // a day later the dated markets expire at 62; 3 and 4 settle their futures
    await f.submit(() => [{ type: "SETTLE", accountIndex: 3, marketId: 2 }, { type: "SETTLE", accountIndex: 4, marketId: 2 }], [], [53n * USDC, 62n * USDC, 62n * USDC, 62n * USDC], undefined, 86_400);
  });

  it("rebuilds exactly the operator's state root and every account from events and calldata alone", async function () {
    const s = f.state();
    expect(s.account(1).collateral).to.equal(0n); // the deficit was absorbed
    expect(s.account(3).positions.every((p) => p.marketId === 0)).to.equal(true);
    const lines: string[] = [];
    const r = await rebuildState(ethers.provider, address, { log: (l) => lines.push(l) });
    expect(r.matchesChain).to.equal(true);
    expect(r.chainStateRoot).to.equal(s.stateRoot());
    expect(r.state.stateRoot()).to.equal(s.stateRoot());
    expectSameState(r.state, s);
    expect(r.genesisRoot).to.equal(f.genesis.stateRoot());
    expect(r.batches.map((b) => b.batchNumber)).to.deep.equal([0, 1, 2, 3, 4, 5]);
    expect(r.batches[4].ops).to.deep.equal(["LIQUIDATE", "FORCED_WITHDRAW"]);
    expect(r.depositsConsumed).to.equal(6);
    expect(r.queue.length).to.equal(6);
    expect(r.totals.deposits).to.equal(40_500n * USDC);
    expect(r.totals.withdrawals).to.equal(1_300n * USDC);
    expect(r.batches[3].withdrawals).to.deep.equal([{ accountIndex: 3, amount: 1_000n * USDC }]);
    expect(lines.length).to.equal(8); // genesis, queue, six batches
  });

  it("stops at toBlock: the state as it stood after an earlier batch", async function () {
    const r0 = await rebuildState(ethers.provider, address);
    const at = r0.batches[2].blockNumber;
    const r = await rebuildState(ethers.provider, address, { toBlock: at, logChunk: 3 });
    expect(r.batches.length).to.equal(3);
    expect(r.matchesChain).to.equal(true);
    expect(r.state.stateRoot()).to.equal(r0.batches[2].newStateRoot);
  });

  it("names the batch whose calldata does not replay to the root the contract accepted", async function () {
    const s = f.state();
    await time.increase(60);
    const header = { timestamp: await time.latest(), markPrices: s.global.markets.map((m) => m.markPrice), fundingRates: [0n, 0n, 0n, 0n], riskHash: riskHash(s.global.risk) };
    // a lying operator behind an accepting verifier: the ops are NOOPs, the claimed root is not the state's
    const data = encodeBatchData(params, { oldStateRoot: s.stateRoot(), newStateRoot: 12345n, depositsEnd: 6, header, ops: [] });
    await (await f.settlement.submitBatch(data, PROOF)).wait();
    const err = await rejection(rebuildState(ethers.provider, address));
    expect(err.batchNumber).to.equal(6);
    expect(err.message).to.match(/^batch 6 \(tx 0x[0-9a-f]{64}, block \d+\): replayed root \d+ ≠ BatchFinalized newStateRoot 12345$/);
  });

  it("needs the genesis bytes when GenesisPublished carries none, and checks them against the logged root", async function () {
    const g = await deploy(false);
    const a = await g.settlement.getAddress();
    const from = (await ethers.provider.getBlockNumber()) - 20;
    expect((await rejection(rebuildState(ethers.provider, a, { fromBlock: from }))).message).to.match(/carries no genesis encoding/);
    const r = await rebuildState(ethers.provider, a, { fromBlock: from, genesis: encodeGenesis(g.genesis) });
    expect(r.matchesChain).to.equal(true);
    expect(r.batches.length).to.equal(0);
    expect((await rejection(rebuildState(ethers.provider, a, { fromBlock: from, genesis: encodeGenesis(f.genesis) }))).message).to.match(/GenesisPublished logs/);
  });
});
