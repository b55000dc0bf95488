/**
 * rebuildState (prover/chain/rebuild.ts) across risk-array changes (issue 9): the arrays
 * travel only as the calldata's risk tail, which the contract does not check, so the
 * rebuild checks it against the header's riskHash. An honest operator's chain rebuilds to
 * its root with the new arrays in force. A tampered or missing tail does not stop the
 * rebuild (decisions.md, "A rebuild never needs the risk arrays"): the batch replays to the
 * proven root with the arrays marked unpublished, and accounts still exit.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { buildExitProofFromChain } from "../../../prover/chain/exit-proof";
import { RuleError } from "../../../prover/state/errors";
import { requirement } from "../../../prover/state/margin";
import { rebuildState } from "../../../prover/chain/rebuild";
import { applyBatch } from "../../../prover/state/batch";
import { layoutFor } from "../../../prover/state/layout";
import { batchOnChain } from "../../../prover/circuit-input/batch-data";
import { devOrder, forcedRequest, signedHeader, trade } from "../../../prover/dev/fixtures";
import { FREEZE_DEADLINE } from "../../contracts/helpers";
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

  it("rebuilds past a batch whose risk tail does not hash to the header's riskHash, to the proven root, with the arrays marked unpublished", async function () {
    const f = await withChange();
    const bad = Uint8Array.from(f.data);
    bad[L.DATA_BYTES + 8 * 5 + 7] ^= 1; // pnl[1][1] ± 1: the contract takes it, nothing hashes the tail
    await f.settlement.submitBatch(bad, PROOF);
    const lines: string[] = [];
    const r = await rebuildState(ethers.provider, f.address, { log: (l) => lines.push(l) });
    expect(r.matchesChain).to.equal(true);
    expect(r.state.stateRoot()).to.equal(f.r.state.stateRoot());
    expect(r.batches.map((b) => b.riskArrays)).to.deep.equal(["known", "known", "unpublished"]);
    expect(r.state.global.risk.unpublished).to.equal(f.r.trace.riskHash);
    expect(lines.some((l) => /batch 2: riskHash \d+ in force without published arrays \(tail does not hash to it\)/.test(l))).to.equal(true);
    // Margin over arrays nobody published is refused by name, not computed from stale ones.
    expect(() => requirement(r.state.account(1), r.state.global.risk)).to.throw(RuleError, /RISK_ARRAYS/);
  });

  it("rebuilds past a batch that changes riskHash with no tail, and accounts exit with proofs built from the chain", async function () {
    const f = await withChange();
    await f.settlement.submitBatch(f.data.subarray(0, L.DATA_BYTES), PROOF);
    const r = await rebuildState(ethers.provider, f.address);
    expect(r.matchesChain).to.equal(true);
    expect(r.batches[2].riskArrays).to.equal("unpublished");
    // a later batch without a tail and the same riskHash keeps replaying
    await time.increase(60);
    const next = applyBatch(f.r.state, { header: signedHeader(f.r.state, BigInt(await time.latest())), ops: [{ type: "FORCED_WITHDRAW" }], deposits: [forcedRequest(1, USDC)] });
    await f.as(f.alice).requestForcedWithdrawal(1, USDC);
    await f.settlement.submitBatch(batchOnChain(params, next.trace).data, PROOF);
    await f.as(f.alice).requestForcedWithdrawal(1, USDC);
    await time.increase(FREEZE_DEADLINE + 1);
    await f.settlement.freeze();
    for (const i of [1, 2, 3]) {
      const { proof, equity } = await buildExitProofFromChain(ethers.provider, f.address, i);
      await expect(f.settlement.exit(proof)).to.emit(f.settlement, "Exited").withArgs(i, (a: string) => a.length === 42, equity, equity);
    }
  });

  it("puts arrays in force again when a later batch publishes them", async function () {
    const f = await withChange();
    await f.settlement.submitBatch(f.data.subarray(0, L.DATA_BYTES), PROOF);
    await time.increase(60);
    const pnl = f.pnl.map((row) => row.map((x) => 2n * x));
    const next = applyBatch(f.r.state, { header: signedHeader(f.r.state, BigInt(await time.latest()), undefined, undefined, undefined, pnl), ops: [], deposits: [] });
    await f.settlement.submitBatch(batchOnChain(params, next.trace).data, PROOF);
    const r = await rebuildState(ethers.provider, f.address);
    expect(r.matchesChain).to.equal(true);
    expect(r.batches.map((b) => b.riskArrays)).to.deep.equal(["known", "known", "unpublished", "known"]);
    expectSameState(r.state, next.state);
  });
});
