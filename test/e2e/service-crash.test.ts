/**
 * Crash safety of `zksettle serve` (issue 7), end to end at `ci` parameters: a hardhat
 * node on 127.0.0.1 with the dev deployment, the service as a child process (batch
 * mode, temp data directory, one prover thread), a bounded stream of 5 batches.
 *
 * The service is killed with SIGKILL three times, at points chosen by watching the
 * jobs over the API: a job proving (the others queued), a job submitting with its
 * transaction in flight (interval mining, 2 confirmations), and a job in witness or
 * verifying. After each kill it is restarted on the same data directory. At the end
 * every job is confirmed exactly once, the chain holds each batch exactly once (one
 * BatchFinalized per number, roots chained from genesis) and the contract's root is the
 * ledger's. Then a graceful shutdown: SIGTERM mid-proof, exit 0, restart, completes.
 * Last, a reorg (evm_revert) that takes a confirmed batch back: it is submitted again.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import type { EventLog } from "ethers";
import { hashApiKey } from "../../prover/api/auth";
import type { Batch } from "../../prover/state/batch";
import type { State } from "../../prover/state/state";
import { serializeBatch } from "../../prover/codec/batch-codec";
import { deployDevContracts, hardhatKey, hardhatSigner, l1Deposit, startHardhatNode, type DevChain, type DevContracts } from "../../scripts/lib/dev-chain";
import { CI_PARAMS, ciGenesis, scenario } from "../prover/service/fixtures";
import { http, sleep, startServiceProcess, type ServiceProcess } from "../helpers/service-process";
import { kill9, teardown } from "../helpers/teardown";

const KEY = "crash-test-key";
const BATCHES = 5;

interface JobJson {
  id: string;
  batchNumber: number;
  state: string;
  attempts: number;
  txHash?: string;
  newStateRoot: string;
  oldStateRoot: string;
  error?: { code: string; message: string };
}

describe("e2e: zksettle serve survives SIGKILL in every stage and shuts down gracefully", function () {
  this.timeout(1_200_000);
  let chain: DevChain;
  let contracts: DevContracts;
  let genesis: State;
  let batches: Batch[];
  let dataDir: string;
  let svc: ServiceProcess | undefined;
  const jobIds: string[] = [];

  const args = (): string[] => [
    "--mode", "batch",
    "--data-dir", dataDir,
    "--dev-genesis",
    "--params", "ci",
    "--rpc-url", chain.url,
    "--settlement", contracts.settlement.target as string,
    "--from-block", String(contracts.deployBlock),
    "--workers", "1",
    "--confirmations", "2",
    "--poll-interval", "200",
    "--replace-after", "30",
    "--api-key-hashes", hashApiKey(KEY),
    "--rate-limit", "0",
    "--shutdown-timeout", "120",
  ];
  const start = async (): Promise<ServiceProcess> => {
    svc = await startServiceProcess(args(), { ZKSETTLE_SIGNER_KEY: hardhatKey(0) });
    return svc;
  };
  const job = async (id: string): Promise<JobJson> => {
    const r = await http<JobJson>(`${svc!.url}/v1/jobs/${id}`);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    return r.body;
  };
  const jobs = (): Promise<JobJson[]> => Promise.all(jobIds.map(job));
  /** Polls the jobs every 100 ms until `pred` picks one; returns the jobs then. */
  const watch = async (pred: (js: JobJson[]) => boolean, what: string, ms = 600_000): Promise<JobJson[]> => {
    const t0 = Date.now();
    for (;;) {
      const js = await jobs();
      const failed = js.find((j) => j.state === "failed");
      if (failed) throw new Error(`job ${failed.batchNumber} failed: ${JSON.stringify(failed.error)}`);
      if (pred(js)) return js;
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}: ${js.map((j) => `${j.batchNumber}:${j.state}`).join(" ")}`);
      await sleep(100);
    }
  };
  const kill = async (): Promise<void> => {
    expect(await kill9(svc!)).to.equal("SIGKILL");
    svc = undefined;
  };

  before(async function () {
    genesis = await ciGenesis();
    batches = scenario(genesis, BATCHES + 2).batches;
    chain = await startHardhatNode();
    contracts = await deployDevContracts(hardhatSigner(0, chain.provider), CI_PARAMS, genesis);
    // the L1 deposit queue the batches consume, in order (account i deposits from wallet i)
    const wallets = [1, 2].map((i) => hardhatSigner(i, chain.provider));
    for (const b of batches) for (const d of b.deposits) await l1Deposit(contracts, wallets[d.accountIndex - 1], d);
    // from now on blocks come every second: a submission stays in flight for a while
    await chain.provider.send("evm_setAutomine", [false]);
    await chain.provider.send("evm_setIntervalMining", [1000]);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-crash-"));
  });

  after(async function () {
    await teardown({ services: [svc], chain, dirs: [dataDir] });
  });

  it("SIGKILL while queued+proving, submitting, and witness/verifying: every job confirmed once, each batch once on chain", async function () {
    await start();
    for (const [i, b] of batches.slice(0, BATCHES).entries()) {
      const r = await http<JobJson>(`${svc!.url}/v1/batches`, { body: serializeBatch(b), key: KEY, headers: { "idempotency-key": `batch-${i + 1}` } });
      expect(r.status, JSON.stringify(r.body)).to.equal(202);
      expect(r.body.batchNumber).to.equal(i + 1);
      jobIds.push(r.body.id);
    }
    const killedIn: string[][] = [];

    // 1: the first job proving (the witness is done), the others queued
    let js = await watch((j) => j[0].state === "proving", "job 1 proving");
    await sleep(1500);
    js = await jobs();
    killedIn.push(js.map((j) => j.state));
    await kill();

    // 2: a job submitting with its transaction sent and not yet confirmed
    await start();
    js = await watch((j) => j.some((x) => x.state === "submitting" && x.txHash !== undefined) || j.every((x) => x.state === "confirmed"), "a transaction in flight");
    killedIn.push(js.map((j) => j.state));
    await kill();
    expect(js.some((x) => x.state === "submitting" && x.txHash !== undefined), "caught a transaction in flight").to.equal(true);

    // 3: a job building its witness or verifying its proof
    await start();
    js = await watch((j) => j.some((x) => x.state === "witness" || x.state === "verifying") || j.every((x) => x.state === "confirmed"), "a job in witness or verifying");
    killedIn.push(js.map((j) => j.state));
    await kill();

    const seen = new Set(killedIn.flat());
    for (const s of ["queued", "proving", "submitting"]) expect([...seen], `killed with a job ${s}`).to.include(s);

    // restart: everything completes
    await start();
    js = await watch((j) => j.every((x) => x.state === "confirmed"), "every job confirmed");

    // every job confirmed exactly once: one job per batch number, none repeated
    expect(js.map((j) => j.batchNumber)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(new Set(js.map((j) => j.id)).size).to.equal(BATCHES);
    const again = await http<JobJson>(`${svc!.url}/v1/batches`, { body: serializeBatch(batches[2]), key: KEY, headers: { "idempotency-key": "batch-3" } });
    expect(again.body.id, "a retried post gets the same job").to.equal(jobIds[2]);
    const cap = await http<{ queued: number }>(`${svc!.url}/v1/capacity`);
    expect(cap.body.queued).to.equal(0);

    // the chain holds each batch exactly once, roots chained from genesis
    const events = (await contracts.settlement.queryFilter(contracts.settlement.filters.BatchFinalized(), contracts.deployBlock)) as EventLog[];
    expect(events.map((e) => Number(e.args[0]))).to.deep.equal([0, 1, 2, 3, 4]);
    let root = genesis.stateRoot();
    for (const [i, e] of events.entries()) {
      expect(e.args[1]).to.equal(root);
      expect(e.args[2].toString()).to.equal(js[i].newStateRoot);
      expect(e.transactionHash).to.equal(js[i].txHash);
      root = e.args[2] as bigint;
    }
    expect(await contracts.settlement.batchCount()).to.equal(BigInt(BATCHES));
    const ledger = await http<{ stateRoot: string }>(`${svc!.url}/v1/accounts/0/proof`);
    expect((await contracts.settlement.stateRoot()).toString()).to.equal(ledger.body.stateRoot).and.to.equal(js[BATCHES - 1].newStateRoot);

    const metrics = await (await fetch(`${svc!.url}/metrics`)).text();
    expect(metrics).to.match(/zksettle_jobs\{state="confirmed"\} 5/);
    console.log(`      killed with jobs in: ${killedIn.map((k) => k.join(",")).join(" | ")}; proving attempts per job: ${js.map((j) => j.attempts).join(",")}`);
  });

  it("SIGTERM mid-proof: the proof is re-queued, the service exits 0, and a restart completes the job", async function () {
    expect(svc, "the service of the test before").to.not.equal(undefined);
    const r = await http<JobJson>(`${svc!.url}/v1/batches`, { body: serializeBatch(batches[BATCHES]), key: KEY, headers: { "idempotency-key": `batch-${BATCHES + 1}` } });
    expect(r.status, JSON.stringify(r.body)).to.equal(202);
    jobIds.push(r.body.id);
    await watch((j) => j[BATCHES].state === "proving", "the last job proving");
    svc!.kill("SIGTERM");
    const exit = await svc!.exited;
    expect(exit.code, "graceful exit").to.equal(0);
    expect(svc!.lines.some((l) => l.msg === "shutdown complete")).to.equal(true);
    expect(svc!.lines.some((l) => l.msg === "job" && l.state === "queued" && l.batchNumber === BATCHES + 1 && l.attempts === 1), "re-queued at shutdown").to.equal(true);
    svc = undefined;

    await start();
    const js = await watch((j) => j.every((x) => x.state === "confirmed"), "the last job confirmed");
    expect(js[BATCHES].attempts).to.equal(2);
    const events = await contracts.settlement.queryFilter(contracts.settlement.filters.BatchFinalized(), contracts.deployBlock);
    expect(events.length).to.equal(BATCHES + 1);
    expect((await contracts.settlement.stateRoot()).toString()).to.equal(js[BATCHES].newStateRoot);

  });

  it("a reorg that takes a confirmed batch back: the service sees it and submits the batch again", async function () {
    expect(svc, "the service of the test before").to.not.equal(undefined);
    const snapshot = (await chain.provider.send("evm_snapshot", [])) as string;
    const n = BATCHES + 2;
    const r = await http<JobJson>(`${svc!.url}/v1/batches`, { body: serializeBatch(batches[n - 1]), key: KEY, headers: { "idempotency-key": `batch-${n}` } });
    expect(r.status, JSON.stringify(r.body)).to.equal(202);
    jobIds.push(r.body.id);
    await watch((j) => j[n - 1].state === "confirmed", `job ${n} confirmed`);
    expect(await contracts.settlement.batchCount()).to.equal(BigInt(n));

    // the blocks with batch n's transaction go away
    expect(await chain.provider.send("evm_revert", [snapshot])).to.equal(true);
    expect(await contracts.settlement.batchCount()).to.equal(BigInt(n - 1));
    const t0 = Date.now();
    while (!svc!.lines.some((l) => l.msg === "a reorg took back a confirmed batch: submitting it again" && l.batchNumber === n)) {
      if (Date.now() - t0 > 60_000) throw new Error("the service did not notice the reorg");
      await sleep(100);
    }
    await watch((j) => j[n - 1].state === "confirmed" && Number(j[n - 1].attempts) === 1, `job ${n} confirmed again`);
    const t1 = Date.now();
    while ((await contracts.settlement.batchCount()) !== BigInt(n)) {
      if (Date.now() - t1 > 30_000) throw new Error("batch not back on chain");
      await sleep(200);
    }
    const events = (await contracts.settlement.queryFilter(contracts.settlement.filters.BatchFinalized(), contracts.deployBlock)) as EventLog[];
    expect(events.map((e) => Number(e.args[0]))).to.deep.equal(Array.from({ length: n }, (_, i) => i));
    const js = await jobs();
    expect((await contracts.settlement.stateRoot()).toString()).to.equal(js[n - 1].newStateRoot);
    const metrics = await (await fetch(`${svc!.url}/metrics`)).text();
    expect(metrics).to.contain('zksettle_errors_total{code="PRV_ERR_REORGED"} 1');

    svc!.kill("SIGTERM");
    expect((await svc!.exited).code).to.equal(0);
    svc = undefined;
  });
});
