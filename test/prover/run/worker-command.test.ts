/**
 * `zksettle worker` refuses what it cannot run, before it touches Redis: exit 2 with the
 * problem named on stderr (a supervisor's log shows why the worker is not up).
 */
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { CI_CIRCUIT_DIR } from "../service/fixtures";

const CLI = path.resolve(__dirname, "../../../prover/cli.ts");

function worker(args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", CLI, "worker", ...args], { encoding: "utf8", env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" }, timeout: 60_000 });
  return { status: r.status, stderr: r.stderr };
}

describe("prover/remote: zksettle worker command line", function () {
  this.timeout(120_000);

  it("refuses a --store that is not a Redis URL (PRV_ERR_STORE_URL) with exit 2", function () {
    const r = worker(["--store", "sqlite:/tmp/jobs.sqlite", "--params", "ci"]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.contain("not a Redis URL").and.contain("sqlite:/tmp/jobs.sqlite");
  });

  it("refuses a --build-dir folder without a circuit setup (PRV_ERR_CIRCUIT_ID) with exit 2", function () {
    const r = worker(["--store", "redis://127.0.0.1:1", "--build-dir", os.tmpdir()]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.contain("cannot identify the circuit").and.contain("run the setup first");
  });

  it("refuses a --prover that names no backend, listing the ones there are", function () {
    const r = worker(["--store", "redis://127.0.0.1:1", "--build-dir", CI_CIRCUIT_DIR, "--prover", "gpu"]);
    expect(r.status).to.not.equal(0);
    expect(r.stderr).to.contain('--prover "gpu"').and.contain("auto, native, snarkjs");
  });
});
