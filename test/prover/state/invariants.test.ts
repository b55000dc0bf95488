/**
 * Property tests: random sequences of every op type — deposits, trades, withdrawals,
 * price moves with funding, liquidations, settlements after expiry, deleverages —
 * keep the invariants of docs/protocol.md section 3 after every batch, and a refused batch
 * changes nothing:
 * 1. open interest nets to 0 per market (in a settled market: the sizes still open
 *    plus the sizes SETTLE closed);
 * 2. Σ collateral − Σ unappliedFunding = Σ deposits − Σ withdrawals, to the unit
 *    (unappliedFunding = Σ size · (index − snapshot) is what an account owes, so the
 *    funding not yet applied to its credit is its negation); a position in a settled
 *    market that SETTLE has not closed yet counts at its cash value size · settlementPrice
 *    (SETTLE moves that cash one account at a time);
 * 3. every account an op touched meets its margin rule, unless the op reduced its risk;
 * and the fund ends every batch at or above 0, the tree is the tree of the accounts.
 */
import { expect } from "chai";
import fc from "fast-check";
import { accountLeaf, isEmptyAccount, sizeIn, type Account } from "../../../prover/state/account";
import { applyBatch, type Op } from "../../../prover/state/batch";
import { RuleError } from "../../../prover/state/errors";
import type { Market } from "../../../prover/state/global";
import { previewMarkets } from "../../../prover/state/header";
import { accountEquity, applyFunding, isReduceOnly, marginState, unappliedFunding } from "../../../prover/state/margin";
import { bankruptcyPrice, pickDeleverageCounterparty, planDeleverage } from "../../../prover/state/ops/deleverage";
import type { DepositEntry } from "../../../prover/state/ops/deposit";
import type { Params } from "../../../prover/state/params";
import type { State } from "../../../prover/state/state";
import type { BatchTrace } from "../../../prover/state/trace";
import { QuadTree } from "../../../prover/state/tree";
import { CI_PARAMS, depositNew, devGenesis, devLiquidation, devOrder, devWithdrawal, insecureDevAccountKey, signedHeader, topUp, trade } from "./fixtures";
import { expectSameState } from "./helpers";

const PARAMS: Params = { ...CI_PARAMS, batchSize: 3 };
const USDC = 1_000_000n;
const TRADERS = 5; // accounts 1..5; account 0 (the fund) appears only to be refused
const EXPIRY = 1500n;
const MAX_RATE = 1_000_000n;

type DepositSpec = { kind: "deposit"; i: number; amount: bigint };
type TradeSpec = {
  kind: "trade";
  maker: number;
  taker: number;
  marketId: number;
  makerBuys: boolean;
  size: bigint;
  q: bigint;
  priceBps: number;
  feeBps: bigint;
};
type WithdrawSpec = { kind: "withdraw"; i: number; shareBps: number; forged: boolean };
type LiquidateSpec = { kind: "liquidate"; worst: boolean; a: number; b: number; marketPick: number; q: bigint };
type SettleSpec = { kind: "settle"; i: number; marketPick: number };
type DeleverageSpec = { kind: "deleverage"; worst: boolean; a: number; marketPick: number; planned: boolean; priceOff: bigint };
type OpSpec = DepositSpec | TradeSpec | WithdrawSpec | LiquidateSpec | SettleSpec | DeleverageSpec;
type BatchSpec = { dt: bigint; moveBps: number[]; rates: bigint[]; ops: OpSpec[] };

/** Mostly accounts 1..4 (funded); sometimes 5 (opened by a deposit, or empty) or, with min 0, the fund. */
const idx = (min = 1) =>
  fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.integer({ min, max: TRADERS }) });
