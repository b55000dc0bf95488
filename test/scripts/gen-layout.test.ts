/**
 * The generated layout files (scripts/gen-layout.ts) against prover/state/layout/spec.ts:
 * the committed files must be what the generator renders now, so that an edit to the
 * spec without `npm run gen:layout` fails here instead of drifting into the circuit or
 * the contract.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { GENERATED_LAYOUT, REPO_ROOT, renderCircom, renderSolidity, slotFields, staleLayout, writeLayout } from "../../scripts/lib/layout-gen";
import { CI_PARAMS } from "../../prover/dev/fixtures";
import { OP_CODE, OP_TYPES, layoutFor } from "../../prover/state/layout/spec";
import { loadParams } from "../../prover/state/params";

describe("# generated layout (scripts/gen-layout.ts)", function () {
  for (const { file, render } of GENERATED_LAYOUT) {
    it(`${file} is what spec.ts renders now (else: npm run gen:layout)`, function () {
      const committed = fs.readFileSync(path.join(REPO_ROOT, file), "utf8");
      expect(committed, `${file} is out of date: run npm run gen:layout and commit it`).to.equal(render());
    });

    it(`${file} says it is generated, and from what`, function () {
      expect(render()).to.match(/GENERATED from prover\/state\/layout\/spec\.ts by scripts\/gen-layout\.ts/);
      expect(render()).to.include("Do not edit by hand");
    });
  }

  it("the staleness check finds a hand edit and the generator undoes it", function () {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "layout-"));
    try {
      expect(staleLayout(root)).to.deep.equal(GENERATED_LAYOUT.map((g) => g.file)); // missing counts as stale
      expect(writeLayout(root)).to.have.length(GENERATED_LAYOUT.length);
      expect(staleLayout(root)).to.deep.equal([]);
      const sol = path.join(root, "contracts/layout/OpLayout.sol");
      fs.writeFileSync(sol, fs.readFileSync(sol, "utf8").replace("OP_WITHDRAW = 3", "OP_WITHDRAW = 4"));
      expect(staleLayout(root)).to.deep.equal(["contracts/layout/OpLayout.sol"]);
      expect(writeLayout(root)).to.deep.equal(["contracts/layout/OpLayout.sol"]);
      expect(writeLayout(root)).to.deep.equal([]); // unchanged files are not rewritten
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("`gen-layout --check` exits 0 on the committed files", function () {
    this.timeout(60_000);
    const tsNode = path.join(REPO_ROOT, "node_modules", ".bin", "ts-node");
    execFileSync(tsNode, ["scripts/gen-layout.ts", "--check"], { cwd: REPO_ROOT, stdio: "pipe" });
  });

  for (const [name, params] of [["ci", CI_PARAMS], ["prod", loadParams("prod")]] as const) {
    it(`the generated slot offsets are spec.ts's at ${name} params (D = ${params.accountDepth})`, function () {
      const L = layoutFor(params);
      for (const f of slotFields()) {
        const s = L.slot[f.name as keyof typeof L.slot];
        expect(f.constant + f.idxCoeff * L.IDX, `${f.name} offset`).to.equal(s.offset);
        expect(f.width === "IDX" ? L.IDX : f.width, `${f.name} width`).to.equal(s.width);
      }
    });
  }

  it("every op code is in both generated files", function () {
    const circom = renderCircom();
    const sol = renderSolidity();
    for (const t of OP_TYPES) {
      expect(circom).to.include(`function OP_CODE_${t}() { return ${OP_CODE[t]}; }`);
      expect(sol).to.include(`uint256 internal constant OP_${t} = ${OP_CODE[t]};`);
    }
    expect(circom).to.include(`function LAYOUT_OP_TYPE_COUNT() { return ${OP_TYPES.length}; }`);
  });
});
