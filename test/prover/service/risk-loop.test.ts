/**
 * The service's risk loop: job and submitter events become latency samples per stage,
 * each update plans margin over the ledger's state, slower settlement widens the scan
 * range (within the step bound), and overrides survive a restart through their file.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { CI_PARAMS, devGenesis } from "../../../prover/dev/fixtures";
import { defaultRiskConfig, parseRiskConfig } from "../../../prover/risk/controls";
import { RiskLoop, RiskOverridesFileError } from "../../../prover/service/risk-loop";
import type { State } from "../../../prover/state/state";
import type { Job } from "../../../prover/store/job-store";

const job = (batchNumber: number, state: Job["state"], updatedAt: number, extra: Partial<Job> = {}): Job =>
  ({ id: `j${batchNumber}`, batchNumber, state, attempts: 1, stageMs: {}, updatedAt, ...extra }) as Job;

const PROOF = { pi_a: [], pi_b: [], pi_c: [], protocol: "groth16", curve: "bn128" } as unknown as Job["proof"];

/** Drives one batch through the loop: proving `provingS`, then sent, mined and final after the given delays. */
function batch(loop: RiskLoop, clock: { t: number }, n: number, s: { provingS: number; sendS: number; inclusionS: number; confirmS: number }): void {
  clock.t += s.provingS * 1000;
  loop.observeJob(job(n, "submitting", clock.t, { proof: PROOF, stageMs: { queued: 0, witness: 0, proving: s.provingS * 1000, verifying: 0 } }));
  chainStages(loop, clock, n, s);
}

/** The chain's part of one batch whose proof is ready now: sent, mined and final after the given delays. */
function chainStages(loop: RiskLoop, clock: { t: number }, n: number, s: { sendS: number; inclusionS: number; confirmS: number }): void {
  clock.t += s.sendS * 1000;
  loop.observeSubmitter({ type: "sent", batchNumber: n, txHash: "0x1", nonce: n, attempt: 1, reason: "initial", maxFeePerGas: 1n, maxPriorityFeePerGas: 1n } as never);
  clock.t += s.inclusionS * 1000;
  loop.observeSubmitter({ type: "mined", batchNumber: n, txHash: "0x1", blockNumber: n, status: 1 });
  clock.t += s.confirmS * 1000;
  loop.observeJob(job(n, "confirmed", clock.t, { stageMs: { submitting: (s.sendS + s.inclusionS + s.confirmS) * 1000 } }));
}