const opArb: fc.Arbitrary<OpSpec> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("deposit" as const), i: idx(), amount: fc.bigInt({ min: 1n, max: 500n * USDC }) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("trade" as const),
      maker: idx(0),
      taker: idx(0),
      marketId: fc.integer({ min: 1, max: PARAMS.markets }),
      makerBuys: fc.boolean(),
      size: fc.bigInt({ min: 1n, max: 60n }),
      q: fc.bigInt({ min: 1n, max: 60n }),
      priceBps: fc.integer({ min: -300, max: 300 }),
      feeBps: fc.bigInt({ min: 0n, max: 30n }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("withdraw" as const), i: idx(), shareBps: fc.integer({ min: 1, max: 12000 }), forged: fc.boolean().map((x) => x && Math.random() < 0.2) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("liquidate" as const),
      worst: fc.boolean(),
      a: idx(),
      b: fc.oneof({ weight: 2, arbitrary: fc.constant(5) }, { weight: 1, arbitrary: idx(0) }),
      marketPick: fc.nat(8),
      q: fc.bigInt({ min: 1n, max: 20n }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("settle" as const), i: idx(0), marketPick: fc.nat(8) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("deleverage" as const),
      worst: fc.boolean(),
      a: idx(),
      marketPick: fc.nat(8),
      planned: fc.boolean(),
      priceOff: fc.constantFrom(0n, 0n, 0n, 1n, -1n),
    }),
  },
);
const batchArb: fc.Arbitrary<BatchSpec> = fc.record({
  dt: fc.bigInt({ min: 1n, max: 250n }),
  moveBps: fc.array(fc.integer({ min: -1500, max: 1500 }), { minLength: PARAMS.markets, maxLength: PARAMS.markets }),
  rates: fc.array(fc.bigInt({ min: -(MAX_RATE + MAX_RATE / 10n), max: MAX_RATE + MAX_RATE / 10n }), { minLength: PARAMS.markets, maxLength: PARAMS.markets }),
  ops: fc.array(opArb, { minLength: 1, maxLength: PARAMS.batchSize }),
});

const moved = (p: bigint, bps: number): bigint => {
  const q = (p * BigInt(10000 + bps)) / 10000n;
  return q < 1n ? 1n : q;
};

/** Header prices and rates for a batch at `ts`: settled markets repeat their price, expiring ones get S = the perp's price. */
function headerInputs(state: State, ts: bigint, b: BatchSpec): { prices: bigint[]; rates: bigint[] } {
  const ms = state.global.markets;
  const perp = moved(ms[0].markPrice, b.moveBps[0]);
  const prices = ms.map((m, i) => (m.settled ? m.markPrice : m.kind !== 0 && ts >= m.expiry ? perp : moved(m.markPrice, b.moveBps[i])));
  const rates = ms.map((m, i) => (m.kind === 0 ? b.rates[i] : 0n));
  return { prices, rates };
}

/** The held market of an account picked by `pick`, or the first market. */
function heldMarket(a: Account, pick: number): number {
  const held = a.positions.filter((s) => s.marketId !== 0).map((s) => s.marketId);
  return held.length === 0 ? 1 + (pick % PARAMS.markets) : held[pick % held.length];
}

/** The account (1..TRADERS) with the lowest equity − maintenance, holding a position. */
function worstAccount(state: State, markets: readonly Market[]): number {
  let best = 1;
  let score: bigint | undefined;
  for (const [i, a] of state.accounts) {
    if (i === 0 || a.positions.every((s) => s.marketId === 0)) continue;
    const m = marginState(a, markets, state.global.risk);
    const x = 10000n * m.equity - state.global.risk.mmBps * m.requirement;
    if (score === undefined || x < score) [best, score] = [i, x];
  }
  return best;
}

