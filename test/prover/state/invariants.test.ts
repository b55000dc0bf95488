/**
 * Property tests: random sequences of deposits, trades and price moves keep the
 * invariants of DESIGN.md section 2 after every batch, and a refused batch changes
 * nothing.
 */
import { expect } from "chai";
import fc from "fast-check";
import { accountLeaf, isEmptyAccount, sizeIn } from "../../../prover/state/account";
import { applyBatch, type Op } from "../../../prover/state/batch";
import { RuleError } from "../../../prover/state/errors";
import { markPrices } from "../../../prover/state/global";
import { isReduceOnly, meetsInitialMargin } from "../../../prover/state/margin";
import type { DepositEntry } from "../../../prover/state/ops/deposit";
import type { Params } from "../../../prover/state/params";
import type { State } from "../../../prover/state/state";
import type { BatchTrace } from "../../../prover/state/trace";
import { QuadTree } from "../../../prover/state/tree";
import { CI_PARAMS, depositNew, devGenesis, devOrder, signedHeader, topUp, trade } from "./fixtures";
import { expectSameState } from "./helpers";

const PARAMS: Params = { ...CI_PARAMS, batchSize: 3 };
const USDC = 1_000_000n;
const TRADERS = 4; // accounts 1..4 (account 0, the fund, trades too)

type DepositSpec = { kind: "deposit"; i: number; amount: bigint };
type TradeSpec = {
  kind: "trade";
  maker: number;
  taker: number;
  marketId: number;
  makerBuys: boolean;
  makerSize: bigint;
  takerSize: bigint;
  q: bigint;
  priceBps: number;
  makerFeeBps: bigint;
  takerFeeBps: bigint;
  maxFeeBps: bigint;
  feesFit: boolean;
};
type OpSpec = DepositSpec | TradeSpec;
type BatchSpec = { moveBps: number[]; ops: OpSpec[] };

const depositArb: fc.Arbitrary<OpSpec> = fc.record({
  kind: fc.constant("deposit" as const),
  i: fc.integer({ min: 1, max: TRADERS }),
  amount: fc.bigInt({ min: 1n, max: 2000n * USDC }),
});
const tradeArb: fc.Arbitrary<OpSpec> = fc.record({
  kind: fc.constant("trade" as const),
  maker: fc.integer({ min: 0, max: TRADERS }),
  taker: fc.integer({ min: 0, max: TRADERS }),
  marketId: fc.integer({ min: 1, max: PARAMS.markets }),
  makerBuys: fc.boolean(),
  makerSize: fc.bigInt({ min: 1n, max: 30n }),
  takerSize: fc.bigInt({ min: 1n, max: 30n }),
  /** 0: one lot more than the smaller order (refused); else a fill that fits. */
  q: fc.bigInt({ min: 0n, max: 30n }),
  priceBps: fc.integer({ min: -300, max: 300 }),
  makerFeeBps: fc.bigInt({ min: 0n, max: 30n }),
  takerFeeBps: fc.bigInt({ min: 0n, max: 30n }),
  maxFeeBps: fc.bigInt({ min: 0n, max: 30n }),
  /** Whether the fees are clipped to maxFeeBps (mostly) or may exceed it. */
  feesFit: fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, { arbitrary: fc.constant(false), weight: 1 }),
});
const batchArb: fc.Arbitrary<BatchSpec> = fc.record({
  moveBps: fc.array(fc.integer({ min: -800, max: 800 }), { minLength: PARAMS.markets, maxLength: PARAMS.markets }),
  ops: fc.array(fc.oneof({ arbitrary: depositArb, weight: 1 }, { arbitrary: tradeArb, weight: 2 }), { minLength: 1, maxLength: PARAMS.batchSize }),
});

const moved = (p: bigint, bps: number): bigint => (p * BigInt(10000 + bps)) / 10000n;

