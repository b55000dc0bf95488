/**
 * End to end at `ci` parameters: the demo flow on the Hardhat network (real circuit,
 * real Groth16 proofs, the generated verifier contract), then the attacks that peer
 * rollups guarded against, each with the real verifier.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { loadCircuitParams, buildDir } from "../../scripts/lib/params";
import { runDemo, type DemoResult } from "../../scripts/lib/demo-flow";
import { applyBatch } from "../../prover/state/batch";
import { buildBatchInput } from "../../prover/circuit-input/batch-input";
import { batchOnChain } from "../../prover/circuit-input/batch-data";
import { loadCircuit, toSolidityCalldata, verify, type LoadedCircuit } from "../../prover/zk/prover";
import { signedHeader } from "../../prover/dev/fixtures";
import { FIELD_MODULUS } from "../../prover/state/layout";
import { rebuildState } from "../../prover/chain/rebuild";

describe("e2e: the demo flow at ci parameters", function () {
  const params = loadCircuitParams("ci");
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-e2e-"));
  let result: DemoResult;
  let circuit: LoadedCircuit;

  before(async function () {
    const [operator, ...traders] = await hre.ethers.getSigners();
    circuit = await loadCircuit(buildDir(params));
    result = await runDemo({ params, circuitDir: buildDir(params), operator, traders, provider: hre.ethers.provider, outDir });
  });

  it("finalizes every batch on chain with the operator's state root", async function () {
    const { batches } = result.summary;
    expect(batches.map((b) => b.number)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
    for (let i = 1; i < batches.length; i++) expect(batches[i].oldStateRoot).to.equal(batches[i - 1].newStateRoot);
    expect(await result.settlement.stateRoot()).to.equal(result.state.stateRoot());
    expect(await result.settlement.batchCount()).to.equal(8n);
    for (const b of batches) expect(BigInt(b.gasUsed)).to.be.greaterThan(0n);
  });

  it("lets anyone rebuild the state from the chain alone (events and calldata)", async function () {
    const rebuilt = await rebuildState(hre.ethers.provider, await result.settlement.getAddress());
    expect(rebuilt.matchesChain).to.equal(true);
    expect(rebuilt.state.stateRoot()).to.equal(result.state.stateRoot());
  });

  it("writes proofs that anyone can check with snarkjs and the exported verification key", async function () {
    const vkey = JSON.parse(fs.readFileSync(path.join(outDir, "verification_key.json"), "utf8"));
    for (const b of result.summary.batches) {
      const proof = JSON.parse(fs.readFileSync(path.join(outDir, `batch-${b.number}.proof.json`), "utf8"));
      const pub = JSON.parse(fs.readFileSync(path.join(outDir, `batch-${b.number}.public.json`), "utf8")) as string[];
      expect(pub).to.deep.equal([b.inputHash]);
      expect(await verify(vkey, pub, proof)).to.equal(true);
      expect(await verify(vkey, [String((BigInt(b.inputHash) + 1n) % FIELD_MODULUS)], proof)).to.equal(false);
    }
  });

  it("carries positions through funding, liquidation, expiry settlement and withdrawals", function () {
    const ops = result.summary.batches.flatMap((b) => b.ops.map((o) => o.split(" ")[0]));
    for (const t of ["DEPOSIT", "TRADE", "WITHDRAW", "LIQUIDATE", "SETTLE", "FORCED_WITHDRAW"]) expect(ops, t).to.include(t);
    expect(result.state.global.markets[0].fundingIndex).to.be.greaterThan(0n);
    expect(result.state.global.markets[1].settled && result.state.global.markets[2].settled).to.equal(true);
  });

  it("pays every withdrawal on L1 once, to the account's owner", async function () {
    const s = JSON.parse(fs.readFileSync(path.join(outDir, "state.json"), "utf8"));
    const claimed = result.claims.reduce((acc, c) => acc + c.amount, 0n);
    expect(claimed).to.equal(BigInt(s.totals.withdrawals)).and.to.be.greaterThan(0n);
    for (const c of result.claims) expect(await result.settlement.claimable((await hre.ethers.getSigners())[c.account])).to.equal(0n);
  });

  it("writes a state.json that keeps the invariants of docs/protocol.md section 3", function () {
    const s = JSON.parse(fs.readFileSync(path.join(outDir, "state.json"), "utf8"));
    expect(s.stateRoot).to.equal(result.state.stateRoot().toString());
    // collateral net of funding not yet applied = deposits − withdrawals, to the unit
    const index = new Map<number, bigint>(s.markets.map((m: { id: number; fundingIndex: string }) => [m.id, BigInt(m.fundingIndex)]));
    let net = 0n;
    for (const a of s.accounts) {
      net += BigInt(a.collateral);
      for (const p of a.positions) if (p.marketId !== 0) net -= BigInt(p.size) * (index.get(p.marketId)! - BigInt(p.fundingSnapshot));
    }
    expect(net).to.equal(BigInt(s.totals.deposits) - BigInt(s.totals.withdrawals));
    for (const m of s.markets) {
      let oi = 0n;
      for (const a of s.accounts) for (const p of a.positions) if (p.marketId === m.id) oi += BigInt(p.size);
      expect(oi, `open interest of market ${m.id}`).to.equal(0n);
    }
    expect(s.accounts.some((a: { positions: { size: string }[] }) => a.positions.some((p) => p.size.startsWith("-")))).to.equal(true);
  });

  describe("# attacks on submitBatch with the real verifier", function () {
    let data: Uint8Array;
    let proof: bigint[];

    before(async function () {
      const header = signedHeader(result.state, result.state.global.oracleTimestamp + 1n);
      const { trace } = applyBatch(result.state, { header, ops: [], deposits: [] });
      const p = await circuit.prove(buildBatchInput(params, trace));
      data = batchOnChain(params, trace).data;
      proof = toSolidityCalldata(p.proof);
    });

    it("rejects a tampered proof", async function () {
      const bad = [...proof];
      bad[6] = (bad[6] + 1n) % FIELD_MODULUS;
      await expect(result.settlement.submitBatch(data, bad)).to.be.revertedWithCustomError(result.settlement, "InvalidProof");
    });

    it("rejects a malleated proof (A negated)", async function () {
      const q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n; // BN254 base field
      const bad = [...proof];
      bad[1] = q - bad[1];
      await expect(result.settlement.submitBatch(data, bad)).to.be.revertedWithCustomError(result.settlement, "InvalidProof");
    });

    it("rejects calldata with one op byte changed", async function () {
      const bad = Uint8Array.from(data);
      bad[bad.length - 1] ^= 1;
      await expect(result.settlement.submitBatch(bad, proof)).to.be.revertedWithCustomError(result.settlement, "InvalidProof");
      const inHeader = Uint8Array.from(data);
      inHeader[inHeader.length - params.batchSize * 16 - 4] ^= 1; // last byte of the last market's price
      await expect(result.settlement.submitBatch(inHeader, proof)).to.be.revertedWithCustomError(result.settlement, "InvalidProof");
    });

    it("rejects a proof for another batch", async function () {
      const previous = JSON.parse(fs.readFileSync(path.join(outDir, "batch-8.proof.json"), "utf8"));
      await expect(result.settlement.submitBatch(data, toSolidityCalldata(previous))).to.be.revertedWithCustomError(result.settlement, "InvalidProof");
    });

    it("finalizes the honest batch, then rejects its replay", async function () {
      await (await result.settlement.submitBatch(data, proof)).wait();
      await expect(result.settlement.submitBatch(data, proof)).to.be.revertedWithCustomError(result.settlement, "StateRootMismatch");
    });
  });
});