/** Builds signed ops for `specs` on `state`, tracking nonces and new accounts inside the batch. */
function build(state: State, specs: OpSpec[], markets: readonly Market[]): { ops: Op[]; deposits: DepositEntry[] } {
  const nonce = new Map<number, bigint>();
  const opened = new Set<number>();
  const ops: Op[] = [];
  const deposits: DepositEntry[] = [];
  const next = (i: number) => {
    const n = nonce.get(i) ?? state.account(i).nonce;
    nonce.set(i, n + 1n);
    return n;
  };
  for (const spec of specs) {
    switch (spec.kind) {
      case "deposit": {
        const fresh = isEmptyAccount(state.account(spec.i)) && !opened.has(spec.i);
        deposits.push(fresh ? depositNew(spec.i, spec.amount) : topUp(spec.i, spec.amount));
        opened.add(spec.i);
        ops.push({ type: "DEPOSIT" });
        break;
      }
      case "trade": {
        const price = moved(markets[spec.marketId - 1].markPrice, spec.priceBps);
        const common = { marketId: spec.marketId, limitPrice: price, maxFeeBps: spec.feeBps, size: spec.size };
        const maker = devOrder(state, { ...common, accountIndex: spec.maker, isBuy: spec.makerBuys, nonce: next(spec.maker) });
        const taker = devOrder(state, { ...common, accountIndex: spec.taker, isBuy: !spec.makerBuys, nonce: next(spec.taker) });
        ops.push(trade(maker, taker, 1n + ((spec.q - 1n) % spec.size), spec.feeBps, spec.feeBps));
        break;
      }
      case "withdraw": {
        const eq = accountEquity(state.account(spec.i), markets);
        const amount = eq > 0n ? 1n + (eq * BigInt(spec.shareBps)) / 10000n : 1n;
        const key = spec.forged ? insecureDevAccountKey(spec.i + 1) : insecureDevAccountKey(spec.i);
        ops.push(devWithdrawal(state, spec.i, amount, next(spec.i), key));
        break;
      }
      case "liquidate": {
        const a = spec.worst ? worstAccount(state, markets) : spec.a;
        const b = spec.b === a ? (a % TRADERS) + 1 : spec.b;
        const m = heldMarket(state.account(a), spec.marketPick);
        const size = sizeIn(state.account(a), m);
        const most = size < 0n ? -size : size;
        const q = most === 0n ? spec.q : 1n + ((spec.q - 1n) % most);
        ops.push(devLiquidation(state, { liquidatorIndex: b, liquidateeIndex: a, marketId: m, nonce: next(b), maxSize: q }, q));
        break;
      }
      case "settle":
        ops.push({ type: "SETTLE", accountIndex: spec.i, marketId: heldMarket(state.account(spec.i), spec.marketPick) });
        break;
      case "deleverage": {
        const a = spec.worst ? worstAccount(state, markets) : spec.a;
        const m = heldMarket(state.account(a), spec.marketPick);
        const plan = spec.planned ? planDeleverage(state, a, m, markets) : undefined;
        if (plan) {
          ops.push({ ...plan, price: plan.price + spec.priceOff });
          break;
        }
        const b = pickDeleverageCounterparty(state, a, m, markets) ?? (a % TRADERS) + 1;
        const held = sizeIn(state.account(a), m) !== 0n;
        const price = held ? bankruptcyPrice(state.account(a), markets, m, 1n) + spec.priceOff : 60n * USDC;
        ops.push({ type: "DELEVERAGE", bankrupt: a, counterparty: b, marketId: m, q: 1n, price: price > 0n ? price : 1n });
        break;
      }
    }
  }
  return { ops, deposits };
}

const absB = (x: bigint): bigint => (x < 0n ? -x : x);
/** The position in `m` shrank in absolute value without changing sign (closing included). */
const reduced = (before: Account, after: Account, m: number): boolean => isReduceOnly(sizeIn(before, m), sizeIn(after, m));

