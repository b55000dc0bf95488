/**
 * The order book's index by account (issue 21: an op changes a few accounts, and only
 * their orders are pruned after it): on random adds, removals and prunes, pruning the
 * orders of some accounts removes exactly what a prune of the whole book restricted to
 * those accounts removes, and the book stays the same as one kept without the index.
 */
import { expect } from "chai";
import fc from "fast-check";
import { OrderBook, type RestingOrder } from "../../../prover/service/sequencer-book";
import { initCrypto } from "../../../prover/state/crypto";
import type { SignedOrder } from "../../../prover/state/signing";

const order = (accountIndex: number, nonce: number, price: number): SignedOrder => ({
  accountIndex,
  marketId: 1,
  isBuy: price % 2 === 0,
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
});