describe("RiskLoop (prover/service/risk-loop.ts)", function () {
  let genesis: State;
  let dir: string;
  before(async function () {
    genesis = await devGenesis(CI_PARAMS);
  });
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-risk-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("splits each batch into proving, submission, inclusion and confirmations from the engine's and the submitter's events", function () {
    const clock = { t: 1_000_000 };
    const loop = new RiskLoop({ config: defaultRiskConfig(CI_PARAMS.markets), params: CI_PARAMS, clock: () => clock.t });
    batch(loop, clock, 1, { provingS: 12, sendS: 0.5, inclusionS: 3, confirmS: 24 });
    expect(loop.window.samples("proving")).to.deep.equal([12]);
    expect(loop.window.samples("submission")).to.deep.equal([0.5]);
    expect(loop.window.samples("inclusion")).to.deep.equal([3]);
    expect(loop.window.samples("confirmations")).to.deep.equal([24]);
  });

  it("counts the whole submitting time as submission when the chain times are unknown (a batch confirmed from an earlier run)", function () {
    const loop = new RiskLoop({ config: defaultRiskConfig(CI_PARAMS.markets), params: CI_PARAMS, clock: () => 0 });
    loop.observeJob(job(7, "confirmed", 5000, { stageMs: { submitting: 4000 } }));
    expect(loop.window.samples("submission")).to.deep.equal([4]);
    expect(loop.window.samples("inclusion")).to.deep.equal([]);
  });

  it("plans margin over the ledger's state, keeps a history, and widens the scan range as settlement slows", function () {
    const clock = { t: Number(genesis.global.oracleTimestamp) * 1000 };
    const config = parseRiskConfig({ floor: 0.0001, windowSize: 5, maxStepUp: 0.5 }, CI_PARAMS.markets);
    const loop = new RiskLoop({ config, params: CI_PARAMS, clock: () => clock.t });
    expect(loop.plan()).to.equal(undefined);
    const fast = { provingS: 10, sendS: 0.2, inclusionS: 2, confirmS: 2 };
    for (let n = 1; n <= 5; n++) batch(loop, clock, n, fast);
    // the fast network's own arrays in force, so that the slow one is a tightening
    const calm = genesis.clone();
    calm.setGlobal({ ...calm.global, risk: loop.update(genesis).target });
    const before = loop.update(calm);
    for (let n = 6; n <= 10; n++) batch(loop, clock, n, { ...fast, confirmS: 600 });
    const after = loop.update(calm);
    expect(after.T).to.be.greaterThan(before.T);
    for (const [m, mk] of after.markets.entries()) {
      expect(mk.targetScan, `market ${m} target`).to.be.greaterThan(before.markets[m].targetScan);
      // a step up, bounded: wider than before, at most (1 + maxStepUp) times the arrays in force
      expect(mk.appliedScan, `market ${m} applied`).to.be.greaterThan(before.markets[m].appliedScan * 1.01);
      // (an option's row does not scale linearly with its scan range: the bound is on the row, margin-policy.test.ts)
      if (genesis.global.markets[m].kind <= 1) expect(mk.appliedScan, `market ${m} bounded`).to.be.at.most(before.markets[m].appliedScan * 1.5 * 1.001);
    }
    expect(loop.history().map((p) => p.T).slice(1)).to.deep.equal([before.T, after.T]);
    expect(loop.plan()).to.equal(after);
  });

  it("hands the planned arrays to the next header only when the plan says to publish", function () {
    const loop = new RiskLoop({ config: parseRiskConfig({ publishThreshold: 0.5 }, CI_PARAMS.markets), params: CI_PARAMS, clock: () => Number(genesis.global.oracleTimestamp) * 1000 });
    const plan = loop.update(genesis);
    expect(loop.arraysToPublish()).to.equal(plan.publish ? plan.next.pnl : undefined);
  });

  it("persists every override with its audit entry and replays them after a restart", function () {
    const file = path.join(dir, "risk-overrides.json");
    const make = (): RiskLoop => new RiskLoop({ config: defaultRiskConfig(CI_PARAMS.markets), params: CI_PARAMS, overridesFile: file, clock: () => 42 });
    const a = make();
    a.setOverride({ who: "ops", when: 1, key: "z", value: 4, reason: "volatile open" });
    a.setOverride({ who: "ops", when: 2, key: "scan.1", value: 0.02, reason: "thin book" });
    const b = make();
    expect(b.overrides().values).to.deep.equal({ z: 4, "scan.1": 0.02 });
    expect(b.overrides().log.map((e) => e.reason)).to.deep.equal(["volatile open", "thin book"]);
  });

  it("refuses an override it cannot apply and leaves the file as it was", function () {
    const file = path.join(dir, "risk-overrides.json");
    const loop = new RiskLoop({ config: defaultRiskConfig(CI_PARAMS.markets), params: CI_PARAMS, overridesFile: file });
    loop.setOverride({ who: "ops", when: 1, key: "z", value: 3, reason: "r" });
    const text = fs.readFileSync(file, "utf8");
    expect(() => loop.setOverride({ who: "ops", when: 2, key: "scan.99", value: 0.1, reason: "r" })).to.throw(/scan\.99/);
    expect(fs.readFileSync(file, "utf8")).to.equal(text);
    expect(loop.overrides().log).to.have.length(1);
  });

  it("names the file when a persisted override log is corrupt instead of starting without it", function () {
    const file = path.join(dir, "risk-overrides.json");
    fs.writeFileSync(file, "{ not json");
    expect(() => new RiskLoop({ config: defaultRiskConfig(CI_PARAMS.markets), params: CI_PARAMS, overridesFile: file })).to.throw(RiskOverridesFileError, /risk-overrides\.json/);
  });

  it("during a stall each header carries more margin than the one before, within the step bound, and falls back once the batch is final", function () {
    const clock = { t: Number(genesis.global.oracleTimestamp) * 1000 };
    const loop = new RiskLoop({ config: defaultRiskConfig(CI_PARAMS.markets), params: CI_PARAMS, clock: () => clock.t });
    const fast = { provingS: 10, sendS: 0.2, inclusionS: 2, confirmS: 12 };
    const state = genesis.clone();
    const header = (): bigint => {
      const plan = loop.update(state);
      state.setGlobal({ ...state.global, risk: plan.next });
      return rowScaleOf(plan.next.pnl[0]);
    };
    for (let n = 1; n <= 40; n++) {
      loop.observeJob(job(n, "queued", clock.t, { createdAt: clock.t }));
      batch(loop, clock, n, fast);
      header();
    }
    const calm = header();
    // batch 41 is cut and never becomes final: a header every 10 s
    loop.observeJob(job(41, "queued", clock.t, { createdAt: clock.t }));
    let last = calm;
    let rising = 0;
    for (let k = 0; k < 60; k++) {
      clock.t += 10_000;
      const now = header();
      expect(now >= last, `header ${k}`).to.equal(true);
      expect(now * 10n <= last * 11n + 10n, `header ${k} within the step`).to.equal(true);
      if (loop.stallSeconds() > loop.plan()!.horizon.windowSeconds) {
        expect(loop.plan()!.horizon.source).to.equal("stall");
        expect(now > last, `header ${k} after the stall outgrew the window`).to.equal(true);
        rising++;
      }
      last = now;
    }
    expect(rising).to.be.greaterThan(40);
    expect(last > calm * 3n).to.equal(true);
    // the batch becomes final: the stall is over and margin comes down, by the step bound
    batch(loop, clock, 41, fast);
    expect(loop.stallSeconds()).to.equal(0);
    expect(header() < last).to.equal(true);
  });

  it("counts a stall once: the batches it held bring their own proofs to the window, not their wait, and T comes back after the short window", function () {
    const clock = { t: 1_000_000 };
    const config = parseRiskConfig({ windowSize: 100 }, CI_PARAMS.markets);
    const loop = new RiskLoop({ config, params: CI_PARAMS, clock: () => clock.t });
    const fast = { provingS: 10, sendS: 0.2, inclusionS: 2, confirmS: 12 };
    let n = 0;
    for (; n < 100; n++) batch(loop, clock, n, fast);
    const calm = loop.update(genesis).horizon;
    // one prover: batch 100 is held for 60 s, batches 101..106 are cut every 5 s and wait behind it
    const t0 = clock.t;
    const held = [100, 101, 102, 103, 104, 105, 106];
    held.forEach((b, k) => loop.observeJob(job(b, "queued", t0 + 5000 * k, { createdAt: t0 + 5000 * k })));
    clock.t = t0 + 30_000;
    expect(loop.update(genesis).horizon.source).to.equal("stall");
    let free = t0 + 60_000;
    for (const [k, b] of held.entries()) {
      const queuedMs = free - (t0 + 5000 * k) - (k === 0 ? 60_000 : 0);
      const provingMs = (k === 0 ? 60_000 : 0) + fast.provingS * 1000;
      clock.t = free + provingMs;
      loop.observeJob(job(b, "submitting", clock.t, { proof: PROOF, stageMs: { queued: queuedMs, witness: 0, proving: provingMs, verifying: 0 } }));
      free = clock.t;
      chainStages(loop, clock, b, fast);
    }
    expect(loop.window.samples("proving").filter((s) => s > fast.provingS)).to.deep.equal([70]);
    for (n = 107; n < 107 + config.shortWindowSize; n++) batch(loop, clock, n, fast);
    const after = loop.update(genesis).horizon;
    expect(after.source).to.equal("window");
    expect(after.windowSeconds).to.be.closeTo(calm.windowSeconds, 1e-9);
  });

  it("adds recent reorgs (depth and count) to T, forgets them after the memory, and flags a change of the node's client version", function () {
    const clock = { t: 1_000_000 };
    const loop = new RiskLoop({ config: defaultRiskConfig(CI_PARAMS.markets), params: CI_PARAMS, clock: () => clock.t });
    const T0 = loop.update(genesis).T;
    loop.observeReorg(3);
    expect(loop.update(genesis).T).to.equal(T0 + 3 * 12);
    loop.observeReorg(1);
    expect(loop.update(genesis).T).to.equal(T0 + 4 * 12);
    clock.t += 3601_000;
    expect(loop.update(genesis).T).to.equal(T0);
    loop.observeClientVersion("Geth/v1.14.0");
    expect(loop.clientVersion()).to.deep.equal({ current: "Geth/v1.14.0" });
    loop.observeClientVersion("Geth/v1.15.0");
    expect(loop.clientVersion()).to.deep.equal({ current: "Geth/v1.15.0", previous: "Geth/v1.14.0", changedAt: clock.t });
  });
});

function rowScaleOf(row: readonly bigint[]): bigint {
  return row.reduce((m, x) => (x < 0n ? (-x > m ? -x : m) : x > m ? x : m), 0n);
}
