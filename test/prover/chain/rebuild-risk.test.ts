/**
 * rebuildState (prover/chain/rebuild.ts) across risk-array changes (issue 9): the arrays
 * travel only as the calldata's risk tail, which the contract does not check, so the
 * rebuild checks it against the header's riskHash. An honest operator's chain rebuilds to
 * its root with the new arrays in force; a tampered or missing tail stops the rebuild at
 * that batch with a RebuildError that names it.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { RebuildError, rebuildState } from "../../../prover/chain/rebuild";
import { applyBatch } from "../../../prover/state/batch";
import { layoutFor } from "../../../prover/state/layout";
import { batchOnChain } from "../../../prover/witness/batch-data";
import { devOrder, signedHeader, trade } from "../../../prover/dev/fixtures";
import { PROOF, USDC, deployOnGenesis, params } from "../../contracts/helpers";
import { expectSameState } from "../state/helpers";

const L = layoutFor(params);

/** Three funded accounts on chain, and the calldata of a batch that triples the arrays with a trade. */
async function withChange() {
  const f = await deployOnGenesis();
  const s = await f.openThree();
  await time.increase(60);
  const pnl = s.global.risk.pnl.map((row) => row.map((x) => 3n * x));
  const header = signedHeader(s, BigInt(await time.latest()), undefined, undefined, undefined, pnl);
  const maker = devOrder(s, { accountIndex: 1, marketId: 2, isBuy: true, size: 4n, limitPrice: 60n * USDC });
  const taker = devOrder(s, { accountIndex: 3, marketId: 2, isBuy: false, size: 4n, limitPrice: 60n * USDC });
  const r = applyBatch(s, { header, ops: [trade(maker, taker, 4n)], deposits: [] });
  return { ...f, r, pnl, data: batchOnChain(params, r.trace).data, address: await f.settlement.getAddress() };
}

async function rejection(p: Promise<unknown>): Promise<RebuildError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(RebuildError);
    return e as RebuildError;
  }
  throw new Error("expected a RebuildError");
}

describe("prover/chain rebuildState with risk arrays signed per header", function () {
  it("rebuilds the operator's root with the published arrays in force, and keeps them in later batches", async function () {
    const f = await withChange();
    await f.settlement.submitBatch(f.data, PROOF);
    // a later batch without arrays: no tail, the arrays stay
    await time.increase(60);
    const next = applyBatch(f.r.state, { header: signedHeader(f.r.state, BigInt(await time.latest())), ops: [], deposits: [] });
    const plain = batchOnChain(params, next.trace).data;
    expect(plain.length).to.equal(L.DATA_BYTES);
    await f.settlement.submitBatch(plain, PROOF);
    const after = next.state;
    const r = await rebuildState(ethers.provider, f.address);
    expect(r.matchesChain).to.equal(true);
    expect(r.state.stateRoot()).to.equal(after.stateRoot());
    expect(r.state.global.risk.pnl).to.deep.equal(f.pnl);
    expectSameState(r.state, after);
  });

  it("names the batch whose risk tail does not hash to the header's riskHash", async function () {
    const f = await withChange();
    const bad = Uint8Array.from(f.data);
    bad[L.DATA_BYTES + 8 * 5 + 7] ^= 1; // pnl[1][1] ± 1: the contract takes it, nothing hashes the tail
    await f.settlement.submitBatch(bad, PROOF);
    const err = await rejection(rebuildState(ethers.provider, f.address));
    expect(err.batchNumber).to.equal(2);
    expect(err.message).to.match(/^batch 2 \(tx 0x[0-9a-f]{64}, block \d+\): replay diverges: RISK_ARRAYS: HEADER the risk tail's arrays hash to riskHash \d+, the header carries \d+$/);
  });

  it("names the batch that changes riskHash without publishing the arrays", async function () {
    const f = await withChange();
    await f.settlement.submitBatch(f.data.subarray(0, L.DATA_BYTES), PROOF);
    const err = await rejection(rebuildState(ethers.provider, f.address));
    expect(err.batchNumber).to.equal(2);
    expect(err.message).to.match(/batch 2 .*RISK_ARRAYS: HEADER riskHash changes from \d+ to \d+ but the calldata carries no risk tail/);
  });
});
