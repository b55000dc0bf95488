/**
 * The order book of the sequencer: resting signed orders of one market, in
 * price-time priority. Every order fills at most once (its nonce is consumed by the
 * fill), so a resting order is either taken whole by one trade or removed.
 */
import { orderHash, type SignedOrder } from "../state/signing";

/** A resting order. */
export interface RestingOrder {
  /** The order hash, 0x-hex. */
  readonly id: string;
  readonly order: SignedOrder;
  /** Arrival sequence number (time priority). */
  readonly seq: number;
  /** Clock time of arrival, ms. */
  readonly at: number;
}

/** The orders of one market, both sides. */
export class OrderBook {
  private readonly orders = new Map<string, RestingOrder>();
  private seq = 0;

  /** Number of resting orders. */
  get size(): number {
    return this.orders.size;
  }

  /** The id of an order: its order hash in hex. */
  static idOf(order: SignedOrder): string {
    return "0x" + orderHash(order).toString(16).padStart(64, "0");
  }

  /** The resting order of `accountIndex` with `nonce`, if any. */
  findByNonce(accountIndex: number, nonce: bigint): RestingOrder | undefined {
    for (const r of this.orders.values()) if (r.order.accountIndex === accountIndex && r.order.nonce === nonce) return r;
    return undefined;
  }

  add(order: SignedOrder, at: number): RestingOrder {
    const r: RestingOrder = { id: OrderBook.idOf(order), order, seq: this.seq++, at };
    this.orders.set(r.id, r);
    return r;
  }

  /** Puts back an order read from the journal, with its arrival number and time. */
  restore(r: RestingOrder): void {
    this.orders.set(r.id, r);
    if (r.seq >= this.seq) this.seq = r.seq + 1;
  }

  remove(id: string): boolean {
    return this.orders.delete(id);
  }

  get(id: string): RestingOrder | undefined {
    return this.orders.get(id);
  }

  /** Every resting order, by arrival. */
  list(): RestingOrder[] {
    return [...this.orders.values()].sort((x, y) => x.seq - y.seq);
  }

  /**
   * The resting orders that cross `taker`, best first: for a buying taker the sells
   * at or below its limit, cheapest first; for a selling taker the buys at or above
   * it, dearest first; ties by arrival.
   */
  crossing(taker: SignedOrder): RestingOrder[] {
    const out = [...this.orders.values()].filter(
      (r) => r.order.isBuy !== taker.isBuy && (taker.isBuy ? r.order.limitPrice <= taker.limitPrice : r.order.limitPrice >= taker.limitPrice),
    );
    return out.sort((x, y) => {
      if (x.order.limitPrice !== y.order.limitPrice) {
        const cheaper = x.order.limitPrice < y.order.limitPrice ? -1 : 1;
        return taker.isBuy ? cheaper : -cheaper;
      }
      return x.seq - y.seq;
    });
  }

  /** Removes every order `keep` refuses; returns how many went. */
  prune(keep: (r: RestingOrder) => boolean): number {
    let n = 0;
    for (const [id, r] of this.orders) {
      if (!keep(r)) {
        this.orders.delete(id);
        n++;
      }
    }
    return n;
  }

  /** Best bid and ask (absent when a side is empty) and the depth of each side. */
  top(): { bid?: bigint; ask?: bigint; bids: number; asks: number } {
    let bid: bigint | undefined;
    let ask: bigint | undefined;
    let bids = 0;
    let asks = 0;
    for (const { order: o } of this.orders.values()) {
      if (o.isBuy) {
        bids++;
        if (bid === undefined || o.limitPrice > bid) bid = o.limitPrice;
      } else {
        asks++;
        if (ask === undefined || o.limitPrice < ask) ask = o.limitPrice;
      }
    }
    return { bid, ask, bids, asks };
  }
}
