/**
 * The leader lease on one Redis: one of two processes leads; a leader that dies is
 * replaced within the ttl; a graceful release hands over at once; a leader that loses
 * the lease stops submitting before it learns anything more from the chain.
 */
import { randomUUID } from "node:crypto";
import { expect } from "chai";
import Redis from "ioredis";
import { createLogger } from "../../../prover/log/logger";
import { Engine } from "../../../prover/service/engine";
import { LeaderLease } from "../../../prover/service/leader";
import { Leadership } from "../../../prover/service/leadership";
import { Ledger } from "../../../prover/service/ledger";
import type { SubmitPort, SubmitReceipt } from "../../../prover/service/submitter-port";
import type { Job } from "../../../prover/store/job-store";
import { RedisJobStore } from "../../../prover/store/redis-store";
import type { VerificationKey } from "../../../prover/zk/prover";
import { ensureRedis } from "../../helpers/redis-server";
import { ReplayPool } from "./engine-fakes";
import { CI_CIRCUIT_DIR, CI_PARAMS, ciGenesis, scenario } from "./fixtures";

const once = <T extends unknown[]>(lease: LeaderLease, event: "elected" | "deposed"): Promise<T> =>
  new Promise((resolve) => lease.once(event, (...args: unknown[]) => resolve(args as T)));

/** A submitter whose `isFinalized` waits until the test opens the gate. */
class GatedSubmitter implements SubmitPort {
  readonly submitted: number[] = [];
  readonly asked: number[] = [];
  private open: (() => void) | undefined;
  private readonly gate = new Promise<void>((r) => (this.open = r));
  onAsk: (() => void) | undefined;

  release(): void {
    this.open?.();
  }

  async isFinalized(batchNumber: number): Promise<boolean> {
    this.asked.push(batchNumber);
    this.onAsk?.();
    await this.gate;
    return false;
  }

  async submit(job: Job): Promise<SubmitReceipt> {
    this.submitted.push(job.batchNumber);
    return { txHash: "0x01", blockNumber: 1, gasUsed: 1n };
  }
}

describe("prover/service: LeaderLease on Redis", function () {
  let url: string;
  let prefix: string;
  const leases: LeaderLease[] = [];

  function lease(name: string, ttlMs: number): LeaderLease {
    const l = new LeaderLease({ url, prefix, ownerId: `${name}#${randomUUID().slice(0, 8)}`, ttlMs });
    leases.push(l);
    return l;
  }

  before(async function () {
    url = await ensureRedis();
  });

  beforeEach(function () {
    prefix = `zksettle-test:${randomUUID()}`;
  });

  afterEach(async function () {
    for (const l of leases.splice(0)) await l.release();
  });

  it("elects exactly one of two processes and names it to both", async function () {
    const a = lease("a", 1000);
    const b = lease("b", 1000);
    await a.start();
    await b.start();
    expect([a.isLeader, b.isLeader]).to.deep.equal([true, false]);
    expect(await b.leader()).to.equal(a.ownerId);
    // renewals keep it: after several ttls the same process leads
    await new Promise((r) => setTimeout(r, 2500));
    expect([a.isLeader, b.isLeader]).to.deep.equal([true, false]);
  });

  it("replaces a leader that stops renewing (killed) within the ttl", async function () {
    const ttl = 900;
    const a = lease("a", ttl);
    const b = lease("b", ttl);
    await a.start();
    await b.start();
    const elected = once(b, "elected");
    const died = Date.now();
    a.abandon();
    await elected;
    const took = Date.now() - died;
    console.log(`      measured: follower elected ${took} ms after the leader died (ttl ${ttl} ms)`);
    // the key lives at most ttl after the last renewal, which was before the death
    expect(took).to.be.at.most(ttl + 250);
    expect(await b.leader()).to.equal(b.ownerId);
  });

  it("hands over at once on a graceful release", async function () {
    const ttl = 3000;
    const a = lease("a", ttl);
    const b = lease("b", ttl);
    await a.start();
    await b.start();
    const elected = once(b, "elected");
    const t0 = Date.now();
    await a.release();
    await elected;
    // well before a follower's next try (ttl / 3) would have found the key free
    expect(Date.now() - t0).to.be.below(ttl / 3);
    expect(await b.leader()).to.equal(b.ownerId);
  });

  it("steps down when another process holds the key at renewal time", async function () {
    const a = lease("a", 600);
    await a.start();
    const admin = new Redis(url);
    try {
      const deposed = once<[string]>(a, "deposed");
      await admin.set(`${prefix}:leader`, "someone-else", "PX", 5000);
      const [reason] = await deposed;
      expect(reason).to.match(/lost/);
      expect(a.isLeader).to.equal(false);
    } finally {
      await admin.quit();
    }
  });

  it("a deposed leader's engine stops submitting, even mid-way through a submission", async function () {
    const genesis = await ciGenesis();
    const store = new RedisJobStore({ url, prefix });
    const ledger = await Ledger.open(store, genesis);
    const submitter = new GatedSubmitter();
    // no proof is made or verified here: the job is stored already proven
    const engine = new Engine({ store, ledger, pool: new ReplayPool(), submitter, circuitDir: CI_CIRCUIT_DIR, vkey: {} as VerificationKey, params: CI_PARAMS });
    const a = lease("a", 600);
    const leadership = new Leadership(a, engine, ledger, createLogger("silent"));
    const admin = new Redis(url);
    try {
      const { job } = await ledger.append(scenario(genesis, 1).batches[0]);
      const proof = { pi_a: ["1"], pi_b: [["1"]], pi_c: ["1"], protocol: "groth16", curve: "bn128" };
      await store.transition(job.id, ["queued"], "submitting", { proof, publicSignals: [job.inputHash] });
      const asked = new Promise<void>((r) => (submitter.onAsk = r));
      await leadership.start();
      expect(leadership.isLeader()).to.equal(true);
      await asked; // the leader asks the chain about batch 1 …
      const deposed = once(a, "deposed");
      await admin.set(`${prefix}:leader`, "someone-else", "PX", 5000); // … and loses the lease meanwhile
      await deposed;
      submitter.release();
      await new Promise((r) => setTimeout(r, 300));
      expect(submitter.asked).to.deep.equal([1]);
      expect(submitter.submitted).to.deep.equal([]);
      expect(leadership.isLeader()).to.equal(false);
      // it wrote nothing either: the next leader finds the job as it was
      expect((await store.get(job.id))?.state).to.equal("submitting");
    } finally {
      await admin.quit();
      await engine.close();
      await store.destroy();
      await store.close();
    }
  });
});