/** docs/protocol.md section 3, invariants 1–3, after a batch. */
function checkInvariants(state: State, trace: BatchTrace, net: bigint, settledSize: bigint[]): void {
  const markets = state.global.markets;
  const risk = state.global.risk;
  // 1. open interest per market sums to 0 (with the sizes SETTLE closed)
  for (let m = 1; m <= PARAMS.markets; m++) {
    let oi = 0n;
    for (const a of state.accounts.values()) oi += sizeIn(a, m);
    expect(oi + settledSize[m - 1], `open interest of market ${m}`).to.equal(0n);
    if (!markets[m - 1].settled) expect(settledSize[m - 1]).to.equal(0n);
  }
  // 2. Σ collateral − Σ unapplied funding (+ open settled positions at their cash value) = Σ deposits − Σ withdrawals, to the unit
  let total = 0n;
  for (const a of state.accounts.values()) {
    total += a.collateral - unappliedFunding(a, markets);
    for (const p of a.positions) if (p.marketId !== 0 && markets[p.marketId - 1].settled) total += p.size * markets[p.marketId - 1].settlementPrice;
  }
  expect(total, "Σ collateral − Σ unapplied funding").to.equal(net);
  // the fund never ends below 0
  expect(state.account(0).collateral >= 0n, "fund ≥ 0").to.equal(true);
  // 3. every touched account meets its margin rule, or the op reduced its risk
  const meets = (a: Account) => marginState(a, markets, risk).meetsInitial;
  for (const slot of trace.slots) {
    if (slot.type === "NOOP" || slot.type === "DEPOSIT") {
      expect(slot.aFunded).to.equal(slot.a.before);
    } else {
      expect(slot.aFunded, `${slot.type} a funded`).to.deep.equal(applyFunding(slot.a.before, markets));
      expect(slot.bFunded, `${slot.type} b funded`).to.deep.equal(applyFunding(slot.b.before, markets));
    }
    const a = slot.a;
    const b = slot.b;
    switch (slot.type) {
      case "TRADE": {
        const m = slot.trade!.maker.marketId;
        for (const [u, f] of [[a, slot.aFunded], [b, slot.bFunded]] as const) {
          expect(meets(u.after) || reduced(f, u.after, m), `account ${u.index} after trade`).to.equal(true);
        }
        break;
      }
      case "WITHDRAW":
        expect(meets(a.after), `account ${a.index} after withdrawal`).to.equal(true);
        break;
      case "LIQUIDATE": {
        const l = slot.liquidate!;
        expect(reduced(slot.aFunded, a.after, l.marketId), "liquidatee reduced").to.equal(true);
        expect(meets(b.after) || reduced(slot.bFunded, b.after, l.marketId), `liquidator ${b.index}`).to.equal(true);
        expect(marginState(slot.aFunded, markets, risk).liquidatable, "liquidatee was liquidatable").to.equal(true);
        break;
      }
      case "SETTLE":
        expect(sizeIn(a.after, slot.settle!.marketId)).to.equal(0n);
        expect(markets[slot.settle!.marketId - 1].settled).to.equal(true);
        break;
      case "DELEVERAGE": {
        const d = slot.deleverage!;
        expect(reduced(slot.aFunded, a.after, d.marketId) && reduced(slot.bFunded, b.after, d.marketId), "both reduced").to.equal(true);
        const eq = accountEquity(a.after, markets);
        expect(eq >= 0n && eq < d.q, `bankrupt equity ${eq} in [0, ${d.q})`).to.equal(true);
        expect(absB(sizeIn(slot.aFunded, d.marketId)) - absB(sizeIn(a.after, d.marketId))).to.equal(d.q);
        break;
      }
    }
  }
  // the tree is the tree of the accounts
  const t = new QuadTree(PARAMS.accountDepth);
  for (const [i, acc] of state.accounts) t.set(i, accountLeaf(acc));
  expect(state.accountsRoot()).to.equal(t.root);
  expect(trace.newStateRoot).to.equal(state.stateRoot());
}

