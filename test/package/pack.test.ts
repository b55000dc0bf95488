/**
 * zksettle as a package (issue 18, item 1): `npm run build`, `npm pack`, the tarball
 * installed with `--omit=dev` into an empty folder (offline; test/package/install.ts),
 * and from there, with no TypeScript, ts-node or hardhat installed:
 *
 * - `zksettle --version` and `--help` (the bin, compiled);
 * - the library entries (`zksettle`, `zksettle/witness`, `zksettle/chain`) load;
 * - the prover pool proves a `ci` batch in a thread that runs the compiled worker;
 * - `zksettle serve` starts against a local chain (hardhat node, dev deployment), with
 *   the circuit build of this checkout (--build-dir), answers /health and /v1/capacity,
 *   serves the dashboard shipped in the package (/ui/), and on SIGTERM exits 0.
 *
 * Bounded: about a minute for build, pack and install on 2 cores, a few seconds for
 * the service, one `ci` proof. Timings are printed, not asserted (the machine is shared).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { hashApiKey } from "../../prover/api/auth";
import { packageRoot, packageVersion } from "../../prover/package/root";
import { applyBatch } from "../../prover/state/batch";
import { batchOnChain } from "../../prover/circuit-input/batch-data";
import { buildBatchInput } from "../../prover/circuit-input/batch-input";
import { deployDevContracts, hardhatKey, hardhatSigner, startHardhatNode, type DevChain, type DevContracts } from "../../scripts/lib/dev-chain";
import { http, startServiceProcess, type ServiceProcess } from "../helpers/service-process";
import { teardown } from "../helpers/teardown";
import { CI_CIRCUIT_DIR, CI_PARAMS, ciGenesis, scenarioBatch } from "../prover/service/fixtures";
import { NotCachedError, ok, packAndInstall, runTool, type Installed } from "./install";

const ROOT = packageRoot();
const KEY = "pack-test-key";

/** What the test needs from this checkout, each with the command that makes it. */
function missingPrerequisite(): string | undefined {
  const need: [string, string][] = [
    [path.join(CI_CIRCUIT_DIR, "setup.json"), "the ci circuit build and its dev keys (scripts/prepare-test.ts, run by npm test)"],
    [path.join(ROOT, "artifacts", "contracts", "Settlement.sol", "Settlement.json"), "the contract artifacts (npx hardhat compile)"],
    [path.join(ROOT, "node_modules", "better-sqlite3", "build", "Release", "better_sqlite3.node"), "better-sqlite3's addon (npm ci)"],
  ];
  const gone = need.find(([file]) => !fs.existsSync(file));
  return gone === undefined ? undefined : `${gone[1]} is missing: ${path.relative(ROOT, gone[0])}`;
}

