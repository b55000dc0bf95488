/**
 * The prover backends (prover/zk/backend.ts): the native arkworks addon and snarkjs
 * prove the same witnesses, their proofs verify with snarkjs and with the generated
 * Solidity verifier, and both refuse what they must: a witness that breaks a
 * constraint, a witness or a zkey of another circuit, a file that is not a zkey.
 *
 * The multiplier fixture (241 constraints) carries the property tests; the ci circuit
 * (build/ci, ~194k constraints) the end-to-end checks: one snarkjs proof, two native.
 * The native cases need the addon (`npm run build:native`; .ci/run builds it first).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import type { ProvingBackend } from "../../../prover/zk/backend";
import { BackendError } from "../../../prover/zk/backend-errors";
import { nativeAddon } from "../../../prover/zk/backend-native";
import { loadBackend, parseBackendChoice, resolveBackend } from "../../../prover/zk/load-backend";
import { ProverPool } from "../../../prover/pool/prover-pool";
import { readSetup, terminateCurves, toSolidityCalldata, verify } from "../../../prover/zk/prover";
import { WitnessCalculator } from "../../../prover/zk/witness";
import { applyBatch, type Batch } from "../../../prover/state/batch";
import { depositNew, devGenesis, signedHeader } from "../../../prover/dev/fixtures";
import { buildBatchInput } from "../../../prover/circuit-input/batch-input";
import { REPO_ROOT } from "../../../scripts/lib/circom";
import { loadCircuitParams } from "../../../scripts/lib/params";
import { setupCircuit } from "../../../scripts/lib/setup";
import { testCircuit } from "../../helpers/circuit";
import { CI_CIRCUIT_DIR } from "../service/fixtures";

const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const MULTIPLIER = `pragma circom 2.1.9;
include "multiplier.circom";
component main = Multiplier();
`;
const MULTIPLIER_DIR = path.join(REPO_ROOT, "build", "test", "multiplier");

/** Offset of wire 0 in a `.wtns` image: magic, version, section count, section 1 (n8, q, count), section 2's header. */
const WIRES_AT = 12 + 12 + 4 + 32 + 4 + 12;

/** A copy of `wtns` with wire `i` set to `value`. */
function withWire(wtns: Uint8Array, i: number, value: bigint): Uint8Array {
  const out = new Uint8Array(wtns);
  let v = value;
  for (let b = 0; b < 32; b++) {
    out[WIRES_AT + 32 * i + b] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function wireCount(wtns: Uint8Array): number {
  return new DataView(wtns.buffer, wtns.byteOffset).getUint32(12 + 12 + 4 + 32, true);
}

async function refusal(p: Promise<unknown>): Promise<BackendError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "expected a refusal").to.be.instanceOf(BackendError);
  return err as BackendError;
}

const hasNative = (): boolean => !("problem" in nativeAddon());

