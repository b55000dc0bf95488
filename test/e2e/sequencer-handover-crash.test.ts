/**
 * The leader handover under SIGKILL (issue 19, item 1): two `zksettle serve` in
 * sequencer mode on one Redis (AOF, fsync always), a hardhat node with the dev
 * deployment. A client posts an order stream to the leader; the leader is killed at a
 * random moment, the follower is elected (within the lease's ttl) and restores the
 * sequencer from the journal, the client goes on with it, and a new process joins as
 * the next follower; several times. After every handover, every order the client was
 * answered for is where the answer said it could be, as the new leader tells it; at the
 * end no order is in two trades of the ledger. (No worker proves: batches stay queued.)
 */
import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { hashApiKey } from "../../prover/api/auth";
import type { State } from "../../prover/state/state";
import { RedisJobStore } from "../../prover/store/redis-store";
import { hardhatKey, type DevChain } from "../../scripts/lib/dev-chain";
import { tempDir } from "../prover/service/fixtures";
import { OrderStream, openVenue } from "../helpers/order-stream";
import { freePort, startRedis, type RedisServer } from "../helpers/redis-server";
import { http, sleep, startServiceProcess, type ServiceProcess } from "../helpers/service-process";
import { kill9, teardown } from "../helpers/teardown";

const KEY = "handover-crash-key";
const TTL_MS = 3000;
const HANDOVERS = 3;

describe("e2e: the sequencer's leader handover loses no acknowledged order to SIGKILL (two serve on one Redis)", function () {
  this.timeout(1_200_000);
  let chain: DevChain;
  let genesis: State;
  let redis: RedisServer;
  let settlement: string;
  let fromBlock: number;
  const dirs: string[] = [];
  const services: ServiceProcess[] = [];
  const prefix = `handover-crash-${randomUUID().slice(0, 8)}`;

  const start = async (): Promise<ServiceProcess> => {
    const dataDir = tempDir("zksettle-handover-");
    dirs.push(dataDir);
    // prettier-ignore
    const args = [
      "--mode", "sequencer", "--dev-oracle", "--batch-interval", "2",
      "--store", redis.url, "--store-prefix", prefix, "--leader-ttl-ms", String(TTL_MS),
      "--data-dir", dataDir, "--dev-genesis", "--params", "ci",
      "--rpc-url", chain.url, "--settlement", settlement, "--from-block", String(fromBlock),
      "--workers", "1", "--poll-interval", "200",
      "--api-key-hashes", hashApiKey(KEY), "--rate-limit", "0",
    ];
    const s = await startServiceProcess(args, { ZKSETTLE_SIGNER_KEY: hardhatKey(0) });
    services.push(s);
    return s;
  };
  const leaderOf = async (candidates: readonly ServiceProcess[], ms: number): Promise<ServiceProcess> => {
    const t0 = Date.now();
    for (;;) {
      for (const s of candidates) {
        const r = await http<{ role: string }>(`${s.url}/v1/capacity`).catch(() => undefined);
        if (r?.body.role === "leader") return s;
      }
      if (Date.now() - t0 > ms) throw new Error(`no leader within ${ms} ms`);
      await sleep(50);
    }
  };

  before(async function () {
    ({ genesis, chain, settlement, fromBlock } = await openVenue());
    redis = await startRedis({ port: await freePort(), dir: tempDir("zksettle-handover-redis-") });
  });

  after(async function () {
    await teardown({ services, chain, redis: [redis], dirs });
  });

  it(`SIGKILL of the leader at ${HANDOVERS} random moments of an order stream: the follower takes over and every acknowledged order is where its answer said, none applied twice`, async function () {
    const t0 = Date.now();
    await Promise.all([start(), start()]);
    let leader = await leaderOf(services, 2 * TTL_MS);
    const client = new OrderStream(genesis, KEY, () => leader.url);
    const elections: number[] = [];
    await client.funded();
    for (let k = 0; k < HANDOVERS; k++) {
      const running = client.run();
      await sleep(2500 + Math.floor(Math.random() * 3000));
      await kill9(leader);
      await running;
      services.splice(services.indexOf(leader), 1);
      const died = Date.now();
      leader = await leaderOf(services, TTL_MS + 30_000);
      elections.push(Date.now() - died);
      await client.check();
      // the next follower, for the next handover
      await start();
    }
    expect(client.filled, "the stream filled orders").to.be.greaterThan(0);
    const store = new RedisJobStore({ url: redis.url, prefix });
    try {
      await client.checkLedger(await store.ledger());
    } finally {
      await store.close();
    }
    console.log(`      measured: ${client.acks.length} acknowledged orders (${client.filled} filled), elections ${elections.join(", ")} ms after the kill (ttl ${TTL_MS}), ${Date.now() - t0} ms in all`);
  });
});
