/**
 * The order book's indexes, against a plain map of its orders on random adds, restores,
 * removals and prunes:
 * - by account (issue 21: an op changes a few accounts, and only their orders are pruned
 *   after it): pruning the orders of some accounts removes exactly what a prune of the
 *   whole book restricted to those accounts removes;
 * - by side and priority: the orders that cross a taker, best first, the top of the book
 *   and the order of an account's nonce are those a scan of every order finds.
 */
import { expect } from "chai";
import fc from "fast-check";
import { OrderBook, type RestingOrder } from "../../../prover/service/sequencer-book";
import { initCrypto } from "../../../prover/state/crypto";
import type { SignedOrder } from "../../../prover/state/signing";

const order = (accountIndex: number, nonce: number, price: number, isBuy = price % 2 === 0): SignedOrder => ({
  accountIndex,
  marketId: 1,
  isBuy,
  size: 1n,
  limitPrice: BigInt(1000 + price),
  expiry: 4_000_000_000n,
  nonce: BigInt(nonce),
  maxFeeBps: 0n,
  R8x: 0n,
  R8y: 0n,
  S: 0n,
});

describe("prover/service: OrderBook's account index", function () {
  before(initCrypto);

  it("prunes the orders of the given accounts exactly as a whole-book prune restricted to them", function () {
    const step = fc.oneof(
      fc.record({ kind: fc.constant("add" as const), account: fc.integer({ min: 1, max: 6 }), nonce: fc.integer({ min: 0, max: 3 }), price: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant("prune" as const), accounts: fc.uniqueArray(fc.integer({ min: 0, max: 7 }), { maxLength: 3 }), minNonce: fc.integer({ min: 0, max: 3 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const book = new OrderBook();
        const plain = new Map<string, RestingOrder>();
        steps.forEach((s, n) => {
          if (s.kind === "add") {
            const r = book.add(order(s.account, s.nonce, s.price), n);
            plain.set(r.id, r);
          } else if (s.kind === "remove") {
            const ids = [...plain.keys()];
            const id = ids.length === 0 ? "0x00" : ids[s.pick % ids.length];
            expect(book.remove(id)).to.equal(plain.delete(id));
          } else {
            const keep = (r: RestingOrder): boolean => r.order.nonce >= BigInt(s.minNonce);
            const gone = [...plain.values()].filter((r) => s.accounts.includes(r.order.accountIndex) && !keep(r));
            for (const r of gone) plain.delete(r.id);
            expect(book.prune(keep, s.accounts)).to.equal(gone.length);
          }
          expect(book.list().map((r) => r.id)).to.deep.equal([...plain.values()].sort((x, y) => x.seq - y.seq).map((r) => r.id));
        });
      }),
      { numRuns: 100 },
    );
  });

  /** What a scan of every resting order gives: the old OrderBook's reads, kept as the model. */
  const scan = {
    crossing(all: RestingOrder[], taker: SignedOrder): string[] {
      return all
        .filter((r) => r.order.isBuy !== taker.isBuy && (taker.isBuy ? r.order.limitPrice <= taker.limitPrice : r.order.limitPrice >= taker.limitPrice))
        .sort((x, y) => (x.order.limitPrice === y.order.limitPrice ? x.seq - y.seq : (x.order.limitPrice < y.order.limitPrice) === taker.isBuy ? -1 : 1))
        .map((r) => r.id);
    },
    top(all: RestingOrder[]): { bid?: bigint; ask?: bigint; bids: number; asks: number } {
      const bids = all.filter((r) => r.order.isBuy).map((r) => r.order.limitPrice);
      const asks = all.filter((r) => !r.order.isBuy).map((r) => r.order.limitPrice);
      const best = (xs: bigint[], better: (a: bigint, b: bigint) => boolean): bigint | undefined => xs.reduce<bigint | undefined>((m, x) => (m === undefined || better(x, m) ? x : m), undefined);
      return { bid: best(bids, (a, b) => a > b), ask: best(asks, (a, b) => a < b), bids: bids.length, asks: asks.length };
    },
  };

  it("finds the crossing orders best first, the top of the book and an account's nonce as a scan of every order does", function () {
    const step = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant("add" as const),
          account: fc.integer({ min: 1, max: 5 }),
          nonce: fc.integer({ min: 0, max: 3 }),
          // few prices, so that many orders tie and arrival decides
          price: fc.integer({ min: 0, max: 6 }),
          isBuy: fc.boolean(),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("restore" as const), pick: fc.nat(), seq: fc.integer({ min: 0, max: 80 }) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("prune" as const), accounts: fc.uniqueArray(fc.integer({ min: 1, max: 5 }), { maxLength: 2 }), minNonce: fc.integer({ min: 0, max: 3 }) }) },
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 50 }), (steps) => {
        const book = new OrderBook();
        // insertion order as the book's: a re-put order moves to the end
        const plain = new Map<string, RestingOrder>();
        const put = (r: RestingOrder): void => {
          plain.delete(r.id);
          plain.set(r.id, r);
        };
        const removed: RestingOrder[] = [];
        steps.forEach((s, n) => {
          if (s.kind === "add") {
            put(book.add(order(s.account, s.nonce, s.price, s.isBuy), n));
          } else if (s.kind === "restore") {
            // a journal puts back an order that had left the book, with a recorded arrival number
            const gone = removed.filter((r) => !plain.has(r.id));
            if (gone.length === 0) return;
            const r = { ...gone[s.pick % gone.length], seq: 1000 + s.seq };
            book.restore(r);
            put(r);
          } else if (s.kind === "remove") {
            const ids = [...plain.keys()];
            if (ids.length === 0) return;
            const r = plain.get(ids[s.pick % ids.length]) as RestingOrder;
            expect(book.remove(r.id)).to.equal(true);
            plain.delete(r.id);
            removed.push(r);
          } else {
            const keep = (r: RestingOrder): boolean => r.order.nonce >= BigInt(s.minNonce);
            for (const r of [...plain.values()]) {
              if (s.accounts.includes(r.order.accountIndex) && !keep(r)) {
                plain.delete(r.id);
                removed.push(r);
              }
            }
            book.prune(keep, s.accounts);
          }
          const all = [...plain.values()];
          for (const isBuy of [true, false]) {
            for (const limit of [-1, 0, 3, 6, 7]) {
              const taker = order(9, 0, limit, isBuy);
              expect([...book.crossing(taker)].map((r) => r.id)).to.deep.equal(scan.crossing(all, taker));
            }
          }
          expect(book.top()).to.deep.equal(scan.top(all));
          for (let account = 1; account <= 5; account++) {
            for (let nonce = 0; nonce <= 3; nonce++) {
              const first = all.find((r) => r.order.accountIndex === account && r.order.nonce === BigInt(nonce));
              expect(book.findByNonce(account, BigInt(nonce))?.id).to.equal(first?.id);
            }
          }
        });
      }),
      { numRuns: 200 },
    );
  });

  it("reads the crossing orders lazily, and refuses to go on once the book changed under the read", function () {
    const book = new OrderBook();
    const asks = [1, 2, 3].map((i) => book.add(order(i, 0, i, false), i));
    const read = book.crossing(order(9, 0, 10, true));
    expect(read.next().value).to.equal(asks[0]);
    // the sequencer takes the maker off only once it has stopped reading: here it has not
    book.remove(asks[0].id);
    expect(() => read.next()).to.throw(/changed while its crossing orders were read/);
    expect([...book.crossing(order(9, 0, 10, true))]).to.deep.equal(asks.slice(1));
  });
});
