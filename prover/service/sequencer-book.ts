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

/**
 * Price-time priority within one side, best first: bids dearest first, asks cheapest
 * first, ties by arrival. Negative when `x` comes before `y`.
 */
function priority(isBuy: boolean, x: RestingOrder, y: RestingOrder): number {
  if (x.order.limitPrice !== y.order.limitPrice) {
    const cheaper = x.order.limitPrice < y.order.limitPrice ? -1 : 1;
    return isBuy ? -cheaper : cheaper;
  }
  return x.seq - y.seq;
}

/** The number of leading orders of `side` for which `before` holds (it must hold for a prefix). */
function prefixLength(side: readonly RestingOrder[], before: (x: RestingOrder) => boolean): number {
  let lo = 0;
  let hi = side.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(side[mid])) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The orders of one market, both sides. Each side is also kept sorted by priority, so
 * matching reads only the orders that cross, and an account's nonce is looked up among
 * that account's orders: no step of the intake reads the whole book.
 */
export class OrderBook {
  private readonly orders = new Map<string, RestingOrder>();
  /** Ids of the resting orders of each account (an op changes a few accounts: their orders are what it may void). */
  private readonly byAccount = new Map<number, Set<string>>();
  /**
   * The buys and the sells, each from its worst order to its best (priority reversed):
   * orders mostly arrive at and leave from the top of the book, which is then the end
   * of the array, where inserting or removing moves few others.
   */
  private readonly bids: RestingOrder[] = [];
  private readonly asks: RestingOrder[] = [];
  /** Counts the changes of the sides, so that a lazy read notices one. */
  private version = 0;
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
    for (const id of this.byAccount.get(accountIndex) ?? []) {
      const r = this.orders.get(id);
      if (r?.order.nonce === nonce) return r;
    }
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
    const side = this.sideOf(r.order.isBuy);
    let at = prefixLength(side, (x) => priority(r.order.isBuy, x, r) > 0);
    while (at < side.length && side[at] !== r && priority(r.order.isBuy, side[at], r) === 0) at++;
    if (side[at] !== r) throw new Error(`OrderBook: resting order ${id} is missing from its side`);
    side.splice(at, 1);
    this.version++;
    const ids = this.byAccount.get(r.order.accountIndex);
    ids?.delete(id);
    if (ids?.size === 0) this.byAccount.delete(r.order.accountIndex);
    return true;
  }

  private put(r: RestingOrder): void {
    this.remove(r.id);
    this.orders.set(r.id, r);
    const side = this.sideOf(r.order.isBuy);
    side.splice(prefixLength(side, (x) => priority(r.order.isBuy, x, r) >= 0), 0, r);
    this.version++;
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
   * it, dearest first; ties by arrival. Read lazily, since matching stops at the first
   * maker that fills: a taker through the whole book reads one order, not the side.
   * @throws Error when the book changed since the iteration began (change it after)
   */
  *crossing(taker: SignedOrder): Generator<RestingOrder, void, undefined> {
    const side = this.sideOf(!taker.isBuy);
    const version = this.version;
    for (let i = side.length - 1; i >= 0; i--) {
      if (this.version !== version) throw new Error("OrderBook: the book changed while its crossing orders were read");
      const r = side[i];
      if (taker.isBuy ? r.order.limitPrice > taker.limitPrice : r.order.limitPrice < taker.limitPrice) return;
      yield r;
    }
  }

  private sideOf(isBuy: boolean): RestingOrder[] {
    return isBuy ? this.bids : this.asks;
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
    return { bid: this.bids.at(-1)?.order.limitPrice, ask: this.asks.at(-1)?.order.limitPrice, bids: this.bids.length, asks: this.asks.length };
  }
}
