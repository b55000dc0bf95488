import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { compileCircuit } from "../../scripts/lib/circom";

// A signal assigned with `<--` and never constrained: the bug class --inspect exists for.
const UNCONSTRAINED = `pragma circom 2.1.9;
template Leaky() {
  signal input amount;
  signal output doubled;
  signal unchecked;
  unchecked <-- amount * 2;
  doubled <== amount * amount;
}
component main = Leaky();
`;

describe("# circuit compilation (scripts/lib/circom.ts)", function () {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-compile-"));
  after(() => fs.rmSync(outDir, { recursive: true, force: true }));

  it("returns the --inspect warnings of the one compilation that wrote the r1cs and the wasm", async function () {
    const built = await compileCircuit({ name: "leaky_main", mainSource: UNCONSTRAINED, outDir, inspect: true });
    expect(built.cached).to.equal(false);
    expect(fs.existsSync(built.r1cs) && fs.existsSync(built.wasm)).to.equal(true);
    expect(built.warnings.some((w) => w.includes("unchecked") && w.includes("does not appear in any constraint"))).to.equal(true);
  });

  it("keeps those warnings in the cache, so a cached build still fails the inspector's check", async function () {
    const built = await compileCircuit({ name: "leaky_main", mainSource: UNCONSTRAINED, outDir, inspect: true });
    expect(built.cached).to.equal(true);
    expect(built.warnings.some((w) => w.includes("unchecked"))).to.equal(true);
  });

  it("returns no warnings when they are not asked for", async function () {
    const built = await compileCircuit({ name: "leaky_main", mainSource: UNCONSTRAINED, outDir, inspect: false });
    expect(built.warnings).to.deep.equal([]);
  });
});
