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
  /** Ids of the resting orders of each account (an op changes a few accounts: their orders are what it may void). */
  private readonly byAccount = new Map<number, Set<string>>();
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
    this.put(r);
    return r;
  }

  /** Puts back an order read from the journal, with its arrival number and time. */
  restore(r: RestingOrder): void {
    this.put(r);
    if (r.seq >= this.seq) this.seq = r.seq + 1;
  }

  remove(id: string): boolean {
    const r = this.orders.get(id);
    if (r === undefined) return false;
    this.orders.delete(id);
    const ids = this.byAccount.get(r.order.accountIndex);
    ids?.delete(id);
    if (ids?.size === 0) this.byAccount.delete(r.order.accountIndex);
    return true;
  }

  private put(r: RestingOrder): void {
    this.remove(r.id);
    this.orders.set(r.id, r);
    const ids = this.byAccount.get(r.order.accountIndex) ?? new Set<string>();
    ids.add(r.id);
    this.byAccount.set(r.order.accountIndex, ids);
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

  /**
   * Removes every order `keep` refuses (only those of `accounts`, when given); returns
   * how many went.
   */
  prune(keep: (r: RestingOrder) => boolean, accounts?: Iterable<number>): number {
    const ids = accounts === undefined ? [...this.orders.keys()] : [...accounts].flatMap((a) => [...(this.byAccount.get(a) ?? [])]);
    let n = 0;
    for (const id of ids) {
      const r = this.orders.get(id);
      if (r !== undefined && !keep(r)) {
        this.remove(id);
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
