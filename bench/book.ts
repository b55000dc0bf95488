/**
 * The sequencer's order book at large books: what one incoming order costs the book,
 * for this tree's OrderBook and the baseline's (`--baseline`, default e454dfa^: the book
 * before each side was kept sorted, whose reads scanned every resting order), in the
 * same run, on the same orders.
 *
 * For each book size N (1,000, 10,000 and 100,000; `--quick`: 1,000, no baseline) the
 * book holds N resting orders of N accounts, bids below the mid and asks above it at
 * random prices on 1,000 ticks a side. Then, per order, in microseconds:
 * - reads: what submitOrder reads before an order rests: `crossing` of an order inside
 *   the spread (it crosses nothing) and `findByNonce` of its account;
 * - rest: those reads, `add`, and the order's removal (its cancel), so that N stays;
 * - deep: the same for an order behind every other of its side (a bid below all bids,
 *   an ask above all asks), the worst place for a side kept sorted;
 * - fill: `crossing` of a buy through the best ask and the maker's removal, then the
 *   maker back in the book, so that N stays.
 * The incoming orders' ids (their Poseidon hashes) are computed before the timing, as
 * submitOrder does before it reads the book: the times are the book's own.
 * Writes bench/book.json (out/bench-quick with --quick).
 *
 * Usage: npx ts-node bench/book.ts [--quick] [--orders 2000] [--baseline <rev>|none]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import type { SignedOrder } from "../prover/state/signing";
import { benchOut } from "./out";
import { rng } from "./rng";
import { baselineTree, removeBaselineTree } from "./worktree";

const MID = 60_000_000n;
const TICKS = 1_000;

/** The part of OrderBook that both trees have. */
interface Book {
  add(order: SignedOrder, at: number): { id: string };
  remove(id: string): boolean;
  /** An array before e454dfa, a lazy read since. */
  crossing(taker: SignedOrder): Iterable<{ id: string; order: SignedOrder }>;
  findByNonce(accountIndex: number, nonce: bigint): unknown;
}

interface Tree {
  readonly name: string;
  newBook(): Book;
  /** The order's id (its hash, remembered per order once computed). */
  idOf(order: SignedOrder): string;
}

/** This tree's or a worktree's OrderBook, with its crypto set up (each tree has its own module instances). */
async function loadTree(name: string, root: string): Promise<Tree> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const crypto = require(path.join(root, "prover", "state", "crypto")) as { initCrypto(): Promise<void> };
  await crypto.initCrypto();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { OrderBook } = require(path.join(root, "prover", "service", "sequencer-book")) as { OrderBook: (new () => Book) & { idOf(o: SignedOrder): string } };
  return { name, newBook: () => new OrderBook(), idOf: (o) => OrderBook.idOf(o) };
}

const order = (accountIndex: number, isBuy: boolean, limitPrice: bigint, nonce = 0n): SignedOrder => ({
  accountIndex,
  marketId: 1,
  isBuy,
  size: 1n,
  limitPrice,
  expiry: 4_000_000_000n,
  nonce,
  maxFeeBps: 0n,
  R8x: 0n,
  R8y: 0n,
  S: 0n,
});

/** N resting orders, one per account: even accounts bid 1..TICKS below the mid, odd ones ask 1..TICKS above. */
function restingOrders(n: number): SignedOrder[] {
  const r = rng(n);
  return Array.from({ length: n }, (_, i) => {
    const tick = BigInt(1 + Math.floor(r() * TICKS));
    return i % 2 === 0 ? order(i + 1, true, MID - tick) : order(i + 1, false, MID + tick);
  });
}

interface Timing {
  readonly readsUs: number;
  readonly restUs: number;
  readonly deepUs: number;
  readonly fillUs: number;
}

const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

function first<T>(xs: Iterable<T>): T {
  for (const x of xs) return x;
  throw new Error("bench/book: nothing crossed the taker");
}

