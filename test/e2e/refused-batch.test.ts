/**
 * Issue 19's stalled-venue scenario, end to end at `ci` parameters: `zksettle serve` in
 * sequencer mode (in this process) on a hardhat node with the dev deployment. Accounts
 * 1 and 2 open through the L1 queue. A DEPOSIT the queue never had is put into the
 * sequencer (the API refuses deposits since issue 19, so the test goes round it, as a
 * bug or a tampered journal would), and an order of the account it makes fills. The
 * contract refuses that batch (DepositsOutOfRange), for good: without anyone cancelling
 * it, the batch leaves the ledger, the sequencer rebases, the fabricated deposit and the
 * fill are answered `rejected` with the reason, /ready is 200 again, and the next batch
 * is confirmed on chain as batch 2.
 */
import fs from "node:fs";
import { expect } from "chai";
import { hashApiKey } from "../../prover/api/auth";
import { depositNew, devOrder } from "../../prover/dev/fixtures";
import { startService, type Service } from "../../prover/run/bootstrap";
import { defaultConfig, type Config } from "../../prover/service/config";
import { createLogger } from "../../prover/log/logger";
import { ServiceMetrics } from "../../prover/service/metrics";
import { serializeOrder } from "../../prover/codec/batch-codec";
import type { State } from "../../prover/state/state";
import { deployDevContracts, hardhatKey, hardhatSigner, l1Deposit, startHardhatNode, type DevChain, type DevContracts } from "../../scripts/lib/dev-chain";
import { CI_PARAMS, ciGenesis, tempDir } from "../prover/service/fixtures";
import { http, sleep } from "../helpers/service-process";

const KEY = "refused-batch-key";
const USDC = 1_000_000n;

interface JobJson {
  id: string;
  batchNumber: number;
  state: string;
  error?: { code: string; message: string };
}
interface OpJson {
  status: string;
  code?: string;
  reason?: string;
  batchNumber?: number;
}

