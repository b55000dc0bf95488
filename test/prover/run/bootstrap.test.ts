/**
 * The pieces `zksettle serve` is wired from that need no chain: the genesis file, the
 * start-up checks of the configuration, the CLI's exit 2 with every problem named, the
 * L1 deposit feed into the sequencer, and the engine-event → metrics bridge.
 * (The whole service against a chain: test/e2e/service-crash.test.ts.)
 */
import { spawnSync } from "node:child_process";
import { EventEmitter } from "node:events";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { createLogger } from "../../../prover/log/logger";
import { ServiceMetrics } from "../../../prover/service/metrics";
import { StartupError, attachEngineMetrics, serveProblems, startService } from "../../../prover/run/bootstrap";
import { defaultConfig } from "../../../prover/service/config";
import { DepositFeeder } from "../../../prover/service/deposit-feeder";
import type { Engine } from "../../../prover/service/engine";
import { GenesisError, genesisFileOf, loadGenesis } from "../../../prover/service/genesis-file";
import { Sequencer } from "../../../prover/service/sequencer";
import type { DeployedContract } from "../../../prover/chain/deploy";
import type { QueuedDeposit } from "../../../prover/chain/settlement-client";
import type { Job } from "../../../prover/store/job-store";
import { depositNew, forcedRequest, signedHeader, topUp } from "../../../prover/dev/fixtures";
import { CI_PARAMS, ciGenesis, tempDir } from "../service/fixtures";

const REPO = path.resolve(__dirname, "../../..");

