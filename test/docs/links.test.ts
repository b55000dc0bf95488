/**
 * The docs are the source of truth, so they must be reachable from the repository alone:
 * every relative link in README.md and docs/ resolves to a file, and nothing points to
 * the first design note outside the repository (docs/architecture.md replaced it).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";

const ROOT = path.resolve(__dirname, "..", "..");
const tracked = (): string[] => execFileSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean);
const markdown = (): string[] => tracked().filter((f) => f === "README.md" || (f.startsWith("docs/") && f.endsWith(".md")));

describe("docs", function () {
  it("link only to files that exist in the repository", function () {
    const broken: string[] = [];
    for (const file of markdown()) {
      const text = fs.readFileSync(path.join(ROOT, file), "utf8");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target) || target.startsWith("#")) continue;
        const resolved = path.resolve(ROOT, path.dirname(file), target.split("#")[0]);
        if (!fs.existsSync(resolved)) broken.push(`${file} → ${target}`);
      }
    }
    expect(broken).to.deep.equal([]);
  });

  it("cite no design file outside the repository", function () {
    const citing = tracked().filter((f) => !f.startsWith("test/docs/") && /\.(ts|md|sol|circom|json)$/.test(f) && fs.existsSync(path.join(ROOT, f)) && fs.readFileSync(path.join(ROOT, f), "utf8").includes("DESIGN.md"));
    expect(citing).to.deep.equal([]);
  });

  it("have an architecture document that names every prover folder", function () {
    const arch = fs.readFileSync(path.join(ROOT, "docs", "architecture.md"), "utf8");
    const folders = fs.readdirSync(path.join(ROOT, "prover"), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(folders.filter((f) => !arch.includes(`${f}/`))).to.deep.equal([]);
  });
});
