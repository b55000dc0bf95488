import { expect } from "chai";
import { testCircuit, type CircuitTester } from "../helpers/circuit";

// circomlibjs has no types: declare the one call used here.
interface Poseidon {
  (xs: bigint[]): Uint8Array;
  F: { toObject(x: Uint8Array): bigint };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildPoseidon } = require("circomlibjs") as { buildPoseidon(): Promise<Poseidon> };

const MAIN = `pragma circom 2.1.9;
include "multiplier.circom";
component main = Multiplier();
`;

describe("# circuit test harness (test/helpers/circuit.ts)", function () {
  let circuit: CircuitTester;
  let poseidon: (xs: bigint[]) => bigint;

  before(async function () {
    circuit = await testCircuit("multiplier", MAIN);
    const p = await buildPoseidon();
    poseidon = (xs) => p.F.toObject(p(xs));
  });

  it("counts constraints (Poseidon(2) is 240 at --O2, plus the product)", function () {
    expect(circuit.constraints).to.equal(241);
  });

  it("passes a valid input and reads named outputs via the .sym file", async function () {
    await circuit.expectPass({ a: 3, b: 4, c: 12 }, { "main.hash": poseidon([3n, 4n]) });
    expect(await circuit.outputs({ a: 3n, b: 4n, c: 12n })).to.deep.equal({ "main.hash": poseidon([3n, 4n]) });
  });

  it("fails when a constraint does not hold", async function () {
    await circuit.expectFail({ a: 3, b: 4, c: 13 });
  });
});
