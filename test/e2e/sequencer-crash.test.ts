/**
 * `zksettle serve` in sequencer mode killed with SIGKILL in the middle of an order
 * stream (issue 19, item 1), at `ci` parameters on a hardhat node with the dev
 * deployment, on both stores: the data directory's SQLite, and Redis (a private
 * redis-server with the append-only file fsynced on every write, as docs/operations.md
 * asks). A client posts crossing pairs and resting orders of accounts 1 and 2 (funded
 * through the L1 queue) and the service is killed at a random moment, several times,
 * restarted on the same store each time. After every restart, every order the client
 * was answered for is where the answer said it could be (GET /v1/ops/{id}): a `filled`
 * order pending or batched, a `resting` order resting, pending, batched or cancelled
 * with a reason. At the end no order is in two trades of the ledger, and each batched
 * one is in the batch its status names. (With Redis no worker proves: the batches stay
 * queued, which is all this test needs.)
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import { expect } from "chai";
import { hashApiKey } from "../../prover/api/auth";
import type { State } from "../../prover/state/state";
import type { LedgerEntry } from "../../prover/store/job-store";
import { RedisJobStore } from "../../prover/store/redis-store";
import { SqliteJobStore } from "../../prover/store/sqlite-store";
import { hardhatKey, type DevChain } from "../../scripts/lib/dev-chain";
import { tempDir } from "../prover/service/fixtures";
import { OrderStream, openVenue } from "../helpers/order-stream";
import { freePort, startRedis, type RedisServer } from "../helpers/redis-server";
import { http, sleep, startServiceProcess, type ServiceProcess } from "../helpers/service-process";
import { kill9, teardown } from "../helpers/teardown";

const KEY = "sequencer-crash-key";
// Each kill costs a restart (~12 s on an idle machine): 5 per store, 10 crash points in all.
const KILLS = 5;

for (const store of ["sqlite", "redis"] as const) {
  describe(`e2e: zksettle serve in sequencer mode loses no acknowledged order to SIGKILL (${store})`, function () {
    this.timeout(1_200_000);
    let chain: DevChain;
    let genesis: State;
    let dataDir: string;
    let settlement: string;
    let fromBlock: number;
    let redis: RedisServer | undefined;
    const prefix = `seq-crash-${randomUUID().slice(0, 8)}`;
    let svc: ServiceProcess | undefined;

    const start = async (): Promise<ServiceProcess> => {
      // prettier-ignore
      const args = [
        "--mode", "sequencer", "--dev-oracle", "--batch-interval", "2",
        "--data-dir", dataDir, "--dev-genesis", "--params", "ci",
        "--rpc-url", chain.url, "--settlement", settlement, "--from-block", String(fromBlock),
        "--workers", "1", "--poll-interval", "200",
        "--api-key-hashes", hashApiKey(KEY), "--rate-limit", "0",
        ...(redis ? ["--store", redis.url, "--store-prefix", prefix, "--leader-ttl-ms", "3000"] : []),
      ];
      svc = await startServiceProcess(args, { ZKSETTLE_SIGNER_KEY: hardhatKey(0) });
      // with Redis the restarted process leads once the killed one's lease has expired
      const t0 = Date.now();
      while (redis && (await http<{ role: string }>(`${svc.url}/v1/capacity`)).body.role !== "leader") {
        if (Date.now() - t0 > 60_000) {
          const log = svc.lines.slice(-40).map((l) => JSON.stringify(l)).join("\n");
          throw new Error(`the restarted service was not elected within 60 s; its last log lines:\n${log}`);
        }
        await sleep(100);
      }
      return svc;
    };
    /** The ledger as the store holds it (the stream has stopped). */
    const storedLedger = async (): Promise<LedgerEntry[]> => {
      const s = redis ? new RedisJobStore({ url: redis.url, prefix }) : new SqliteJobStore(path.join(dataDir, "jobs.sqlite"));
      try {
        return await s.ledger();
      } finally {
        await s.close();
      }
    };

    before(async function () {
      ({ genesis, chain, settlement, fromBlock } = await openVenue());
      dataDir = tempDir("zksettle-seq-crash-");
      if (store === "redis") redis = await startRedis({ port: await freePort(), dir: tempDir("zksettle-seq-crash-redis-") });
    });

    after(async function () {
      await teardown({ services: [svc], chain, redis: [redis], dirs: [dataDir] });
    });

    it(`SIGKILL at ${KILLS} random moments of an order stream: every acknowledged order is resting, pending, batched or cancelled with a reason, and none is applied twice`, async function () {
      const t0 = Date.now();
      const client = new OrderStream(genesis, KEY, () => svc!.url);
      for (let k = 0; k < KILLS; k++) {
        await start();
        await client.check();
        await client.funded();
        const running = client.run();
        await sleep(2500 + Math.floor(Math.random() * 3000));
        await kill9(svc!);
        await running;
        svc = undefined;
      }
      await start();
      await client.check();
      expect(client.filled, "the stream filled orders").to.be.greaterThan(0);
      const ledger = await storedLedger();
      await client.checkLedger(ledger);
      console.log(`      measured: ${client.acks.length} acknowledged orders (${client.filled} filled), ${ledger.length} batches, ${KILLS} kills, ${Date.now() - t0} ms`);
    });
  });
}
