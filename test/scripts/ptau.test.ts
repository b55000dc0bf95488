import path from "node:path";
import { expect } from "chai";
import { loadCircuit, terminateCurves, toSolidityCalldata, verify, type LoadedCircuit } from "../../prover/zk/prover";
import { snarkjs } from "../../prover/zk/snarkjs";
import { REPO_ROOT } from "../../scripts/lib/circom";
import { devPtauPath, generateDevPtau } from "../../scripts/lib/ptau-dev";
import { setupCircuit } from "../../scripts/lib/setup";
import { testCircuit } from "../helpers/circuit";

const MAIN = `pragma circom 2.1.9;
include "multiplier.circom";
component main = Multiplier();
`;

describe("# INSECURE dev ptau → Groth16 setup → prove → verify", function () {
  const dir = path.join(REPO_ROOT, "build", "test", "multiplier");
  let circuit: LoadedCircuit;

  before(async function () {
    await testCircuit("multiplier", MAIN); // compiles (cached) into build/test/multiplier/
    await setupCircuit({ dir, circuit: "multiplier_main" });
    circuit = await loadCircuit(dir);
  });

  after(terminateCurves);

  it("writes a dev ptau of the power the circuit needs, named insecure", async function () {
    const file = await generateDevPtau({ power: 8 });
    expect(file).to.equal(devPtauPath(8));
    expect(path.basename(file)).to.contain("insecure");
    expect(circuit.insecure).to.equal(true);
  });

  it("yields a zkey that snarkjs verifies against the r1cs and the ptau", async function () {
    const ok = await snarkjs.zKey.verifyFromR1cs(path.join(dir, "multiplier_main.r1cs"), devPtauPath(8), path.join(dir, "multiplier_main.insecure.zkey"));
    expect(ok).to.equal(true);
  });

  it("proves and verifies; a tampered public signal fails", async function () {
    const { proof, publicSignals, timings } = await circuit.prove({ a: 5, b: 7, c: 35 });
    expect(publicSignals).to.have.length(1);
    expect(timings.proveMs).to.be.greaterThan(0);
    expect(await circuit.verify(publicSignals, proof)).to.equal(true);
    const tampered = [(BigInt(publicSignals[0]) + 1n).toString()];
    expect(await verify(circuit.vkey, tampered, proof)).to.equal(false);
    expect(toSolidityCalldata(proof)).to.have.length(8);
    expect(toSolidityCalldata(proof)[2]).to.equal(BigInt(proof.pi_b[0][1]));
  });

  it("refuses to prove a witness that breaks a constraint", async function () {
    let error: unknown;
    await circuit.prove({ a: 5, b: 7, c: 36 }).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).name).to.equal("WitnessError");
  });
});
