/**
 * Folders that depend one way (issue 18 item 5; docs/architecture.md, "Layers"): the
 * folder graph of prover/ has no cycle, prover/api has no import loop inside it,
 * prover/state imports only itself and only prover/api knows HTTP.
 */
import { expect } from "chai";
import path from "node:path";
import fs from "node:fs";
import { cycles, fileGraph, folderGraph, folderOf } from "./import-graph";

const REPO = path.join(__dirname, "..", "..");

describe("architecture: prover/ folders depend one way", function () {
  const files = fileGraph(REPO);
  const folders = folderGraph(files);

  it("reads the graph (sanity: api imports service, service imports store)", function () {
    expect(files.size).to.be.greaterThan(100);
    expect([...folders.get("api")!.keys()]).to.include("service");
    expect([...folders.get("service")!.keys()]).to.include("store");
  });

  it("finds a cycle when there is one (the detector itself)", function () {
    const g = new Map([["store", ["codec"]], ["codec", ["service"]], ["service", ["store", "state"]], ["state", []]]);
    expect(cycles(g)).to.deep.equal([["codec", "service", "store"]]);
  });

  it("has no cycle between the folders of prover/", function () {
    const found = cycles(new Map([...folders].map(([k, v]) => [k, v.keys()])));
    // name one import per edge of each cycle, so the message says what to move
    const explain = found.map((scc) => scc.flatMap((a) => scc.filter((b) => folders.get(a)?.has(b)).map((b) => `  ${a} → ${b}: ${folders.get(a)!.get(b)}`)).join("\n"));
    expect(found, `folder cycles:\n${explain.join("\n\n")}`).to.deep.equal([]);
  });

  it("has no import loop inside prover/api (app and its routes)", function () {
    const api = new Map([...files].filter(([f]) => f.startsWith("prover/api/")).map(([f, ts]) => [f, ts.filter((t) => t.startsWith("prover/api/"))]));
    expect(cycles(api)).to.deep.equal([]);
  });

  it("only cli.ts and run/ import run/ or api/ (the service runs without the HTTP app)", function () {
    const top = new Set(["(root)", "run", "api"]);
    const out = [...folders].flatMap(([a, bs]) => (top.has(a) ? [] : [...bs].filter(([b]) => b === "run" || b === "api").map(([, why]) => why)));
    expect(out).to.deep.equal([]);
  });

  it("prover/state imports only itself", function () {
    const out = [...files].filter(([f]) => folderOf(f) === "state").flatMap(([f, ts]) => ts.filter((t) => folderOf(t) !== "state").map((t) => `${f} → ${t}`));
    expect(out).to.deep.equal([]);
  });

  it("only prover/api imports fastify (the HTTP layer)", function () {
    const http = [...files.keys()].filter((f) => folderOf(f) !== "api" && /from\s+["'](?:fastify|@fastify\/[^"']+)["']/.test(fs.readFileSync(path.join(REPO, f), "utf8")));
    expect(http).to.deep.equal([]);
  });
});
