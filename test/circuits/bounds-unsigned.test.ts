/**
 * One set of bounds for the unsigned values (issue 15, item 2; decisions.md "One set of
 * bounds"), through the real batch circuit and the rules: fill size, order size, trade
 * price, taker limit, fee bps, maxFeeBps, order expiry, account nonce, header timestamp,
 * header price, withdrawal amount, deposit amount, a forced withdrawal's amount, a
 * perpetual's funding rate, a liquidation message's maxSize and a deleverage's price. For
 * each: the rules take both ends and refuse one past each; the circuit proves the honest
 * input at both ends (with the rules' inputHash) and refuses the dishonest prover's input
 * one past each, in the template that holds the bound. Then a property: near the nonce
 * bound, the only unsigned bound that depends on the state, the circuit accepts exactly
 * what `replayBatch` accepts.
 */
import { expect } from "chai";
import fc from "fast-check";
import { RuleError } from "../../prover/state/errors";
import { encodeSigned, pow2 } from "../../prover/state/field";
import { applyBatch, type Batch } from "../../prover/state/batch";
import { EMPTY_SLOT } from "../../prover/state/account";
import { decodeBatchData } from "../../prover/state/layout";
import { replayBatch } from "../../prover/state/replay";
import { previewMarkets } from "../../prover/state/header";
import { planDeleverage } from "../../prover/state/ops/deleverage";
import { DEFAULT_MAX_FUNDING_RATE } from "../../prover/state/genesis";
import { signWithdrawal, type Order, type SignedOrder } from "../../prover/state/signing";
import { batchOnChain } from "../../prover/circuit-input/batch-data";
import type { BatchCircuitInput } from "../../prover/circuit-input/batch-input";
import type { State } from "../../prover/state/state";
import { ciBatchCircuit, forgedInput, fundedGenesis, honest, tamper, withHeader, withOrder, type BatchCircuit, type ProvenCase } from "../helpers/batch-circuit";
import { CI_PARAMS, depositNew, devLiquidation, devOrder, devWithdrawal, forcedRequest, insecureDevAccountKey, signedHeader, trade } from "../prover/state/fixtures";

const USDC = 1_000_000n;
const T = 2_000n; // the batch timestamp (the funded genesis is at 1,000)
const U32 = pow2(32);
const U48 = pow2(48);
/** A requirement of |size| units in every market: margin stays out of the way of the bounds. */
const PNL = Array.from({ length: CI_PARAMS.markets }, () => [-1n, 1n, -1n, 1n]);

/** "ok", or the code of the RuleError the rules refuse with. */
const verdictOf = (f: () => unknown): string => {
  try {
    f();
    return "ok";
  } catch (e) {
    if (e instanceof RuleError) return e.code;
    throw e;
  }
};
const accepts = (f: () => unknown): boolean => verdictOf(f) === "ok";


/** Replaces slot 0's withdrawal by one of `amount` at `nonce`, signed by account 1. */
function withWithdrawal(input: BatchCircuitInput, amount: bigint, nonce: bigint): BatchCircuitInput {
  const sig = signWithdrawal(insecureDevAccountKey(1), 1, amount, nonce);
  return tamper(tamper(input, "value.0", encodeSigned(amount)), "sigA.0", [sig.R8x, sig.R8y, sig.S].map(String));
}

/**
 * One bound: the batch that uses value x, the first and last values both sides take, and
 * the dishonest input for a value one past (built from the honest input at the end next
 * to it), refused in `where`.
 */
interface Bound {
  readonly name: string;
  readonly lo: bigint;
  readonly hi: bigint;
  /** The state and batch that use x (for x past a bound: what an operator would submit). */
  build(x: bigint): { state: State; batch: Batch };
  forge(end: ProvenCase, x: bigint): BatchCircuitInput;
  /** The rules' error codes for lo − 1 and hi + 1 (default RANGE). */
  readonly codes?: readonly [string, string];
  /** Where the circuit refuses lo − 1 and hi + 1. */
  readonly whereLo: RegExp;
  readonly whereHi: RegExp;
  /** Past the lower end there is nothing to sign or store (a nonce below 0). */
  readonly noLower?: boolean;
}