describe("prover/service: bootstrap of zksettle serve", function () {
  it("loads a genesis file that round-trips the dev genesis, and names every problem of a bad one", async function () {
    const dev = await ciGenesis();
    const dir = tempDir();
    const file = path.join(dir, "genesis.json");
    fs.writeFileSync(file, JSON.stringify(genesisFileOf(dev, "ci")));
    const { state, insecure } = await loadGenesis({ file, dev: false, params: CI_PARAMS, paramsName: "ci" });
    expect(insecure).to.equal(false);
    expect(state.stateRoot()).to.equal(dev.stateRoot());
    expect((await loadGenesis({ file: "", dev: true, params: CI_PARAMS, paramsName: "ci" })).insecure).to.equal(true);

    const bad = path.join(dir, "bad.json");
    fs.writeFileSync(bad, JSON.stringify({ ...genesisFileOf(dev, "prod"), timestamp: "-1", colour: 1, stateRoot: "5" }));
    const err = await loadGenesis({ file: bad, dev: false, params: CI_PARAMS, paramsName: "ci" }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(GenesisError);
    const text = (err as GenesisError).problems.join("\n");
    for (const s of ['unknown key "colour"', "params \"prod\"", "timestamp"]) expect(text).to.contain(s);
    fs.writeFileSync(path.join(dir, "root.json"), JSON.stringify({ ...genesisFileOf(dev, "ci"), stateRoot: "5" }));
    const mismatch = await loadGenesis({ file: path.join(dir, "root.json"), dev: false, params: CI_PARAMS, paramsName: "ci" }).catch((e: unknown) => e);
    expect((mismatch as GenesisError).problems.join()).to.contain("stateRoot 5");
    const both = await loadGenesis({ file, dev: true, params: CI_PARAMS, paramsName: "ci" }).catch((e: unknown) => e);
    expect(both).to.be.instanceOf(GenesisError);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("serve needs a settlement address, a signer key and a genesis, with either store", function () {
    const problems = serveProblems({ ...defaultConfig(), store: "redis://127.0.0.1:6390" });
    expect(problems.map((p) => p.split(":")[0])).to.deep.equal(["settlement", "signerKey", "genesis"]);
    expect(serveProblems({ ...defaultConfig(), settlement: "0x" + "1".repeat(40), signerKey: "0x" + "2".repeat(64), devGenesis: true })).to.deep.equal([]);
  });

  it("takes its circuit from --build-dir when given (the other commands' override), naming it when empty", async function () {
    const config = { ...defaultConfig(), devGenesis: true, settlement: "0x" + "1".repeat(40), signerKey: "0x" + "2".repeat(64), buildDir: "/nonexistent-build" };
    let problems: readonly string[] = [];
    try {
      await startService(config, createLogger("silent"), new ServiceMetrics());
    } catch (e) {
      expect(e).to.be.instanceOf(StartupError);
      problems = (e as StartupError).problems;
    }
    expect(problems.join("\n")).to.contain("buildDir (--build-dir): no circuit build in /nonexistent-build");
  });

  it("`zksettle serve` exits 2 naming every missing option before it touches anything", function () {
    this.timeout(120_000);
    const dir = tempDir();
    const env = { ...process.env, TS_NODE_TRANSPILE_ONLY: "true", ZKSETTLE_API_KEY_HASHES: "a".repeat(64), ZKSETTLE_SIGNER_KEY: "" };
    const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(REPO, "prover/cli.ts"), "serve", "--data-dir", dir, "--log-level", "silent"], { cwd: REPO, env, encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(2);
    for (const s of ["settlement:", "signerKey:", "genesis:"]) expect(r.stderr).to.contain(s);
    expect(fs.readdirSync(dir)).to.deep.equal([]);
    const noChain = spawnSync(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", path.join(REPO, "prover/cli.ts"), "serve", "--data-dir", dir, "--log-level", "silent", "--dev-genesis", "--settlement", "0x" + "1".repeat(40), "--rpc-url", "http://127.0.0.1:9"],
      { cwd: REPO, env: { ...env, ZKSETTLE_SIGNER_KEY: "0x" + "2".repeat(64) }, encoding: "utf8" },
    );
    expect(noChain.status, noChain.stderr).to.equal(2);
    expect(noChain.stderr).to.contain("rpcUrl: the chain at http://127.0.0.1:9 does not answer");
    const help = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(REPO, "prover/cli.ts"), "serve", "--help"], { cwd: REPO, env, encoding: "utf8" });
    for (const s of ["--genesis", "--dev-genesis", "--poll-interval", "--from-block", "ZKSETTLE_SIGNER_KEY"]) expect(help.stdout).to.contain(s);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("feeds the L1 deposit queue into the sequencer in order, from the first entry not taken, and waits without a header", async function () {
    const genesis = await ciGenesis();
    const queue: QueuedDeposit[] = [depositNew(1, 5_000_000n), depositNew(2, 6_000_000n), topUp(1, 7_000_000n)].map((d, i) => ({ ...d, queueIndex: i, head: 0n }));
    const reads: number[] = [];
    const read = async (from: number): Promise<QueuedDeposit[]> => (reads.push(from), queue.filter((q) => q.queueIndex >= from));
    const log = createLogger("silent");
    const metrics = new ServiceMetrics({ defaults: false });

    const noHeader = new Sequencer({ state: genesis, clock: () => 0, batchIntervalMs: 1000, maxRestingOrders: 10 });
    const waiting = new DepositFeeder(noHeader, {} as DeployedContract, log, metrics, read);
    await waiting.poll();
    expect(waiting.fed).to.equal(0);
    expect(noHeader.pendingOps).to.equal(0);

    let t = 1_000;
    const seq = new Sequencer({ state: genesis, clock: () => t, batchIntervalMs: 1000, maxRestingOrders: 10, devOracle: (s) => signedHeader(s, s.global.oracleTimestamp + 1n) });
    const feeder = new DepositFeeder(seq, {} as DeployedContract, log, metrics, read);
    await feeder.poll();
    expect(feeder.fed).to.equal(3);
    expect(seq.outbox.length, "N = 2: the first two deposits fill a batch").to.equal(1);
    expect(seq.outbox[0].deposits.map((d) => d.accountIndex)).to.deep.equal([1, 2]);
    expect(seq.pendingOps).to.equal(1);
    await feeder.poll();
    expect(feeder.fed, "nothing is taken twice").to.equal(3);
    expect(reads, "one read without a header, then from 0 and from 3").to.deep.equal([0, 0, 3]);
    t += 1000;
    const cut = seq.tick();
    expect(cut?.deposits).to.deep.equal([topUp(1, 7_000_000n)]);
  });

  it("feeds forced-withdrawal requests of the queue as FORCED_WITHDRAW ops, in queue order with the deposits, and stops at an entry the rules refuse", async function () {
    const genesis = await ciGenesis();
    const entries = [depositNew(1, 5_000_000n), forcedRequest(1, 2_000_000n), depositNew(2, 6_000_000n), forcedRequest(7, 1n), topUp(2, 1n)];
    const queue: QueuedDeposit[] = entries.map((d, i) => ({ ...d, queueIndex: i, head: 0n }));
    const read = async (from: number): Promise<QueuedDeposit[]> => queue.filter((q) => q.queueIndex >= from);
    const metrics = new ServiceMetrics({ defaults: false });
    const seq = new Sequencer({ state: genesis, clock: () => 0, batchIntervalMs: 1000, maxRestingOrders: 10, devOracle: (s) => signedHeader(s, s.global.oracleTimestamp + 1n) });
    const feeder = new DepositFeeder(seq, {} as DeployedContract, createLogger("silent"), metrics, read);
    await feeder.poll();
    expect(feeder.fed, "stops at the request of empty account 7").to.equal(3);
    expect(feeder.forcedFed).to.equal(1);
    const [first] = seq.outbox;
    expect(first.ops.map((o) => o.type)).to.deep.equal(["DEPOSIT", "FORCED_WITHDRAW"]);
    expect(first.deposits).to.deep.equal(entries.slice(0, 2));
    expect(seq.pendingState().account(1).collateral).to.equal(3_000_000n);
    expect(seq.pendingState().global.depositCount).to.equal(3);
    expect(await metrics.registry.getSingleMetricAsString("zksettle_errors_total")).to.contain('code="PRV_ERR_DEPOSIT_REFUSED"');
  });

  it("turns the engine's job events into stage durations, proofs, gas and errors", async function () {
    const engine = new EventEmitter();
    const metrics = new ServiceMetrics({ defaults: false });
    attachEngineMetrics(engine as unknown as Engine, metrics);
    const job = (state: Job["state"], extra: Partial<Job> = {}): Job => ({ id: "j", batchNumber: 1, state, attempts: 1, stageMs: {}, ...extra }) as Job;
    engine.emit("job", job("witness", { stageMs: { queued: 5 } }));
    engine.emit("job", job("proving", { stageMs: { queued: 5, witness: 100 } }));
    engine.emit("job", job("verifying", { stageMs: { queued: 5, witness: 100, proving: 9000 } }));
    engine.emit("job", job("submitting", { stageMs: { queued: 5, witness: 100, proving: 9000, verifying: 300 } }));
    engine.emit("job", job("confirmed", { gasUsed: "280000", stageMs: { queued: 5, witness: 100, proving: 9000, verifying: 300, submitting: 2000 } }));
    engine.emit("job", job("failed", { id: "k", error: { code: "PRV_ERR_SUBMIT", message: "x" } }));
    const text = await metrics.text();
    for (const stage of ["queued", "witness", "proving", "verifying", "submitting"]) expect(text).to.contain(`zksettle_stage_duration_seconds_count{stage="${stage}"} 1`);
    expect(text).to.contain("zksettle_proofs_total 1");
    expect(text).to.contain("zksettle_gas_used_total 280000");
    expect(text).to.contain('zksettle_errors_total{code="PRV_ERR_SUBMIT"} 1');
  });
});
