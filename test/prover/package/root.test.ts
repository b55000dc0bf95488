/**
 * prover/package/root.ts: the walk up to the package.json named zksettle, from the
 * sources, from a folder as deep as dist/prover/state, past another package's
 * package.json (a consumer's), and its typed error where there is none.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { PackageRootError, findPackageRoot, packagePath, packageRoot, packageVersion } from "../../../prover/package/root";
import { loadParams } from "../../../prover/state/params";

describe("prover/package/root", function () {
  let tmp: string;

  before(function () {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-root-"));
  });

  after(function () {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("finds this checkout from the sources, and its version", function () {
    const root = packageRoot();
    expect(JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).name).to.equal("zksettle");
    expect(packagePath("circuits", "params")).to.equal(path.join(root, "circuits", "params"));
    expect(packageVersion()).to.match(/^\d+\.\d+\.\d+/);
    // state/params.ts finds the same root by Node's self-reference
    expect(loadParams("ci")).to.deep.equal(loadParams("ci", root));
  });

  it("walks up from an installed package's dist/prover/state, past the consumer's package.json", function () {
    const pkg = path.join(tmp, "consumer", "node_modules", "zksettle");
    const deep = path.join(pkg, "dist", "prover", "state");
    fs.mkdirSync(deep, { recursive: true });
    fs.writeFileSync(path.join(tmp, "consumer", "package.json"), JSON.stringify({ name: "consumer" }));
    fs.writeFileSync(path.join(pkg, "dist", "package.json"), "{ not json");
    fs.writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "zksettle", version: "9.9.9" }));
    expect(findPackageRoot(deep)).to.equal(pkg);
  });

  it("throws PackageRootError (PKG_ERR_NO_ROOT) where no package.json above is zksettle's", function () {
    const dir = path.join(tmp, "elsewhere", "a", "b");
    fs.mkdirSync(dir, { recursive: true });
    let err: unknown;
    try {
      findPackageRoot(dir);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(PackageRootError);
    expect((err as PackageRootError).code).to.equal("PKG_ERR_NO_ROOT");
  });
});