describe("prover/state invariants (fast-check)", () => {
  // accounts 1..4 with 400 USDC each and account 5 (the usual liquidator) with 3,000 USDC at timestamp 1000;
  // leveraged: 1 long 50 BTC-PERP from 2, 3 long 50 BTC-FUT from 4 at 60 (requirement 300 each);
  // dated markets expire at 1500
  let start: State;
  const FUNDED = 4600n * USDC;
  before(async () => {
    const g = await devGenesis(PARAMS, { expiry: EXPIRY });
    const entries = [...[1, 2, 3, 4].map((i) => depositNew(i, 400n * USDC)), depositNew(5, 3000n * USDC)];
    let s = applyBatch(g, { header: signedHeader(g, 998n), ops: entries.slice(0, 3).map(() => ({ type: "DEPOSIT" }) as Op), deposits: entries.slice(0, 3) }).state;
    s = applyBatch(s, { header: signedHeader(s, 999n), ops: [{ type: "DEPOSIT" }, { type: "DEPOSIT" }], deposits: entries.slice(3) }).state;
    const lot = (seller: number, buyer: number, marketId: number) =>
      trade(
        devOrder(s, { accountIndex: seller, marketId, isBuy: false, size: 50n, limitPrice: 60n * USDC }),
        devOrder(s, { accountIndex: buyer, marketId, isBuy: true, size: 50n, limitPrice: 60n * USDC }),
        50n,
      );
    s = applyBatch(s, { header: signedHeader(s, 1000n), ops: [lot(2, 1, 1), lot(4, 3, 2)], deposits: [] }).state;
    start = s;
  });

  it("keeps open interest at 0, collateral − unapplied funding equal to deposits − withdrawals, and every touched account margined or reducing, over random sequences of every op type", () => {
    const seen: Record<string, number> = { batches: 0, refused: 0, DEPOSIT: 0, TRADE: 0, WITHDRAW: 0, LIQUIDATE: 0, SETTLE: 0, DELEVERAGE: 0, deficits: 0, funding: 0 };
    const refusedCodes = new Set<string>();
    fc.assert(
      fc.property(fc.array(batchArb, { minLength: 4, maxLength: 10 }), (specs) => {
        let state = start;
        let net = FUNDED;
        let ts = 1000n;
        const settledSize = Array.from({ length: PARAMS.markets }, () => 0n);
        const attempt = (b: BatchSpec, ops: OpSpec[], retry = true): void => {
          ts += b.dt;
          const { prices, rates } = headerInputs(state, ts, b);
          let markets: readonly Market[];
          try {
            markets = previewMarkets(state.global, ts, prices, rates);
          } catch {
            markets = state.global.markets;
          }
          const built = build(state, ops, markets);
          const header = signedHeader(state, ts, prices, undefined, rates);
          const before = state.clone();
          try {
            const r = applyBatch(state, { header, ...built });
            for (const slot of r.trace.slots) {
              if (slot.deposit) net += slot.deposit.entry.amount;
              if (slot.withdraw) net -= slot.withdraw.amount;
              seen[slot.type] = (seen[slot.type] ?? 0) + 1;
              if (slot.liquidate && slot.liquidate.deficit > 0n) seen.deficits++;
              if (slot.settle) settledSize[slot.settle.marketId - 1] += sizeIn(slot.aFunded, slot.settle.marketId);
            }
            if (r.trace.fundingDelta.some((x) => x !== 0n)) seen.funding++;
            checkInvariants(r.state, r.trace, net, settledSize);
            seen.batches++;
            state = r.state;
          } catch (e) {
            if (!(e instanceof RuleError)) throw e;
            seen.refused++;
            refusedCodes.add(e.code);
            expectSameState(state, before);
            // retry op by op (fresh header, rates within the bound) so the sequence still makes progress
            if (retry && (ops.length > 1 || e.op === "HEADER")) {
              const tame = { ...b, rates: b.rates.map((x) => (x > MAX_RATE ? MAX_RATE : x < -MAX_RATE ? -MAX_RATE : x)) };
              for (const op of ops) attempt(tame, [op], false);
            }
          }
        };
        for (const b of specs) attempt(b, b.ops);
      }),
      { numRuns: 16, seed: 20250105 },
    );
    // the sequences exercise every op type and the rules refuse some
    console.log("      ", JSON.stringify(seen), [...refusedCodes].sort().join(" "));
    for (const k of ["TRADE", "WITHDRAW", "LIQUIDATE", "SETTLE", "DELEVERAGE", "DEPOSIT", "funding"]) expect(seen[k], k).to.be.greaterThan(0);
    expect(seen.refused, "some ops are refused").to.be.greaterThan(0);
  });
});