describe("package: npm pack, install --omit=dev, run the zksettle bin", function () {
  this.timeout(900_000);
  let tmp: string;
  let pkg: Installed;
  const node = (args: string[], timeoutMs = 60_000) => runTool(process.execPath, args, { cwd: pkg.dir, timeoutMs });

  before(async function () {
    const missing = missingPrerequisite();
    if (missing !== undefined) {
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-pack-"));
    try {
      pkg = await packAndInstall(ROOT, tmp);
    } catch (e) {
      if (!(e instanceof NotCachedError)) throw e;
      console.log(`      skipped: ${e.message}`);
      this.skip();
    }
    console.log(`      measured: build ${pkg.buildMs} ms, pack ${pkg.packMs} ms (${(pkg.tarballBytes / 1e6).toFixed(2)} MB), install --omit=dev ${pkg.installMs} ms`);
  });

  after(function () {
    if (tmp !== undefined) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("installs no development tool: only runtime dependencies", function () {
    for (const tool of ["typescript", "ts-node", "hardhat", "mocha", "eslint", "circom2"]) expect(fs.existsSync(path.join(pkg.dir, "node_modules", tool)), tool).to.equal(false);
    for (const dep of ["fastify", "ethers", "snarkjs", "piscina", "better-sqlite3", "commander"]) expect(fs.existsSync(path.join(pkg.dir, "node_modules", dep)), dep).to.equal(true);
    for (const file of ["circuits/params/ci.json", "artifacts/contracts/Settlement.sol/Settlement.json", "build/ui/index.html"]) {
      expect(fs.existsSync(path.join(pkg.dir, "node_modules", "zksettle", file)), file).to.equal(true);
    }
  });

  it("zksettle --version prints the package version; --help lists the commands", async function () {
    const bin = path.join(pkg.dir, "node_modules", ".bin", "zksettle");
    const version = ok("zksettle --version", await runTool(bin, ["--version"], { cwd: pkg.dir, timeoutMs: 60_000 }));
    expect(version.stdout.trim()).to.equal(packageVersion());
    const help = ok("zksettle --help", await runTool(bin, ["--help"], { cwd: pkg.dir, timeoutMs: 60_000 }));
    for (const cmd of ["serve", "config", "hash-key", "worker", "fallback"]) expect(help.stdout).to.contain(cmd);
    console.log(`      measured: zksettle --help ${help.ms} ms wall from dist`);
  });

  it("the library entries load by package name (state rules, witness builder, chain client)", async function () {
    const script = [
      "const s = require('zksettle');",
      "const w = require('zksettle/witness');",
      "const c = require('zksettle/chain');",
      "console.log([typeof s.initCrypto, typeof s.applyBatch, typeof w.buildBatchInput, typeof c.submitBatch].join(' '));",
    ].join(" ");
    const r = ok("require('zksettle')", await node(["-e", script]));
    expect(r.stdout.trim()).to.equal("function function function function");
  });

  it("the prover pool proves a ci batch in a thread running the compiled worker", async function () {
    const genesis = await ciGenesis();
    const { trace } = applyBatch(genesis, scenarioBatch(genesis, 1));
    const inputFile = path.join(tmp, "input.json");
    fs.writeFileSync(inputFile, JSON.stringify(buildBatchInput(CI_PARAMS, trace)));
    const poolJs = path.join(pkg.dir, "node_modules", "zksettle", "dist", "prover", "pool", "prover-pool.js");
    const script = `
      const { ProverPool } = require(${JSON.stringify(poolJs)});
      const input = JSON.parse(require("node:fs").readFileSync(${JSON.stringify(inputFile)}, "utf8"));
      const pool = new ProverPool({ maxThreads: 1 });
      pool.prove(${JSON.stringify(CI_CIRCUIT_DIR)}, input)
        .then((out) => { console.log(JSON.stringify({ backend: pool.backend, publicSignals: out.publicSignals, proveMs: out.proveMs })); return pool.close(); })
        .catch((e) => { console.error(e); process.exit(1); });`;
    const r = ok("ProverPool from dist", await node(["-e", script], 300_000));
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { backend: string; publicSignals: string[]; proveMs: number };
    expect(out.publicSignals).to.deep.equal([batchOnChain(CI_PARAMS, trace).inputHash.toString()]);
    console.log(`      measured: ${out.backend} proof ${Math.round(out.proveMs)} ms in the compiled worker`);
  });

  describe("zksettle serve from the installed package", function () {
    let chain: DevChain;
    let contracts: DevContracts;
    let dataDir: string;
    let svc: ServiceProcess | undefined;

    before(async function () {
      const genesis = await ciGenesis();
      chain = await startHardhatNode();
      contracts = await deployDevContracts(hardhatSigner(0, chain.provider), CI_PARAMS, genesis);
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-pack-data-"));
    });

    after(async function () {
      await teardown({ services: [svc], chain, dirs: [dataDir] });
    });

    it("starts against a local chain, answers /health, serves the shipped dashboard, and stops cleanly on SIGTERM", async function () {
      const args = [
        "--mode", "batch",
        "--data-dir", dataDir,
        "--dev-genesis",
        "--params", "ci",
        "--build-dir", CI_CIRCUIT_DIR,
        "--rpc-url", chain.url,
        "--settlement", contracts.settlement.target as string,
        "--from-block", String(contracts.deployBlock),
        "--workers", "1",
        "--api-key-hashes", hashApiKey(KEY),
      ];
      const t0 = Date.now();
      svc = await startServiceProcess(args, { ZKSETTLE_SIGNER_KEY: hardhatKey(0) }, 120_000, { nodeArgs: [pkg.cli], cwd: pkg.dir });
      const startMs = Date.now() - t0;
      const health = await http<{ status: string }>(`${svc.url}/health`);
      expect(health.status).to.equal(200);
      expect(health.body.status).to.equal("ok");
      const capacity = await http<{ workers: number; backend: string }>(`${svc.url}/v1/capacity`);
      expect(capacity.status).to.equal(200);
      expect(capacity.body.workers).to.equal(1);
      // build/ui resolved from the installed package's root (npm run build made it)
      const ui = await fetch(`${svc.url}/ui/`);
      const page = await ui.text();
      expect(ui.status, page).to.equal(200);
      expect(page).to.match(/<html/i);
      svc.kill("SIGTERM");
      const exit = await svc.exited;
      svc = undefined;
      expect(exit.code, JSON.stringify(exit)).to.equal(0);
      console.log(`      measured: serve listening after ${startMs} ms (backend ${capacity.body.backend}), exit 0 on SIGTERM`);
    });
  });
});
