/**
 * Many machines, end to end at `ci` parameters (issue 8): a hardhat node with the dev
 * deployment, one redis-server (AOF, fsync always), one `zksettle worker`, and two
 * `zksettle serve --store redis://…` processes on it.
 *
 * One of the two is elected; the other serves reads from the shared store and answers
 * writes with 503 PRV_ERR_NOT_LEADER naming the leader. The leader is SIGKILLed with a
 * batch still in the pipeline: the follower is elected within the lease's ttl, takes
 * the next batch, and every batch is confirmed once, in order, with the contract's root
 * at the end equal to the last job's. Times are printed, not asserted (beyond the ttl).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { hashApiKey } from "../../prover/api/auth";
import type { Batch } from "../../prover/state/batch";
import { serializeBatch } from "../../prover/codec/batch-codec";
import { deployDevContracts, hardhatKey, hardhatSigner, l1Deposit, startHardhatNode, type DevChain, type DevContracts } from "../../scripts/lib/dev-chain";
import { CI_CIRCUIT_DIR, CI_PARAMS, ciGenesis, scenario, tempDir } from "../prover/service/fixtures";
import { freePort, startRedis, type RedisServer } from "../helpers/redis-server";
import { http, sleep, startServiceProcess, type ServiceProcess } from "../helpers/service-process";
import { teardown } from "../helpers/teardown";

const KEY = "failover-test-key";
const TTL_MS = 3000;
const REPO_ROOT = path.resolve(__dirname, "..", "..");

interface JobJson {
  id: string;
  batchNumber: number;
  state: string;
  newStateRoot: string;
  error?: { code: string; message: string };
}

interface Capacity {
  role: string;
  provers?: { id: string }[];
}

describe("e2e: two zksettle serve on one Redis: one leader, a SIGKILLed leader replaced, every batch confirmed once", function () {
  this.timeout(20 * 60_000);
  let chain: DevChain;
  let contracts: DevContracts;
  let batches: Batch[];
  let redis: RedisServer;
  let worker: ChildProcess | undefined;
  const services: ServiceProcess[] = [];
  const prefix = `failover-${randomUUID().slice(0, 8)}`;

  const args = (): string[] => [
    "--mode", "batch",
    "--store", redis.url,
    "--store-prefix", prefix,
    "--leader-ttl-ms", String(TTL_MS),
    "--dev-genesis",
    "--params", "ci",
    "--rpc-url", chain.url,
    "--settlement", contracts.settlement.target as string,
    "--from-block", String(contracts.deployBlock),
    "--workers", "1",
    "--confirmations", "1",
    "--poll-interval", "200",
    "--api-key-hashes", hashApiKey(KEY),
    "--rate-limit", "0",
    "--log-level", "info",
  ];
  const role = async (s: ServiceProcess): Promise<Capacity> => (await http<Capacity>(`${s.url}/v1/capacity`)).body;
  const untilLeader = async (candidates: ServiceProcess[], ms: number): Promise<ServiceProcess> => {
    const t0 = Date.now();
    for (;;) {
      for (const s of candidates) if ((await role(s)).role === "leader") return s;
      if (Date.now() - t0 > ms) throw new Error(`no leader within ${ms} ms`);
      await sleep(50);
    }
  };
  const untilConfirmed = async (s: ServiceProcess, ids: string[], ms = 900_000): Promise<JobJson[]> => {
    const t0 = Date.now();
    for (;;) {
      const js = await Promise.all(ids.map(async (id) => (await http<JobJson>(`${s.url}/v1/jobs/${id}`)).body));
      const failed = js.find((j) => j.state === "failed");
      if (failed) throw new Error(`job ${failed.batchNumber} failed: ${JSON.stringify(failed.error)}`);
      if (js.every((j) => j.state === "confirmed")) return js;
      if (Date.now() - t0 > ms) throw new Error(`timed out: ${js.map((j) => `${j.batchNumber}:${j.state}`).join(" ")}`);
      await sleep(200);
    }
  };
  const post = (s: ServiceProcess, b: Batch, n: number) => http<JobJson & { code?: string; details?: { leader: string } }>(`${s.url}/v1/batches`, { body: serializeBatch(b), key: KEY, headers: { "idempotency-key": `batch-${n}` } });

  before(async function () {
    const genesis = await ciGenesis();
    batches = scenario(genesis, 3).batches;
    chain = await startHardhatNode();
    contracts = await deployDevContracts(hardhatSigner(0, chain.provider), CI_PARAMS, genesis);
    const wallets = [1, 2].map((i) => hardhatSigner(i, chain.provider));
    for (const b of batches) for (const d of b.deposits) await l1Deposit(contracts, wallets[d.accountIndex - 1], d);
    redis = await startRedis({ port: await freePort(), dir: tempDir("zksettle-failover-redis-") });
    worker = spawn(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", path.join(REPO_ROOT, "prover", "cli.ts"), "worker", "--store", redis.url, "--store-prefix", prefix, "--workers", "1", "--build-dir", CI_CIRCUIT_DIR, "--id", "w1", "--heartbeat", "1000", "--drain", "0"],
      { cwd: REPO_ROOT, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" }, stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve, reject) => {
      readline.createInterface({ input: worker!.stdout! }).on("line", (line) => line.includes("zksettle worker ready") && resolve());
      worker!.once("exit", (code) => reject(new Error(`the worker exited (${code}) before it was ready`)));
    });
  });

  after(async function () {
    await teardown({ services, children: [worker], chain, redis: [redis] });
  });

  it("elects one, refuses writes on the other, fails over within the ttl and confirms every batch once", async function () {
    const env = { ZKSETTLE_SIGNER_KEY: hardhatKey(0) };
    services.push(await startServiceProcess(args(), env), await startServiceProcess(args(), env));
    const leader = await untilLeader(services, 2 * TTL_MS);
    const follower = services.find((s) => s !== leader)!;
    expect((await role(follower)).role).to.equal("follower");

    const refused = await post(follower, batches[0], 1);
    expect(refused.status).to.equal(503);
    expect(refused.body.code).to.equal("PRV_ERR_NOT_LEADER");
    expect(refused.body.details?.leader.startsWith(leader.url)).to.equal(true);

    const ids: string[] = [];
    for (const [i, b] of batches.slice(0, 2).entries()) {
      const r = await post(leader, b, i + 1);
      expect(r.status, JSON.stringify(r.body)).to.equal(202);
      expect(r.body.batchNumber).to.equal(i + 1);
      ids.push(r.body.id);
    }
    // the follower reads the same jobs from Redis
    expect((await http<JobJson>(`${follower.url}/v1/jobs/${ids[1]}`)).body.batchNumber).to.equal(2);
    const t0 = Date.now();
    await untilConfirmed(follower, ids.slice(0, 1));
    console.log(`      measured: batch 1 confirmed ${Date.now() - t0} ms after it was posted (one remote worker)`);
    expect((await role(leader)).provers?.map((p) => p.id)).to.deep.equal(["w1"]);
    const scraped = await fetch(`${leader.url}/metrics`).then((r) => r.text());
    expect(scraped).to.match(/^zksettle_workers 1$/m);
    expect(scraped).to.match(/^zksettle_worker_\w+\{worker="w1"\}/m);

    // batch 2 is still in the pipeline: the leader dies
    leader.kill("SIGKILL");
    await leader.exited;
    services.splice(services.indexOf(leader), 1);
    const died = Date.now();
    await untilLeader([follower], TTL_MS + 2000);
    console.log(`      measured: follower elected ${Date.now() - died} ms after the leader's SIGKILL (ttl ${TTL_MS} ms)`);

    const third = await post(follower, batches[2], 3);
    expect(third.status, JSON.stringify(third.body)).to.equal(202);
    expect(third.body.batchNumber).to.equal(3);
    ids.push(third.body.id);
    const done = await untilConfirmed(follower, ids);
    expect(done.map((j) => j.batchNumber)).to.deep.equal([1, 2, 3]);
    expect(Number(await contracts.settlement.batchCount())).to.equal(3);
    expect((await contracts.settlement.stateRoot()).toString()).to.equal(done[2].newStateRoot);
  });
});
