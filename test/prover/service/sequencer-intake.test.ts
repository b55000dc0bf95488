/**
 * Durable intake (docs/service.md, "Durable intake"): an op is answered only once the
 * journal holds it, a batch it completes is a job before the answer, and a restart
 * after a crash at any store write finds every acknowledged op resting, waiting, in a
 * batch, or cancelled with a reason — and none twice.
 */
import { expect } from "chai";
import fc from "fast-check";
import { devOrder, devWithdrawal } from "../../../prover/dev/fixtures";
import { OrderBook } from "../../../prover/service/sequencer-book";
import { idsOfBatch } from "../../../prover/service/sequencer-ids";
import { parseBatch } from "../../../prover/codec/batch-codec";
import { randomUUID } from "node:crypto";
import Redis from "ioredis";
import { RedisJobStore } from "../../../prover/store/redis-store";
import { SqliteJobStore } from "../../../prover/store/sqlite-store";
import { freePort, startRedis, type RedisServer } from "../../helpers/redis-server";
import { tempDir } from "./fixtures";
import { crashing, deposing, fundedStore, startNode, USDC, type Node, type Store } from "./intake-world";

/** One step of a client's stream. */
type Step = { kind: "rest"; account: number; buy: boolean; tick: number } | { kind: "cross"; maker: number; taker: number; tick: number } | { kind: "withdraw"; account: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("rest" as const), account: fc.integer({ min: 1, max: 4 }), buy: fc.boolean(), tick: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant("cross" as const), maker: fc.integer({ min: 1, max: 4 }), taker: fc.integer({ min: 1, max: 4 }), tick: fc.integer({ min: 0, max: 3 }) }).filter((s) => s.maker !== s.taker),
  fc.record({ kind: fc.constant("withdraw" as const), account: fc.integer({ min: 1, max: 4 }) }),
);

/** What the client was told. */
interface Ack {
  readonly id: string;
  readonly status: string;
  readonly makerId?: string;
}

/**
 * Posts the steps (two at a time, so flushes are shared), then kills the node (`kill`:
 * no store write starts after it); returns the answers received before the kill.
 */
async function drive(node: Node, steps: readonly Step[], kill: () => Promise<void>): Promise<Ack[]> {
  const acks: Ack[] = [];
  const price = (tick: number) => (60n + BigInt(tick)) * USDC;
  const post = (s: Step): Promise<void> => {
    const st = node.seq.pendingState();
    if (s.kind === "withdraw") {
      return node.intake.run((q) => q.submitWithdraw(devWithdrawal(st, s.account, 1n * USDC))).then((r) => void acks.push({ id: r.opId, status: r.status }));
    }
    if (s.kind === "rest") {
      const o = devOrder(st, { accountIndex: s.account, marketId: 1, isBuy: s.buy, size: 2n, limitPrice: price(s.tick) + (s.buy ? -5n * USDC : 5n * USDC) });
      return node.intake.run((q) => q.submitOrder(o)).then((r) => void acks.push({ id: r.orderId, status: r.status, makerId: r.trade?.makerOrderId }));
    }
    const maker = devOrder(st, { accountIndex: s.maker, marketId: 2, isBuy: false, size: 3n, limitPrice: price(s.tick) });
    const taker = devOrder(st, { accountIndex: s.taker, marketId: 2, isBuy: true, size: 3n, limitPrice: price(s.tick) });
    return node.intake
      .run((q) => q.submitOrder(maker))
      .then((r) => void acks.push({ id: r.orderId, status: r.status, makerId: r.trade?.makerOrderId }))
      .then(() => node.intake.run((q) => q.submitOrder(taker)))
      .then((r) => void acks.push({ id: r.orderId, status: r.status, makerId: r.trade?.makerOrderId }));
  };
  const settle = (p: Promise<void>) => Promise.race([p.catch(() => undefined), new Promise<void>((r) => setTimeout(r, 200))]);
  for (let i = 0; i < steps.length; i += 2) await Promise.all(steps.slice(i, i + 2).map((s) => settle(post(s))));
  const received = [...acks];
  await kill();
  return received;
}

/** Every id of every op in the ledger, the cut batches and the batch being filled, with how often it appears. */
async function appearances(store: Store, node: Node): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  const add = (ids: readonly (readonly string[])[]) => ids.flat().forEach((id) => seen.set(id, (seen.get(id) ?? 0) + 1));
  let queue = 0n;
  for (const e of await store.ledger()) {
    const b = parseBatch(e.batch);
    add(idsOfBatch(b, queue));
    queue += BigInt(b.deposits.length);
  }
  for (const h of node.seq.held) add(h.ids);
  const f = node.seq.filling();
  if (f !== undefined) add(f.ids);
  return seen;
}

/** After a restart: every acknowledged op is somewhere the client can read, and none twice. */
async function checkAcks(store: Store, node: Node, acks: readonly Ack[]): Promise<void> {
  const seen = await appearances(store, node);
  for (const [id, n] of seen) expect(n, `op ${id} applied ${n} times`).to.be.at.most(1);
  for (const a of acks) {
    const st = node.intake.status(a.id);
    expect(st, `acknowledged ${a.status} op ${a.id} is lost`).to.not.equal(undefined);
    if (a.status === "filled" || a.status === "accepted") {
      expect(["pending", "batched"], `acknowledged ${a.status} op ${a.id}: ${JSON.stringify(st)}`).to.include(st!.status);
      expect(seen.get(a.id), `acknowledged ${a.status} op ${a.id} in no batch`).to.equal(1);
      if (a.makerId !== undefined) expect(seen.get(a.makerId), `maker ${a.makerId} of a fill`).to.equal(1);
    } else {
      expect(["resting", "pending", "batched", "cancelled"]).to.include(st!.status);
      if (st!.status === "cancelled") expect((st as { reason: string }).reason).to.be.a("string").that.is.not.equal("");
    }
  }
}

