/**
 * End to end at `ci` parameters, a risk-array change (issue 9) with a real Groth16
 * proof and the generated verifier: the header carries new arrays, the batch is proven,
 * submitted with its risk tail and finalized; header bytes that carry another riskHash
 * do not verify; the state rebuilt from the chain has the new arrays in force.
 */
import { expect } from "chai";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { buildDir, loadCircuitParams } from "../../scripts/lib/params";
import { deployDevContracts } from "../../scripts/lib/dev-chain";
import { devGenesis, signedHeader } from "../../prover/dev/fixtures";
import { applyBatch } from "../../prover/state/batch";
import { layoutFor } from "../../prover/state/layout";
import { rebuildState } from "../../prover/chain/rebuild";
import { buildBatchInput } from "../../prover/circuit-input/batch-input";
import { batchOnChain } from "../../prover/circuit-input/batch-data";
import { loadCircuit, terminateCurves, toSolidityCalldata } from "../../prover/zk/prover";

describe("e2e: a risk-array change proven and finalized with the real verifier", function () {
  const params = loadCircuitParams("ci");
  after(terminateCurves);

  it("finalizes the batch with its tail, refuses other riskHash bytes, and rebuilds with the new arrays", async function () {
    const [operator] = await hre.ethers.getSigners();
    const now = BigInt(await time.latest());
    const genesis = await devGenesis(params, { timestamp: now - 10n });
    const c = await deployDevContracts(operator, params, genesis);
    const pnl = genesis.global.risk.pnl.map((row) => row.map((x) => (3n * x) / 2n));
    const header = signedHeader(genesis, now, undefined, undefined, undefined, pnl);
    const { state, trace } = applyBatch(genesis, { header, ops: [], deposits: [] });
    const circuit = await loadCircuit(buildDir(params));
    const p = await circuit.prove(buildBatchInput(params, trace));
    const proof = toSolidityCalldata(p.proof);
    const { data, inputHash } = batchOnChain(params, trace);
    expect(p.publicSignals).to.deep.equal([inputHash.toString()]);

    // the old riskHash in the header bytes: the proof is not for them
    const L = layoutFor(params);
    const oldBytes = Uint8Array.from(data);
    oldBytes.set(hre.ethers.getBytes(hre.ethers.toBeHex(trace.oldRiskHash, 32)), L.data.header.offset + L.header.riskHash.offset);
    await expect(c.settlement.submitBatch(oldBytes, proof)).to.be.revertedWithCustomError(c.settlement, "InvalidProof");

    expect(data.length).to.equal(L.DATA_BYTES + L.RISK_TAIL_BYTES);
    await expect(c.settlement.submitBatch(data, proof)).to.emit(c.settlement, "BatchFinalized").withArgs(0, genesis.stateRoot(), state.stateRoot(), 0, inputHash);
    const rebuilt = await rebuildState(hre.ethers.provider, await c.settlement.getAddress());
    expect(rebuilt.matchesChain).to.equal(true);
    expect(rebuilt.state.global.risk.pnl).to.deep.equal(pnl);
  });
});