/** Builds signed ops for `specs` on `state`, tracking nonces and new accounts inside the batch. */
function build(state: State, specs: OpSpec[], prices: bigint[]): { ops: Op[]; deposits: DepositEntry[] } {
  const nonce = new Map<number, bigint>();
  const opened = new Set<number>();
  const ops: Op[] = [];
  const deposits: DepositEntry[] = [];
  for (const spec of specs) {
    if (spec.kind === "deposit") {
      const fresh = isEmptyAccount(state.account(spec.i)) && !opened.has(spec.i);
      deposits.push(fresh ? depositNew(spec.i, spec.amount) : topUp(spec.i, spec.amount));
      opened.add(spec.i);
      ops.push({ type: "DEPOSIT" });
      continue;
    }
    const price = moved(prices[spec.marketId - 1], spec.priceBps);
    const next = (i: number) => {
      const n = nonce.get(i) ?? state.account(i).nonce;
      nonce.set(i, n + 1n);
      return n;
    };
    const common = { marketId: spec.marketId, limitPrice: price, maxFeeBps: spec.maxFeeBps };
    const maker = devOrder(state, { ...common, accountIndex: spec.maker, isBuy: spec.makerBuys, size: spec.makerSize, nonce: next(spec.maker) });
    const taker = devOrder(state, { ...common, accountIndex: spec.taker, isBuy: !spec.makerBuys, size: spec.takerSize, nonce: next(spec.taker) });
    const most = spec.makerSize < spec.takerSize ? spec.makerSize : spec.takerSize;
    const q = spec.q === 0n ? most + 1n : 1n + ((spec.q - 1n) % most);
    const fit = (bps: bigint) => (spec.feesFit && bps > spec.maxFeeBps ? spec.maxFeeBps : bps);
    ops.push(trade(maker, taker, q, fit(spec.makerFeeBps), fit(spec.takerFeeBps)));
  }
  return { ops, deposits };
}

/** DESIGN.md section 2 invariants 1–3 after a batch. */
function checkInvariants(state: State, trace: BatchTrace, deposited: bigint): void {
  // 1. open interest per market sums to 0
  for (let m = 1; m <= PARAMS.markets; m++) {
    let oi = 0n;
    for (const a of state.accounts.values()) oi += sizeIn(a, m);
    expect(oi, `open interest of market ${m}`).to.equal(0n);
  }
  // 2. Σ collateral = Σ deposits, to the unit (no funding, no withdrawals yet)
  let total = 0n;
  for (const a of state.accounts.values()) total += a.collateral;
  expect(total, "Σ collateral").to.equal(deposited);
  // 3. every account a trade touched meets initial margin, or the trade was reduce-only for it
  const prices = markPrices(state.global);
  for (const slot of trace.slots) {
    if (slot.type !== "TRADE") continue;
    for (const u of [slot.a, slot.b]) {
      const m = slot.trade!.maker.marketId;
      const ok = meetsInitialMargin(u.after, prices, state.global.risk) || isReduceOnly(sizeIn(u.before, m), sizeIn(u.after, m));
      expect(ok, `account ${u.index} after trade`).to.equal(true);
    }
  }
  // the tree is the tree of the accounts
  const t = new QuadTree(PARAMS.accountDepth);
  for (const [i, a] of state.accounts) t.set(i, accountLeaf(a));
  expect(state.accountsRoot()).to.equal(t.root);
  expect(trace.newStateRoot).to.equal(state.stateRoot());
}

describe("prover/state invariants (fast-check)", () => {
  let start: State; // accounts 1..3 funded with 1,000 USDC each
  const FUNDED = 3000n * USDC;
  before(async () => {
    const g = await devGenesis(PARAMS);
    const entries = [1, 2, 3].map((i) => depositNew(i, 1000n * USDC));
    start = applyBatch(g, { header: signedHeader(g, 1000n), ops: entries.map(() => ({ type: "DEPOSIT" }) as Op), deposits: entries }).state;
  });

  it("keeps open interest at 0, collateral equal to deposits and every trader margined or reducing, after every batch", () => {
    const seen = { batches: 0, trades: 0, refused: 0 };
    fc.assert(
      fc.property(fc.array(batchArb, { minLength: 1, maxLength: 4 }), (specs) => {
        let state = start;
        let deposited = FUNDED;
        let ts = 1000n;
        const attempt = (ops: OpSpec[], prices: bigint[]): void => {
          const built = build(state, ops, prices);
          const header = signedHeader(state, ++ts, prices);
          const before = state.clone();
          try {
            const r = applyBatch(state, { header, ...built });
            for (const slot of r.trace.slots) if (slot.deposit) deposited += slot.deposit.entry.amount;
            checkInvariants(r.state, r.trace, deposited);
            seen.batches++;
            seen.trades += r.trace.slots.filter((x) => x.type === "TRADE").length;
            state = r.state;
          } catch (e) {
            if (!(e instanceof RuleError)) throw e;
            seen.refused++;
            expectSameState(state, before);
            // retry op by op so the sequence still makes progress
            if (ops.length > 1) for (const op of ops) attempt([op], prices);
          }
        };
        for (const b of specs) {
          const prices = markPrices(state.global).map((p, m) => moved(p, b.moveBps[m]));
          attempt(b.ops, prices);
        }
      }),
      { numRuns: 25, seed: 20250101 },
    );
    expect(seen.trades, "trades settle").to.be.at.least(10);
    expect(seen.refused, "some ops are refused").to.be.greaterThan(0);
  });
});