describe("# sequencer intake", function () {
  this.timeout(600_000);

  it("answers an order only after the journal holds it", async function () {
    const store = new SqliteJobStore(":memory:");
    const genesis = await fundedStore(store);
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const slow: Store = Object.assign(Object.create(store) as Store, { writeJournal: async (w: Parameters<Store["writeJournal"]>[0]) => gate.then(() => store.writeJournal(w)) });
    const node = await startNode(store, genesis);
    const gated = await startNode(slow, genesis);
    const o = devOrder(node.seq.pendingState(), { accountIndex: 1, marketId: 1, isBuy: true, size: 1n, limitPrice: 50n * USDC });
    let answered = false;
    const p = gated.intake.run((s) => s.submitOrder(o)).then(() => (answered = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(answered, "answered before the journal write").to.equal(false);
    expect([...(await store.readJournal()).keys()]).to.not.include("o:" + OrderBook.idOf(o));
    open();
    await p;
    expect([...(await store.readJournal()).keys()]).to.include("o:" + OrderBook.idOf(o));
    await store.close();
  });

  it("answers the order that completes a batch only once the batch is a job", async function () {
    const store = new SqliteJobStore(":memory:");
    const genesis = await fundedStore(store);
    const node = await startNode(store, genesis);
    for (let k = 0; k < 4; k++) {
      const st = node.seq.pendingState();
      const r = await node.intake.run((s) => s.submitWithdraw(devWithdrawal(st, 1 + k, USDC)));
      if (k < 3) expect(r.pendingOps).to.equal(k + 1);
      else expect((await store.ledger()).length, "the 4th op cut batch 2: stored before the answer").to.equal(2);
    }
    await store.close();
  });

  it("loses nothing acknowledged and applies nothing twice when the process dies at any store write (SQLite)", async function () {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 10 }), fc.integer({ min: 1, max: 40 }), async (steps, crashAt) => {
        const store = new SqliteJobStore(":memory:");
        try {
          const genesis = await fundedStore(store);
          const dying = crashing(store, crashAt);
          const acks = await drive(await startNode(dying.store, genesis), steps, dying.kill);
          const node = await startNode(store, genesis);
          await checkAcks(store, node, acks);
          // the restarted node goes on: a crossing pair fills
          const st = node.seq.pendingState();
          await node.intake.run((s) => s.submitOrder(devOrder(st, { accountIndex: 1, marketId: 3, isBuy: false, size: 1n, limitPrice: 70n * USDC })));
          const r = await node.intake.run((s) => s.submitOrder(devOrder(st, { accountIndex: 2, marketId: 3, isBuy: true, size: 1n, limitPrice: 70n * USDC })));
          expect(r.status).to.equal("filled");
        } finally {
          await store.close();
        }
      }),
      { numRuns: 8 },
    );
  });

  describe("with the jobs in Redis", function () {
    let redis: RedisServer;
    before(async function () {
      redis = await startRedis({ port: await freePort(), dir: tempDir("zksettle-intake-redis-") });
    });
    after(async function () {
      await redis?.stop();
    });

    it("loses nothing acknowledged and applies nothing twice when the process dies at any store write (Redis, AOF)", async function () {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 10 }), fc.integer({ min: 1, max: 40 }), async (steps, crashAt) => {
          const store = new RedisJobStore({ url: redis.url, prefix: `intake-test:${randomUUID()}` });
          try {
            const genesis = await fundedStore(store);
            const dying = crashing(store, crashAt);
            const acks = await drive(await startNode(dying.store, genesis), steps, dying.kill);
            await checkAcks(store, await startNode(store, genesis), acks);
          } finally {
            await store.destroy();
            await store.close();
          }
        }),
        { numRuns: 5, endOnFailure: true },
      );
    });

    it("leader handover: a new leader restores what the deposed one acknowledged; the deposed one's late writes are fenced off", async function () {
      const admin = new Redis(redis.url);
      try {
        await fc.assert(
          fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 10 }), fc.integer({ min: 1, max: 40 }), async (steps, deposeAt) => {
            const prefix = `intake-test:${randomUUID()}`;
            const a = new RedisJobStore({ url: redis.url, prefix });
            const b = new RedisJobStore({ url: redis.url, prefix });
            try {
              const genesis = await fundedStore(a);
              await admin.set(`${prefix}:leader`, "a#1");
              a.fence("a#1");
              b.fence("b#2");
              const depose = async () => void (await admin.set(`${prefix}:leader`, "b#2"));
              let deposed: Promise<void> = Promise.resolve();
              const acks = await drive(await startNode(deposing(a, deposeAt, depose), genesis), steps, async () => void (deposed = depose()));
              await deposed;
              await checkAcks(b, await startNode(b, genesis), acks);
            } finally {
              await a.destroy();
              await a.close();
              await b.close();
            }
          }),
          { numRuns: 5, endOnFailure: true },
        );
      } finally {
        admin.disconnect();
      }
    });
  });
});
