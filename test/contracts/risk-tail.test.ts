/**
 * The risk tail of `submitBatch` data (issue 9, protocol.md section 7): a batch that puts
 * new risk arrays in force publishes them after the fixed part. The contract accepts a
 * tail of 0 or exactly M·S·8 bytes (else RiskTailLength), hashes only the fixed part,
 * and after such a batch accounts still exit with proofs built from the chain alone
 * (the exit needs only riskHash, which the hashed header carries).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { buildExitProofFromChain, exitEquity } from "../../prover/chain/exit-proof";
import { applyBatch } from "../../prover/state/batch";
import { layoutFor } from "../../prover/state/layout";
import { batchOnChain } from "../../prover/circuit-input/batch-data";
import { devOrder, devPublicKey, signedHeader, trade } from "../../prover/dev/fixtures";
import { FREEZE_DEADLINE, PROOF, USDC, deployOnGenesis, params } from "./helpers";

const L = layoutFor(params);

/** Three funded accounts, and a batch that doubles the arrays with a trade under them. */
async function withChange() {
  const f = await deployOnGenesis();
  const s = await f.openThree();
  await time.increase(60);
  const wider = s.global.risk.pnl.map((row) => row.map((x) => 2n * x));
  const header = signedHeader(s, BigInt(await time.latest()), undefined, undefined, undefined, wider);
  const maker = devOrder(s, { accountIndex: 1, marketId: 1, isBuy: true, size: 10n, limitPrice: 60n * USDC });
  const taker = devOrder(s, { accountIndex: 2, marketId: 1, isBuy: false, size: 10n, limitPrice: 60n * USDC });
  const r = applyBatch(s, { header, ops: [trade(maker, taker, 10n)], deposits: [] });
  const onChain = batchOnChain(params, r.trace);
  return { ...f, r, wider, onChain, fixed: onChain.data.subarray(0, L.DATA_BYTES) };
}

describe("Settlement risk tail", () => {
  it("carries the M·S·8-byte tail after the fixed part when the header changes the arrays", async () => {
    const { onChain } = await withChange();
    expect(L.RISK_TAIL_BYTES).to.equal(params.markets * params.scenarios * 8);
    expect(onChain.data.length).to.equal(L.DATA_BYTES + L.RISK_TAIL_BYTES);
  });

  it("reverts a tail of any other length with RiskTailLength(expected, given)", async () => {
    const { settlement, onChain, fixed } = await withChange();
    const extra = (n: number) => new Uint8Array([...fixed, ...new Uint8Array(n)]);
    for (const n of [1, 8, L.RISK_TAIL_BYTES - 8, L.RISK_TAIL_BYTES + 1]) {
      await expect(settlement.submitBatch(extra(n), PROOF)).to.be.revertedWithCustomError(settlement, "RiskTailLength").withArgs(L.RISK_TAIL_BYTES, n);
    }
    await expect(settlement.computeInputHash(new Uint8Array([...onChain.data, 0])))
      .to.be.revertedWithCustomError(settlement, "RiskTailLength")
      .withArgs(L.RISK_TAIL_BYTES, L.RISK_TAIL_BYTES + 1);
  });

  it("hashes only the fixed part, and finalizes the batch with its tail", async () => {
    const { settlement, verifier, r, onChain, fixed } = await withChange();
    expect(await settlement.computeInputHash(onChain.data)).to.equal(onChain.inputHash);
    expect(await settlement.computeInputHash(fixed)).to.equal(onChain.inputHash);
    await verifier.expectInput(onChain.inputHash); // the proof verifies for this input only
    await expect(settlement.submitBatch(onChain.data, PROOF))
      .to.emit(settlement, "BatchFinalized")
      .withArgs(2, r.trace.oldStateRoot, r.trace.newStateRoot, 3, onChain.inputHash);
    expect(await settlement.stateRoot()).to.equal(r.state.stateRoot());
  });

  it("lets accounts exit with proofs built from the chain after an array change", async () => {
    const f = await withChange();
    await f.settlement.submitBatch(f.onChain.data, PROOF);
    const k = devPublicKey(4);
    await f.as(f.dave).depositNew(k.ax, k.ay, USDC); // never served: the operator stops
    await time.increase(FREEZE_DEADLINE + 1);
    await f.settlement.freeze();
    const address = await f.settlement.getAddress();
    for (const i of [1, 2]) {
      const { proof, state, equity } = await buildExitProofFromChain(ethers.provider, address, i);
      expect(state.global.risk.pnl).to.deep.equal(f.wider);
      expect(equity).to.equal(exitEquity(f.r.state, i));
      await expect(f.settlement.exit(proof)).to.emit(f.settlement, "Exited");
    }
  });
});