describe("circuits and rules: one set of bounds for the unsigned values", function () {
  let circuit: BatchCircuit;
  let funded: State;

  /** funded, with `edit` applied to accounts 1 and 2, traded against each other in market 1. */
  function tradeState(edit: (s: State) => void = () => undefined): State {
    const s = funded.clone();
    edit(s);
    return s;
  }
  /** Account 1 (maker) buys q lots of market 1 from account 2 (taker) at price p, with the header mark at `mark`. */
  function tradeBatch(s: State, o: { q?: bigint; size?: bigint; p?: bigint; mark?: bigint; takerLimit?: bigint; takerBuys?: boolean; makerFee?: bigint; maxFee?: bigint; expiry?: bigint }): Batch {
    const p = o.p ?? 10_000n;
    const takerBuys = o.takerBuys ?? false;
    const prices = s.global.markets.map((m, i) => (i === 0 ? (o.mark ?? p) : m.markPrice));
    const maker = devOrder(s, { accountIndex: 1, marketId: 1, isBuy: !takerBuys, size: o.size ?? o.q ?? 1n, limitPrice: p, maxFeeBps: o.maxFee ?? 255n, expiry: o.expiry ?? 4_000_000_000n });
    const taker = devOrder(s, { accountIndex: 2, marketId: 1, isBuy: takerBuys, size: o.size ?? o.q ?? 1n, limitPrice: o.takerLimit ?? (takerBuys ? p : 0n), maxFeeBps: 255n });
    return { header: signedHeader(s, T, prices, undefined, undefined, PNL), ops: [trade(maker, taker, o.q ?? 1n, o.makerFee ?? 0n, 0n)], deposits: [] };
  }
  const fieldsOf = (o: SignedOrder): Order => ({ ...o });
  const makerOf = (b: Batch) => (b.ops[0] as { maker: SignedOrder }).maker;
  const takerOf = (b: Batch) => (b.ops[0] as { taker: SignedOrder }).taker;
  const atX = (bound: Bound, x: bigint) => bound.build(x);
  /** The state's mark prices with market 1 at `price`. */
  const markAt = (s: State, price: bigint) => s.global.markets.map((m, i) => (i === 0 ? price : m.markPrice));
  const fundingHeader = (rate: bigint) => signedHeader(funded, T, markAt(funded, 60n * USDC), undefined, funded.global.markets.map((_, i) => (i === 0 ? rate : 0n)));
  const LIQUIDATION = { liquidatorIndex: 2, liquidateeIndex: 1, marketId: 1 };
  /** Account 1 long 10,000 lots of market 1 with 1,000 units of equity at mark 10,000: below maintenance (5,000 units). */
  const liquidatable = () => tradeState((st) => st.setAccount(1, { ...st.account(1), collateral: 1_000n - 10_000n * 10_000n, positions: [{ marketId: 1, size: 10_000n, fundingSnapshot: 0n }, EMPTY_SLOT] }));
  /**
   * Account 1 bankrupt against account 2 in market 1, deleveraged at `price` (the
   * bankruptcy price for price in 0..2^48): at 0 a short of 10 lots with 5 units at mark
   * 10,000 (see "a deleverage at price 0"); above, a long of 1 lot with equity −1 at mark
   * price − 1, closed at mark + 1.
   */
  const deleverageAt = (price: bigint): { state: State; batch: Batch } => {
    const s = funded.clone();
    const short = price <= 0n;
    const mark = short ? 10_000n : price - 1n;
    const [size, q] = short ? [-10n, 10n] : [1n, 1n];
    s.setAccount(1, { ...s.account(1), collateral: short ? 5n : -1n - mark, positions: [{ marketId: 1, size, fundingSnapshot: 0n }, EMPTY_SLOT] });
    s.setAccount(2, { ...s.account(2), collateral: pow2(50), positions: [{ marketId: 1, size: -size, fundingSnapshot: 0n }, EMPTY_SLOT] });
    const header = signedHeader(s, T, markAt(s, mark), undefined, undefined, PNL);
    return { state: s, batch: { header, ops: [{ type: "DELEVERAGE", bankrupt: 1, counterparty: 2, marketId: 1, q, price }], deposits: [] } };
  };

  const BOUNDS: Bound[] = [
    {
      name: "fill size q",
      lo: 1n,
      hi: U32 - 1n,
      build: (q) => {
        const s = tradeState();
        return { state: s, batch: tradeBatch(s, { q, size: U32 - 1n, p: 1n }) };
      },
      forge: (end, q) => tamper(end.input, "q.0", encodeSigned(q)),
      whereLo: /^TradeOp < OpSlot\b/,
      whereHi: /^Num2Bits < BytesBE < OpData < OpSlot\b/,
    },
    {
      name: "order size",
      lo: 1n,
      hi: U32 - 1n,
      build: (size) => {
        const s = tradeState();
        return { state: s, batch: tradeBatch(s, { q: 1n, size, p: 1n }) };
      },
      forge: (end, size) => {
        const b = atX(BOUNDS[1], size === 0n ? 1n : U32 - 1n).batch;
        return withOrder(end.input, "maker", { ...fieldsOf(makerOf(b)), size });
      },
      whereLo: /^TradeOp < OpSlot\b/,
      whereHi: /^Num2Bits < UnsignedRange < OrderChecks < TradeOp\b/,
    },
    {
      name: "trade price (the maker's limit)",
      lo: 1n,
      hi: U48 - 1n,
      build: (p) => {
        const s = tradeState();
        return { state: s, batch: tradeBatch(s, { p, mark: p > 0n && p < U48 ? p : 10_000n }) };
      },
      forge: (end, p) => {
        const b = atX(BOUNDS[2], p === 0n ? 1n : U48 - 1n).batch;
        return tamper(withOrder(end.input, "maker", { ...fieldsOf(makerOf(b)), limitPrice: p }), "value.0", encodeSigned(p));
      },
      whereLo: /^(IsZero < )?TradeOp < OpSlot\b/,
      whereHi: /^Num2Bits < (BytesBE < OpData < OpSlot|UnsignedRange < OrderChecks)\b/,
    },
    {
      name: "a buying taker's limit price",
      lo: 10_000n,
      hi: U48 - 1n,
      codes: ["LIMIT_PRICE", "RANGE"],
      build: (limit) => {
        const s = tradeState();
        return { state: s, batch: tradeBatch(s, { takerBuys: true, takerLimit: limit }) };
      },
      forge: (end, limit) => {
        const b = atX(BOUNDS[3], limit < 10_000n ? 10_000n : U48 - 1n).batch;
        return withOrder(end.input, "taker", { ...fieldsOf(takerOf(b)), limitPrice: limit });
      },
      whereLo: /^TradeOp < OpSlot\b/,
      whereHi: /^Num2Bits < UnsignedRange < OrderChecks < TradeOp\b/,
    },
    {
      name: "fee bps",
      lo: 0n,
      hi: 255n,
      build: (fee) => {
        const s = tradeState();
        return { state: s, batch: tradeBatch(s, { makerFee: fee }) };
      },
      forge: (end, fee) => tamper(end.input, "feeA.0", encodeSigned(fee)),
      whereLo: /^Num2Bits < BytesBE < OpData < OpSlot\b/,
      whereHi: /^Num2Bits < BytesBE < OpData < OpSlot\b/,
    },
    {
      name: "an order's maxFeeBps",
      lo: 0n,
      hi: 255n,
      build: (maxFee) => {
        const s = tradeState();
        return { state: s, batch: tradeBatch(s, { maxFee }) };
      },
      forge: (end, maxFee) => {
        const b = atX(BOUNDS[5], maxFee < 0n ? 0n : 255n).batch;
        return withOrder(end.input, "maker", { ...fieldsOf(makerOf(b)), maxFeeBps: maxFee });
      },
      whereLo: /^Num2Bits < UnsignedRange < OrderChecks < TradeOp\b/,
      whereHi: /^Num2Bits < UnsignedRange < OrderChecks < TradeOp\b/,
    },
    {
      name: "an order's expiry (against the batch timestamp, and its 32 bits)",
      lo: T,
      hi: U32 - 1n,
      codes: ["ORDER_EXPIRED", "RANGE"],
      build: (expiry) => {
        const s = tradeState();
        return { state: s, batch: tradeBatch(s, { expiry }) };
      },
      forge: (end, expiry) => {
        const b = atX(BOUNDS[6], expiry < T ? T : U32 - 1n).batch;
        return withOrder(end.input, "maker", { ...fieldsOf(makerOf(b)), expiry });
      },
      whereLo: /^OrderChecks < TradeOp\b/,
      whereHi: /^Num2Bits < UnsignedRange < OrderChecks < TradeOp\b/,
    },
    {
      name: "the maker's account nonce (the trade moves it to nonce + 1 < 2^32)",
      lo: 0n,
      hi: U32 - 2n,
      noLower: true,
      build: (nonce) => {
        const s = tradeState((st) => st.setAccount(1, { ...st.account(1), nonce }));
        return { state: s, batch: tradeBatch(s, {}) };
      },
      forge: (end, nonce) => {
        const { state, batch } = atX(BOUNDS[7], nonce);
        return withOrder(forgedInput(end, state), "maker", { ...fieldsOf(makerOf(batch)) });
      },
      whereLo: /./,
      whereHi: /^Num2Bits < UnsignedRange < OpSlot\b/,
    },
    {
      name: "the header timestamp (after the state's, below 2^32)",
      lo: 1_001n,
      hi: U32 - 1n,
      codes: ["ORACLE_TIMESTAMP", "RANGE"],
      build: (t) => ({ state: funded, batch: { header: signedHeader(funded, t, funded.global.markets.map(() => 60n * USDC)), ops: [devWithdrawal(funded, 1, USDC)], deposits: [] } }),
      forge: (end, t) => withHeader(end.input, signedHeader(funded, t, funded.global.markets.map(() => 60n * USDC))),
      whereLo: /^(LessThan < )?Header < BatchSettle$/,
      whereHi: /^Num2Bits < BytesBE < Header\b/,
    },
    {
      name: "a live market's header price",
      lo: 1n,
      hi: U48 - 1n,
      build: (p) => {
        const prices = funded.global.markets.map((m, i) => (i === 0 ? p : m.markPrice));
        return { state: funded, batch: { header: signedHeader(funded, T, prices), ops: [devWithdrawal(funded, 1, USDC)], deposits: [] } };
      },
      forge: (end, p) => withHeader(end.input, atX(BOUNDS[9], p).batch.header),
      whereLo: /^MarketUpdate < Header\b/,
      whereHi: /^Num2Bits < BytesBE < MarketUpdate < Header\b/,
    },
    {
      name: "a withdrawal amount",
      lo: 1n,
      hi: U48 - 1n,
      build: (amount) => {
        const s = tradeState((st) => st.setAccount(1, { ...st.account(1), collateral: U48 }));
        return { state: s, batch: { header: signedHeader(s, T), ops: [devWithdrawal(s, 1, amount)], deposits: [] } };
      },
      forge: (end, amount) => withWithdrawal(end.input, amount, 0n),
      whereLo: /^WithdrawOp < OpSlot\b/,
      whereHi: /^Num2Bits < BytesBE < OpData < OpSlot\b/,
    },
    {
      name: "a deposit amount",
      lo: 1n,
      hi: pow2(63) - 1n,
      build: (amount) => ({ state: funded, batch: { header: signedHeader(funded, T), ops: [{ type: "DEPOSIT" }], deposits: [depositNew(3, amount)] } }),
      forge: (end, amount) => tamper(end.input, "depositAmount.0", encodeSigned(amount)),
      whereLo: /^DepositOp < OpSlot\b/,
      whereHi: /^Num2Bits < UnsignedRange < DepositOp\b/,
    },
    {
      name: "a forced withdrawal's amount (all of a request the account can spare)",
      lo: 0n,
      hi: U48 - 1n,
      noLower: true,
      build: (amount) => {
        const s = tradeState((st) => st.setAccount(1, { ...st.account(1), collateral: amount }));
        return { state: s, batch: { header: signedHeader(s, T), ops: [{ type: "FORCED_WITHDRAW" }], deposits: [forcedRequest(1, amount)] } };
      },
      forge: (end, amount) => {
        const { state } = atX(BOUNDS[12], amount);
        return tamper(tamper(forgedInput(end, state), "depositAmount.0", encodeSigned(amount)), "value.0", encodeSigned(amount));
      },
      whereLo: /./,
      whereHi: /^Num2Bits < BytesBE < OpData < OpSlot\b/,
    },
    {
      name: "a perpetual's funding rate (|rate| ≤ maxFundingRate)",
      lo: -DEFAULT_MAX_FUNDING_RATE,
      hi: DEFAULT_MAX_FUNDING_RATE,
      codes: ["FUNDING_RATE", "FUNDING_RATE"],
      build: (rate) => ({ state: funded, batch: { header: fundingHeader(rate), ops: [devWithdrawal(funded, 1, USDC)], deposits: [] } }),
      forge: (end, rate) => withHeader(end.input, fundingHeader(rate)),
      // maxFundingRate ± rate ≥ 0, each as a 25-bit UnsignedRange (market-update.circom)
      whereLo: /^Num2Bits < UnsignedRange < MarketUpdate < Header\b/,
      whereHi: /^Num2Bits < UnsignedRange < MarketUpdate < Header\b/,
    },
    {
      name: "a liquidation message's maxSize",
      lo: 1n,
      hi: U32 - 1n,
      build: (maxSize) => {
        const s = liquidatable();
        return { state: s, batch: { header: signedHeader(s, T, markAt(s, 10_000n), undefined, undefined, PNL), ops: [devLiquidation(s, { ...LIQUIDATION, maxSize }, 1n)], deposits: [] } };
      },
      forge: (end, maxSize) => {
        const msg = devLiquidation(liquidatable(), { ...LIQUIDATION, maxSize }, 1n).liquidator;
        return tamper(tamper(end.input, "liquidation.0", [maxSize, msg.expiry].map(String)), "sigB.0", [msg.R8x, msg.R8y, msg.S].map(String));
      },
      whereLo: /^LiquidateOp < OpSlot\b/,
      whereHi: /^Num2Bits < UnsignedRange < LiquidateOp\b/,
    },
    {
      name: "a deleverage's price (the bankruptcy price, below 2^48)",
      lo: 0n,
      hi: U48 - 1n,
      build: (price) => deleverageAt(price),
      forge: (end, price) => tamper(end.input, "value.0", encodeSigned(price)),
      whereLo: /^Num2Bits < BytesBE < OpData < OpSlot\b/,
      whereHi: /^Num2Bits < BytesBE < OpData < OpSlot\b/,
    },
  ];

  before(async function () {
    circuit = await ciBatchCircuit();
    funded = await fundedGenesis();
  });

  for (const b of BOUNDS) {
    // Signing is most of the rules' cost: each value's batch is built once for both tests.
    const builds = new Map<bigint, { state: State; batch: Batch }>();
    const built = (x: bigint) => builds.get(x) ?? builds.set(x, b.build(x)).get(x)!;
    describe(`# ${b.name}`, function () {
      it(`the rules take ${b.lo} and ${b.hi} and refuse${b.noLower ? "" : ` ${b.lo - 1n} and`} ${b.hi + 1n}`, function () {
        const verdict = (x: bigint) => {
          const { state, batch } = built(x);
          return verdictOf(() => applyBatch(state, batch));
        };
        const [codeLo, codeHi] = b.codes ?? ["RANGE", "RANGE"];
        const got = [b.lo, b.hi, b.hi + 1n, ...(b.noLower ? [] : [b.lo - 1n])].map(verdict);
        expect(got).to.deep.equal(["ok", "ok", codeHi, ...(b.noLower ? [] : [codeLo])]);
      });

      it(`the circuit proves ${b.lo} and ${b.hi}, and refuses ${b.noLower ? "" : `${b.lo - 1n} and `}${b.hi + 1n}`, async function () {
        const lo = honest(built(b.lo).state, built(b.lo).batch);
        const hi = honest(built(b.hi).state, built(b.hi).batch);
        await circuit.expectPass(lo.input, lo.inputHash);
        await circuit.expectPass(hi.input, hi.inputHash);
        await circuit.expectFail(b.forge(hi, b.hi + 1n), b.whereHi);
        if (!b.noLower) await circuit.expectFail(b.forge(lo, b.lo - 1n), b.whereLo);
      });
    });
  }

  describe("# a deleverage at price 0", function () {
    it("takes a short whose collateral is below q units at its bankruptcy price 0, on both sides and in the replay", async function () {
      // account 1 short 10 lots at mark 10,000 with 5 units: equity 5 − 100,000 < 0, the fund (0) cannot pay;
      // closing 10 lots at p leaves 5 + 10·(10,000 − p) − 100,000... = 5 − 10·p: the bankruptcy price is 0.
      const s = funded.clone();
      s.setAccount(1, { ...s.account(1), collateral: 5n, positions: [{ marketId: 1, size: -10n, fundingSnapshot: 0n }, EMPTY_SLOT] });
      s.setAccount(2, { ...s.account(2), positions: [{ marketId: 1, size: 10n, fundingSnapshot: 0n }, EMPTY_SLOT] });
      const prices = s.global.markets.map((m, i) => (i === 0 ? 10_000n : m.markPrice));
      const header = signedHeader(s, T, prices, undefined, undefined, PNL);
      const op = planDeleverage(s, 1, 1, previewMarkets(s.global, T, prices, header.fundingRates));
      expect(op?.price).to.equal(0n);
      const c = honest(s, { header, ops: [op!], deposits: [] });
      expect(c.state.account(1).collateral).to.equal(5n);
      await circuit.expectPass(c.input, c.inputHash);
      const wire = decodeBatchData(CI_PARAMS, batchOnChain(CI_PARAMS, c.trace).data);
      expect(replayBatch(s, { header: wire.header, ops: wire.ops, queueEntries: [], pnl: wire.pnl }).stateRoot()).to.equal(c.state.stateRoot());
    });
  });

  describe("# the nonce bound: the circuit accepts exactly what replayBatch accepts", function () {
    it("for trades and withdrawals by an account whose nonce is within 3 of 2^32", async function () {
      this.timeout(0);
      const at = (nonce: bigint) => tradeState((st) => st.setAccount(1, { ...st.account(1), nonce }));
      const batchFor = (s: State, kind: "maker" | "taker" | "withdraw"): Batch => {
        if (kind === "withdraw") return { header: signedHeader(s, T), ops: [devWithdrawal(s, 1, USDC)], deposits: [] };
        const b = tradeBatch(s, {});
        if (kind === "maker") return b;
        // account 1 as the taker, buying from account 2
        const maker = devOrder(s, { accountIndex: 2, marketId: 1, isBuy: false, size: 1n, limitPrice: 10_000n });
        const taker = devOrder(s, { accountIndex: 1, marketId: 1, isBuy: true, size: 1n, limitPrice: 10_000n });
        return { ...b, ops: [trade(maker, taker, 1n)] };
      };
      const bases = new Map<string, ProvenCase>();
      await fc.assert(
        fc.asyncProperty(fc.constantFrom("maker" as const, "taker" as const, "withdraw" as const), fc.integer({ min: 1, max: 3 }), async (kind, gap) => {
          const nonce = U32 - BigInt(gap);
          const s = at(nonce);
          // the op data of the batch at the last nonce the rules take: nonces are not in it
          const baseState = at(U32 - 2n);
          if (!bases.has(kind)) bases.set(kind, honest(baseState, batchFor(baseState, kind)));
          const base = bases.get(kind)!;
          const wire = decodeBatchData(CI_PARAMS, batchOnChain(CI_PARAMS, base.trace).data);
          const replayAccepts = accepts(() => replayBatch(s, { header: wire.header, ops: wire.ops, queueEntries: [], pnl: wire.pnl }));
          const batch = batchFor(s, kind);
          if (accepts(() => applyBatch(s, batch))) {
            const c = honest(s, batch);
            await circuit.expectPass(c.input, c.inputHash);
            expect(replayAccepts).to.equal(true);
          } else {
            let bad = forgedInput(base, s);
            if (kind === "withdraw") bad = withWithdrawal(bad, USDC, nonce);
            else {
              const op = batch.ops[0] as { maker: SignedOrder; taker: SignedOrder };
              bad = withOrder(withOrder(bad, "maker", fieldsOf(op.maker)), "taker", fieldsOf(op.taker));
            }
            await circuit.expectFail(bad, /^Num2Bits < UnsignedRange < OpSlot\b/);
            expect(replayAccepts).to.equal(false);
          }
          expect(replayAccepts).to.equal(gap >= 2);
        }),
        { numRuns: 9 },
      );
    });
  });
});