function measure(tree: Tree, resting: readonly SignedOrder[], incoming: number): Timing {
  const book = tree.newBook();
  resting.forEach((o, i) => book.add(o, i));
  const n = resting.length;
  // orders inside the spread, from accounts beyond the book's, alternately buys and sells
  const inside = Array.from({ length: incoming }, (_, i) => order(n + 1 + i, i % 2 === 0, MID, 1n));
  // submitOrder computes the id before it reads the book, so add finds it remembered
  for (const o of inside) tree.idOf(o);

  let t = process.hrtime.bigint();
  let crossed = 0;
  for (const o of inside) {
    for (const _ of book.crossing(o)) crossed++;
    if (book.findByNonce(o.accountIndex, o.nonce) !== undefined) crossed++;
  }
  const reads = Number(process.hrtime.bigint() - t) / 1e3 / incoming;
  if (crossed !== 0) throw new Error(`bench/book: ${crossed} orders inside the spread crossed or were found`);

  /** µs per order to read the book for it, rest it and cancel it (none of them crosses). */
  const restAndCancel = (orders: readonly SignedOrder[]): number => {
    const start = process.hrtime.bigint();
    for (const o of orders) {
      for (const _ of book.crossing(o)) throw new Error("bench/book: an order meant to rest crossed");
      book.findByNonce(o.accountIndex, o.nonce);
      book.remove(book.add(o, 0).id);
    }
    return Number(process.hrtime.bigint() - start) / 1e3 / orders.length;
  };
  const rest = restAndCancel(inside);
  const deep = inside.map((o) => order(o.accountIndex, o.isBuy, o.isBuy ? MID - BigInt(TICKS) - 1n : MID + BigInt(TICKS) + 1n, 1n));
  for (const o of deep) tree.idOf(o);
  const deepRest = restAndCancel(deep);

  const taker = order(n + incoming + 1, true, MID + BigInt(TICKS), 1n);
  t = process.hrtime.bigint();
  for (let i = 0; i < incoming; i++) {
    // submitOrder stops at the first maker that fills
    const maker = first(book.crossing(taker));
    book.remove(maker.id);
    book.add(maker.order, i);
  }
  const fill = Number(process.hrtime.bigint() - t) / 1e3 / incoming;
  return { readsUs: round(reads), restUs: round(rest), deepUs: round(deepRest), fillUs: round(fill) };
}

async function main(): Promise<void> {
  const opts = new Command()
    .option("--quick", "a book of 1,000 orders, no baseline (CI)")
    .option("--orders <n>", "incoming orders timed per book size", "2000")
    .option("--baseline <rev>", "the book before the change, from a worktree of it (none: no baseline)", "e454dfa^")
    .allowUnknownOption()
    .parse()
    .opts<{ quick?: boolean; orders: string; baseline: string }>();
  const quick = opts.quick === true;
  const sizes = quick ? [1_000] : [1_000, 10_000, 100_000];
  const incoming = quick ? 200 : Number(opts.orders);
  const trees = [await loadTree("this tree", path.resolve(__dirname, ".."))];
  const tree = !quick && opts.baseline !== "none" ? baselineTree(opts.baseline) : undefined;
  try {
    if (tree !== undefined) trees.push(await loadTree(`baseline ${opts.baseline}`, tree));
    const rows = [];
    for (const n of sizes) {
      const resting = restingOrders(n);
      const row: Record<string, unknown> = { restingOrders: n };
      for (const t of trees) {
        measure(t, resting.slice(0, Math.min(n, 200)), Math.min(incoming, 50)); // warm the code paths
        const m = measure(t, resting, incoming);
        row[t === trees[0] ? "current" : "baseline"] = m;
        console.log(`N=${String(n).padStart(6)} ${t.name}: reads ${m.readsUs} µs, rest ${m.restUs} µs, deep ${m.deepUs} µs, fill ${m.fillUs} µs an order`);
      }
      const [c, b] = [row.current as Timing, row.baseline as Timing | undefined];
      if (b !== undefined) row.ratio = { reads: round(b.readsUs / c.readsUs, 1), rest: round(b.restUs / c.restUs, 1), deep: round(b.deepUs / c.deepUs, 1), fill: round(b.fillUs / c.fillUs, 1) };
      rows.push(row);
    }
    const out = {
      date: new Date().toISOString(),
      machine: { cpus: os.availableParallelism(), node: process.version, loadAverage: os.loadavg().map((x) => round(x)) },
      incomingOrders: incoming,
      baseline: tree === undefined ? null : opts.baseline,
      note: "µs per incoming order on one market's book; ratio = baseline ÷ this tree, measured in the same run on the same orders",
      rows,
    };
    fs.writeFileSync(benchOut("book.json"), JSON.stringify(out, null, 2) + "\n");
    console.log(`wrote ${benchOut("book.json")}`);
  } finally {
    if (tree !== undefined) removeBaselineTree(tree);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
