/**
 * The client of the sequencer crash tests (issue 19, item 1): it posts crossing pairs
 * and resting orders of accounts 1 and 2 (funded through the L1 queue) to whichever
 * `serve` it is pointed at, keeps every answer it got, and checks them against what
 * the service says later (GET /v1/ops/{id}) and against the ledger in the store.
 */
import { expect } from "chai";
import { depositNew, devOrder } from "../../prover/dev/fixtures";
import { OrderBook } from "../../prover/service/sequencer-book";
import { parseBatch, serializeOrder } from "../../prover/codec/batch-codec";
import type { State } from "../../prover/state/state";
import type { LedgerEntry } from "../../prover/store/job-store";
import { deployDevContracts, hardhatSigner, l1Deposit, startHardhatNode, type DevChain } from "../../scripts/lib/dev-chain";
import { CI_PARAMS, ciGenesis } from "../prover/service/fixtures";
import { http, sleep } from "./service-process";

const USDC = 1_000_000n;

/** The chain the stream trades on: a hardhat node with the dev deployment, accounts 1 and 2 in the L1 queue. */
export interface Venue {
  readonly genesis: State;
  readonly chain: DevChain;
  readonly settlement: string;
  readonly fromBlock: number;
}

export async function openVenue(): Promise<Venue> {
  const genesis = await ciGenesis();
  const chain = await startHardhatNode();
  const contracts = await deployDevContracts(hardhatSigner(0, chain.provider), CI_PARAMS, genesis);
  for (const i of [1, 2]) await l1Deposit(contracts, hardhatSigner(i, chain.provider), depositNew(i, 100_000n * USDC));
  return { genesis, chain, settlement: contracts.settlement.target as string, fromBlock: contracts.deployBlock };
}

/** One acknowledged order: its id and the status it was answered with. */
export interface Ack {
  readonly id: string;
  readonly status: string;
}

export class OrderStream {
  /** Every order the service answered 200 for, in order. */
  readonly acks: Ack[] = [];

  /** @param url - the service to talk to now (it changes across restarts and handovers) */
  constructor(
    private readonly genesis: State,
    private readonly key: string,
    private readonly url: () => string,
  ) {}

  /** The pending nonce of account i, or -1 while it does not exist. */
  private async nonce(i: number): Promise<bigint> {
    const r = await http<{ nonce: string; exists: boolean }>(`${this.url()}/v1/accounts/${i}?view=pending`);
    return r.body.exists ? BigInt(r.body.nonce) : -1n;
  }

  private async post(i: number, spec: { marketId: number; isBuy: boolean; size: bigint; limitPrice: bigint }, n: bigint): Promise<void> {
    const order = devOrder(this.genesis, { accountIndex: i, ...spec, nonce: n });
    const r = await http<{ orderId: string; status: string }>(`${this.url()}/v1/ops`, { method: "POST", key: this.key, body: { type: "ORDER", order: serializeOrder(order) } });
    if (r.status === 200) this.acks.push({ id: r.body.orderId, status: r.body.status });
  }

  /** Resolves once accounts 1 and 2 exist in the pending view (their deposits are in). */
  async funded(ms = 120_000): Promise<void> {
    const t0 = Date.now();
    while ((await this.nonce(1)) < 0n || (await this.nonce(2)) < 0n) {
      if (Date.now() - t0 > ms) throw new Error(`accounts 1 and 2 are not funded after ${ms} ms`);
      await sleep(100);
    }
  }

  /** Posts orders until a request fails (the service is gone) or `stop()` says so. */
  async run(stop: () => boolean = () => false): Promise<void> {
    try {
      while (!stop()) {
        const [n1, n2] = [await this.nonce(1), await this.nonce(2)];
        if (n1 < 0n || n2 < 0n) {
          await sleep(100); // the deposits are not in yet
          continue;
        }
        // the crossing pair first: on a loaded machine a short window may hold only two posts
        await this.post(1, { marketId: 1, isBuy: false, size: 2n, limitPrice: 60n * USDC }, n1);
        await this.post(2, { marketId: 1, isBuy: true, size: 2n, limitPrice: 60n * USDC }, n2);
        await this.post(1, { marketId: 2, isBuy: true, size: 1n, limitPrice: 40n * USDC }, n1 + 1n);
      }
    } catch {
      // the service is gone
    }
  }

  /**
   * Every acknowledged order is where its answer said it could be: a `filled` one
   * pending or batched, a `resting` one resting, pending, batched, or cancelled with a
   * reason.
   */
  async check(): Promise<void> {
    for (const a of this.acks) {
      const r = await http<{ status: string; reason?: string }>(`${this.url()}/v1/ops/${a.id}`);
      expect(r.status, `acknowledged ${a.status} order ${a.id} is unknown after the restart`).to.equal(200);
      if (a.status === "filled") expect(["pending", "batched"], `filled order ${a.id}`).to.include(r.body.status);
      else expect(["resting", "pending", "batched", "cancelled"], `resting order ${a.id}`).to.include(r.body.status);
      if (r.body.status === "cancelled") expect(r.body.reason).to.be.a("string").that.is.not.equal("");
    }
  }

  /**
   * Nothing is applied twice: no order is in two trades of the ledger, and every order
   * GET /v1/ops/{id} calls `batched` is in exactly one trade of the batch it names.
   */
  async checkLedger(ledger: readonly LedgerEntry[]): Promise<void> {
    const batchOf = new Map<string, number>();
    for (const e of ledger) {
      for (const op of parseBatch(e.batch).ops) {
        if (op.type !== "TRADE") continue;
        for (const id of [OrderBook.idOf(op.maker), OrderBook.idOf(op.taker)]) {
          expect(batchOf.has(id), `order ${id} is in batch ${batchOf.get(id)} and again in batch ${e.batchNumber}`).to.equal(false);
          batchOf.set(id, e.batchNumber);
        }
      }
    }
    for (const a of this.acks) {
      const r = await http<{ status: string; batchNumber?: number }>(`${this.url()}/v1/ops/${a.id}`);
      if (r.body.status === "batched") expect(batchOf.get(a.id), `batched order ${a.id}`).to.equal(r.body.batchNumber);
    }
  }

  /** How many acknowledgements said `filled`. */
  get filled(): number {
    return this.acks.filter((a) => a.status === "filled").length;
  }
}