describe("e2e: a batch the contract refuses for good rewinds the ledger and the sequencer by itself", function () {
  this.timeout(900_000);
  let chain: DevChain;
  let contracts: DevContracts;
  let genesis: State;
  let dataDir: string;
  let svc: Service | undefined;

  const until = async <T>(f: () => Promise<T | undefined>, what: string, ms = 600_000): Promise<T> => {
    const t0 = Date.now();
    for (;;) {
      const v = await f();
      if (v !== undefined) return v;
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  };
  const jobOf = async (n: number): Promise<JobJson | undefined> => (await http<{ jobs: JobJson[] }>(`${svc!.url}/v1/jobs?limit=50`)).body.jobs.find((j) => j.batchNumber === n && j.state !== "cancelled");
  const op = async (id: string): Promise<OpJson> => (await http<OpJson>(`${svc!.url}/v1/ops/${id}`)).body;
  const order = async (s: State, i: number, isBuy: boolean): Promise<{ orderId: string; status: string }> => {
    const o = devOrder(s, { accountIndex: i, marketId: 1, isBuy, size: 1n, limitPrice: 60n * USDC });
    const r = await http<{ orderId: string; status: string }>(`${svc!.url}/v1/ops`, { key: KEY, body: { type: "ORDER", order: serializeOrder(o) } });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    return r.body;
  };

  before(async function () {
    genesis = await ciGenesis();
    chain = await startHardhatNode();
    contracts = await deployDevContracts(hardhatSigner(0, chain.provider), CI_PARAMS, genesis);
    for (const i of [1, 2]) await l1Deposit(contracts, hardhatSigner(i, chain.provider), depositNew(i, 100_000n * USDC));
    dataDir = tempDir("zksettle-refused-");
  });

  after(async function () {
    await svc?.server.shutdown("test over");
    await chain?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("DepositsOutOfRange: the batch and its fill are rejected with the reason, /ready recovers, batch 2 is cut again and confirmed", async function () {
    const config: Config = {
      ...defaultConfig(),
      mode: "sequencer",
      host: "127.0.0.1",
      port: 0,
      dataDir,
      devGenesis: true,
      devOracle: true,
      params: "ci",
      apiKeyHashes: [hashApiKey(KEY)],
      rateLimit: 0,
      batchInterval: 2,
      workers: 1,
      rpcUrl: chain.url,
      settlement: contracts.settlement.target as string,
      signerKey: hardhatKey(0),
      fromBlock: contracts.deployBlock,
      pollInterval: 200,
      confirmations: 1,
      logLevel: "warn",
    };
    const t0 = Date.now();
    svc = await startService(config, createLogger("warn"), new ServiceMetrics({ defaults: false }), { exit: () => undefined });
    // batch 1: the two real queue entries, cut by the deposit feed
    await until(async () => ((await jobOf(1)) === undefined ? undefined : true), "batch 1 (the real deposits)");

    // batch 2: a deposit the queue never had (account 9), and a fill of that account
    const fake = await svc.intake!.run((s) => s.submitDeposit(depositNew(9, 5_000n * USDC)));
    const pending = svc.sequencer!.pendingState();
    const sell = await order(pending, 9, false);
    const buy = await order(pending, 1, true);
    expect(buy.status).to.equal("filled");
    const refused = await until(async () => {
      const j = await jobOf(2);
      return j === undefined ? undefined : j;
    }, "batch 2 cut");

    // nobody cancels it: the contract's refusal is enough
    const cancelled = await until(async () => {
      const j = (await http<JobJson>(`${svc!.url}/v1/jobs/${refused.id}`)).body;
      expect(j.state, JSON.stringify(j)).to.not.equal("confirmed");
      return j.state === "cancelled" ? j : undefined;
    }, "batch 2 refused and cancelled");
    console.log(`      measured: batch 2 refused and rewound ${Date.now() - t0} ms after the service started`);
    expect(cancelled.error?.code).to.equal("PRV_ERR_BATCH_REFUSED");
    expect(cancelled.error?.message).to.match(/DepositsOutOfRange/);

    const fakeFate = await until(async () => {
      const s = await op(fake.opId);
      return s.status === "rejected" ? s : undefined;
    }, "the fabricated deposit rejected");
    expect(fakeFate.code).to.equal("REBASED_QUEUE_ENTRY");
    for (const id of [sell.orderId, buy.orderId]) {
      const s = await op(id);
      expect(s.status, `the fill of the fabricated account (${id})`).to.equal("rejected");
      expect(s.reason).to.contain("batch 2 was cancelled (PRV_ERR_BATCH_REFUSED: the contract refuses batch 2 for good: DepositsOutOfRange");
    }
    const nine = await http<{ exists: boolean }>(`${svc.url}/v1/accounts/9?view=pending`);
    expect(nine.body.exists, "the fabricated account is gone from the pending view").to.equal(false);
    await until(async () => ((await http(`${svc!.url}/ready`)).status === 200 ? true : undefined), "/ready 200 again", 30_000);

    // the venue goes on: a fill of accounts 1 and 2 is batch 2 now, and the chain takes it
    const now = svc.sequencer!.pendingState();
    const maker = await order(now, 2, false);
    const taker = await order(now, 1, true);
    expect(taker.status).to.equal("filled");
    const confirmed = await until(async () => {
      const s = await op(taker.orderId);
      if (s.status !== "batched") return undefined;
      const j = (await http<JobJson>(`${svc!.url}/v1/jobs/${(s as { jobId?: string }).jobId}`)).body;
      expect(j.state, JSON.stringify(j)).to.not.be.oneOf(["failed", "cancelled"]);
      return j.state === "confirmed" ? j : undefined;
    }, "the new batch 2 confirmed");
    expect(confirmed.batchNumber).to.equal(2);
    expect((await op(maker.orderId)).status).to.equal("batched");
    expect(Number(await contracts.settlement.batchCount())).to.equal(2);
    console.log(`      measured: whole scenario ${Date.now() - t0} ms (3 proofs)`);
  });
});