describe("prover/zk: the native and snarkjs backends", function () {
  this.timeout(20 * 60_000);
  let wc: WitnessCalculator;
  let snark: ProvingBackend;
  let native: ProvingBackend | undefined;

  before(async function () {
    await testCircuit("multiplier", MULTIPLIER);
    await setupCircuit({ dir: MULTIPLIER_DIR, circuit: "multiplier_main" });
    const { key, wasmPath } = readSetup(MULTIPLIER_DIR);
    wc = await WitnessCalculator.load(wasmPath);
    snark = await loadBackend("snarkjs", key);
    if (hasNative()) native = await loadBackend("native", key);
  });

  after(terminateCurves);

  function needNative(this: Mocha.Context): ProvingBackend {
    if (native === undefined) this.skip();
    return native!;
  }

  it("proves any a·b = c with the native backend, and snarkjs verifies the proof", async function () {
    const nat = needNative.call(this);
    const { key } = readSetup(MULTIPLIER_DIR);
    const field = fc.bigInt({ min: 0n, max: R - 1n });
    await fc.assert(
      fc.asyncProperty(field, field, async (a, b) => {
        const wtns = await wc.wtns({ a, b, c: (a * b) % R });
        const out = await nat.prove(wtns);
        expect(out.proof.protocol).to.equal("groth16");
        expect(out.proof.curve).to.equal("bn128");
        expect(await verify(key.vkey, out.publicSignals, out.proof)).to.equal(true);
      }),
      { numRuns: 8, examples: [[0n, 0n], [R - 1n, R - 1n], [1n, R - 1n]] },
    );
  });

  it("gives the same public signals as snarkjs for the same witness", async function () {
    const nat = needNative.call(this);
    const wtns = await wc.wtns({ a: 5, b: 7, c: 35 });
    const [n, s] = [await nat.prove(wtns), await snark.prove(wtns)];
    expect(n.publicSignals).to.deep.equal(s.publicSignals);
  });

  it("refuses, with either backend, a witness in which any one wire was changed", async function () {
    const nat = needNative.call(this);
    const wtns = await wc.wtns({ a: 5, b: 7, c: 35 });
    const wires = wireCount(wtns);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: wires - 1 }), fc.bigInt({ min: 1n, max: R - 1n }), async (i, delta) => {
        const bad = withWire(wtns, i, (readWire(wtns, i) + delta) % R);
        const err = await refusal(nat.prove(bad));
        expect(err.code).to.equal("PRV_ERR_WITNESS");
        expect(err.message).to.match(/does not satisfy the circuit's constraints/);
      }),
      { numRuns: 12 },
    );
    const err = await refusal(snark.prove(withWire(wtns, 1, readWire(wtns, 1) + 1n)));
    expect(err.code).to.equal("PRV_ERR_WITNESS");
  });

  it("refuses a witness whose wire 0 is not 1", async function () {
    const nat = needNative.call(this);
    const wtns = await wc.wtns({ a: 5, b: 7, c: 35 });
    const err = await refusal(nat.prove(withWire(wtns, 0, 2n)));
    expect(err.code).to.equal("PRV_ERR_WITNESS");
    expect(err.message).to.match(/wire 0/);
  });

  it("refuses a file that is not a zkey, naming it", async function () {
    needNative.call(this);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "zkey-")), "bad.zkey");
    fs.writeFileSync(file, "not a zkey");
    const { key } = readSetup(MULTIPLIER_DIR);
    const err = await refusal(loadBackend("native", { ...key, zkeyPath: file }));
    expect(err.code).to.equal("PRV_ERR_ZKEY");
    expect(err.message).to.match(/not a zkey file/);
  });

  it("resolves auto to native where the addon loads, and a pool names the backend it proves with", async function () {
    needNative.call(this);
    expect(resolveBackend("auto")).to.deep.equal({ name: "native" });
    expect(resolveBackend("snarkjs")).to.deep.equal({ name: "snarkjs" });
    const pools = [new ProverPool({ maxThreads: 1 }), new ProverPool({ maxThreads: 1, backend: "snarkjs" })];
    expect(pools.map((p) => p.backend)).to.deep.equal(["native", "snarkjs"]);
    await Promise.all(pools.map((p) => p.close()));
  });

  it("parses --prover values and refuses any other, naming the choices", function () {
    for (const v of ["auto", "native", "snarkjs"]) expect(parseBackendChoice(v)).to.equal(v);
    for (const v of ["", "gpu", "Native", "rapidsnark"]) expect(() => parseBackendChoice(v)).to.throw(RangeError, /expected one of auto, native, snarkjs/);
  });

  describe("on the ci circuit", function () {
    let ci: ReturnType<typeof readSetup>;
    let ciWtns: Uint8Array;

    before(async function () {
      if (!fs.existsSync(path.join(CI_CIRCUIT_DIR, "setup.json"))) this.skip();
      ci = readSetup(CI_CIRCUIT_DIR);
      const params = loadCircuitParams("ci");
      const genesis = await devGenesis(params);
      const deposits = [depositNew(1, 1000n * 1_000_000n), depositNew(2, 5n)];
      const batch: Batch = { header: signedHeader(genesis, genesis.global.oracleTimestamp + 10n), ops: deposits.map(() => ({ type: "DEPOSIT" as const })), deposits };
      const ciWc = await WitnessCalculator.load(ci.wasmPath);
      ciWtns = await ciWc.wtns(buildBatchInput(params, applyBatch(genesis, batch).trace));
    });

    it("makes native and snarkjs proofs of one witness that snarkjs and the generated Solidity verifier both accept", async function () {
      needNative.call(this);
      const [nat, snk] = [await loadBackend("native", ci.key), await loadBackend("snarkjs", ci.key)];
      const proofs = [await nat.prove(ciWtns), await snk.prove(ciWtns)];
      expect(proofs[0].publicSignals).to.deep.equal(proofs[1].publicSignals);
      const verifier = await ethers.deployContract("contracts/generated/Groth16Verifier.sol:Groth16Verifier");
      for (const p of proofs) {
        expect(await verify(ci.key.vkey, p.publicSignals, p.proof)).to.equal(true);
        const c = toSolidityCalldata(p.proof);
        const onChain = (await verifier.getFunction("verifyProof").staticCall([c[0], c[1]], [[c[2], c[3]], [c[4], c[5]]], [c[6], c[7]], [BigInt(p.publicSignals[0])])) as boolean;
        expect(onChain).to.equal(true);
      }
    });

    it("refuses a ci witness in which a private wire was changed", async function () {
      needNative.call(this);
      const nat = await loadBackend("native", ci.key);
      const last = wireCount(ciWtns) - 1;
      const err = await refusal(nat.prove(withWire(ciWtns, last, readWire(ciWtns, last) + 1n)));
      expect(err.code).to.equal("PRV_ERR_WITNESS");
    });

    it("refuses the zkey of another circuit, at load and at prove", async function () {
      needNative.call(this);
      const other = readSetup(MULTIPLIER_DIR).key;
      const atLoad = await refusal(loadBackend("native", { zkeyPath: other.zkeyPath, vkey: ci.key.vkey }));
      expect(atLoad.code).to.equal("PRV_ERR_CIRCUIT_MISMATCH");
      expect(atLoad.message).to.match(/not this circuit's proving key/);
      const snarkAtLoad = await refusal(loadBackend("snarkjs", { zkeyPath: other.zkeyPath, vkey: ci.key.vkey }));
      expect(snarkAtLoad.code).to.equal("PRV_ERR_CIRCUIT_MISMATCH");
      const atProve = await refusal((await loadBackend("native", other)).prove(ciWtns));
      expect(atProve.code).to.equal("PRV_ERR_CIRCUIT_MISMATCH");
      expect(atProve.message).to.match(/wires but the proving key expects/);
    });
  });
});

function readWire(wtns: Uint8Array, i: number): bigint {
  let v = 0n;
  for (let b = 31; b >= 0; b--) v = (v << 8n) | BigInt(wtns[WIRES_AT + 32 * i + b]);
  return v;
}
