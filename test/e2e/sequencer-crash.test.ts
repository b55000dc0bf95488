/**
 * `zksettle serve` in sequencer mode killed with SIGKILL in the middle of an order
 * stream (issue 19, item 1), at `ci` parameters on a hardhat node with the dev
 * deployment: a client posts crossing pairs and resting orders of accounts 1 and 2
 * (funded through the L1 queue) and the service is killed at a random moment, several
 * times, restarted on the same data directory each time. After every restart, every
 * order the client was answered for is where the answer said it could be
 * (GET /v1/ops/{id}): a `filled` order pending or batched, a `resting` order resting,
 * pending, batched or cancelled with a reason. Nothing acknowledged is lost.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { hashApiKey } from "../../prover/api/auth";
import { depositNew, devOrder } from "../../prover/dev/fixtures";
import { serializeOrder } from "../../prover/service/serialize";
import type { State } from "../../prover/state/state";
import { deployDevContracts, hardhatKey, hardhatSigner, l1Deposit, startHardhatNode, type DevChain } from "../../scripts/lib/dev-chain";
import { CI_PARAMS, ciGenesis } from "../prover/service/fixtures";
import { http, sleep, startServiceProcess, type ServiceProcess } from "../helpers/service-process";

const KEY = "sequencer-crash-key";
const USDC = 1_000_000n;
const KILLS = 3;

interface Ack {
  readonly id: string;
  readonly status: string;
}

describe("e2e: zksettle serve in sequencer mode loses no acknowledged order to SIGKILL", function () {
  this.timeout(1_200_000);
  let chain: DevChain;
  let genesis: State;
  let dataDir: string;
  let settlement: string;
  let fromBlock: number;
  let svc: ServiceProcess | undefined;

  const start = async (): Promise<ServiceProcess> => {
    // prettier-ignore
    const args = [
      "--mode", "sequencer", "--dev-oracle", "--batch-interval", "2",
      "--data-dir", dataDir, "--dev-genesis", "--params", "ci",
      "--rpc-url", chain.url, "--settlement", settlement, "--from-block", String(fromBlock),
      "--workers", "1", "--poll-interval", "200",
      "--api-key-hashes", hashApiKey(KEY), "--rate-limit", "0",
    ];
    svc = await startServiceProcess(args, { ZKSETTLE_SIGNER_KEY: hardhatKey(0) });
    return svc;
  };

  /** The pending nonce of account i. */
  const nonce = async (i: number): Promise<bigint> => {
    const r = await http<{ nonce: string; exists: boolean }>(`${svc!.url}/v1/accounts/${i}?view=pending`);
    return r.body.exists ? BigInt(r.body.nonce) : -1n;
  };
  const post = async (i: number, spec: { marketId: number; isBuy: boolean; size: bigint; limitPrice: bigint }, n: bigint): Promise<Ack | undefined> => {
    const order = devOrder(genesis, { accountIndex: i, ...spec, nonce: n });
    const r = await http<{ orderId: string; status: string }>(`${svc!.url}/v1/ops`, { method: "POST", key: KEY, body: { type: "ORDER", order: serializeOrder(order) } });
    return r.status === 200 ? { id: r.body.orderId, status: r.body.status } : undefined;
  };

  /** Posts orders until the process dies; returns the answers it gave. */
  const stream = async (acks: Ack[]): Promise<void> => {
    try {
      for (;;) {
        const [n1, n2] = [await nonce(1), await nonce(2)];
        if (n1 < 0n || n2 < 0n) {
          await sleep(100); // the deposits are not in yet
          continue;
        }
        const rest = await post(1, { marketId: 2, isBuy: true, size: 1n, limitPrice: 40n * USDC }, n1);
        if (rest) acks.push(rest);
        const maker = await post(1, { marketId: 1, isBuy: false, size: 2n, limitPrice: 60n * USDC }, n1);
        if (maker) acks.push(maker);
        const taker = await post(2, { marketId: 1, isBuy: true, size: 2n, limitPrice: 60n * USDC }, n2);
        if (taker) acks.push(taker);
      }
    } catch {
      // the service is gone
    }
  };

  const check = async (acks: readonly Ack[]): Promise<void> => {
    for (const a of acks) {
      const r = await http<{ status: string; reason?: string }>(`${svc!.url}/v1/ops/${a.id}`);
      expect(r.status, `acknowledged ${a.status} order ${a.id} is unknown after the restart`).to.equal(200);
      if (a.status === "filled") expect(["pending", "batched"], `filled order ${a.id}`).to.include(r.body.status);
      else expect(["resting", "pending", "batched", "cancelled"], `resting order ${a.id}`).to.include(r.body.status);
      if (r.body.status === "cancelled") expect(r.body.reason).to.be.a("string").that.is.not.equal("");
    }
  };

  before(async function () {
    genesis = await ciGenesis();
    chain = await startHardhatNode();
    const contracts = await deployDevContracts(hardhatSigner(0, chain.provider), CI_PARAMS, genesis);
    settlement = contracts.settlement.target as string;
    fromBlock = contracts.deployBlock;
    for (const i of [1, 2]) await l1Deposit(contracts, hardhatSigner(i, chain.provider), depositNew(i, 100_000n * USDC));
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-seq-crash-"));
  });

  after(async function () {
    if (svc) {
      svc.kill("SIGKILL");
      await svc.exited;
    }
    await chain?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it(`SIGKILL at ${KILLS} random moments of an order stream: every acknowledged order is resting, pending, batched or cancelled with a reason`, async function () {
    const acks: Ack[] = [];
    for (let k = 0; k < KILLS; k++) {
      await start();
      await check(acks);
      const running = stream(acks);
      await sleep(1500 + Math.floor(Math.random() * 2500));
      svc!.kill("SIGKILL");
      await svc!.exited;
      await running;
      svc = undefined;
    }
    await start();
    await check(acks);
    expect(acks.filter((a) => a.status === "filled").length, "the stream filled orders").to.be.greaterThan(0);
  });
});
