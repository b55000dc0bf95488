/**
 * More rules the batch circuit must enforce against a dishonest prover (issue 15, item 4),
 * each pinned to the template that refuses it. Each case starts from an honest input that
 * passes and changes one thing; the rules refuse the same batch (the `RuleError` code).
 */
import { expect } from "chai";
import type { State } from "../../prover/state/state";
import { EMPTY_SLOT, type Account } from "../../prover/state/account";
import { signWithdrawal, type Order, type SignedOrder } from "../../prover/state/signing";
import { applyBatch, type Batch } from "../../prover/state/batch";
import { previewMarkets } from "../../prover/state/header";
import { decodeBatchData } from "../../prover/state/layout";
import { replayBatch } from "../../prover/state/replay";
import { planDeleverage } from "../../prover/state/ops/deleverage";
import { batchOnChain } from "../../prover/circuit-input/batch-data";
import type { BatchHeader } from "../../prover/state/trace";
import { ciBatchCircuit, forgedInput, fundedGenesis, honest, tamper, withHeader, withOrder, type BatchCircuit, type ProvenCase } from "../helpers/batch-circuit";
import { CI_PARAMS, depositNew, devLiquidation, devOrder, devWithdrawal, forcedRequest, insecureDevAccountKey, signedHeader, topUp, trade } from "../prover/state/fixtures";

const EXPIRY = 86_400n; // the dated markets of the dev genesis expire a day after t = 0
const PERP = 1;
const FUT = 2;
const CALL = 3;


/** The code of the RuleError the rules refuse a batch with ("ok" if they take it). */
function ruleVerdict(state: State, batch: Batch): string {
  try {
    applyBatch(state, batch);
    return "ok";
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

/** `state` with account i replaced by `edit(account i)`. */
function withAccount(state: State, i: number, edit: (a: Account) => Account): State {
  const s = state.clone();
  s.setAccount(i, edit(s.account(i)));
  return s;
}

const USDC = 1_000_000n;
const BTC = 60_000_000n;


describe("circuits: more rules refused by the batch circuit, each in its template", function () {
  let circuit: BatchCircuit;
  let funded: State;
  let tradeCase: ProvenCase;
  let maker: SignedOrder;
  let taker: SignedOrder;
  let withdrawal: ProvenCase;
  const fields = (o: SignedOrder): Order => ({ ...o });
  const refused = (batch: Parameters<typeof applyBatch>[1], code: string) => expect(() => applyBatch(funded, batch)).to.throw(new RegExp(`^(${code}):`));

  before(async function () {
    circuit = await ciBatchCircuit();
    funded = await fundedGenesis();
    maker = devOrder(funded, { accountIndex: 1, marketId: 1, isBuy: true, size: 20n, limitPrice: BTC, maxFeeBps: 10n });
    taker = devOrder(funded, { accountIndex: 2, marketId: 1, isBuy: false, size: 20n, limitPrice: BTC - USDC, maxFeeBps: 10n });
    tradeCase = honest(funded, { header: signedHeader(funded, 2_000n), ops: [trade(maker, taker, 5n)], deposits: [] });
    withdrawal = honest(funded, { header: signedHeader(funded, 2_000n), ops: [devWithdrawal(funded, 1, 500n * USDC)], deposits: [] });
  });

  describe("# TRADE", function () {
    it("refuses a fill of q = 0 (TradeOp)", async function () {
      refused({ header: signedHeader(funded, 2_000n), ops: [trade(maker, taker, 0n)], deposits: [] }, "RANGE");
      await circuit.expectFail(tamper(tradeCase.input, "q.0", 0n), /^TradeOp\b/);
    });

    it("refuses a price other than the maker's limit (TradeOp)", async function () {
      await circuit.expectFail(tamper(tradeCase.input, "value.0", BTC - 1n), /^TradeOp\b/);
    });

    it("refuses orders in different markets (TradeOp)", async function () {
      const other = devOrder(funded, { ...fields(taker), marketId: 2 });
      refused({ header: signedHeader(funded, 2_000n), ops: [trade(maker, other, 5n)], deposits: [] }, "MARKET_MISMATCH");
      await circuit.expectFail(withOrder(tradeCase.input, "taker", { ...fields(taker), marketId: 2 }), /^TradeOp < OpSlot\b/);
    });

    it("refuses the insurance fund as a party (OpSlot)", async function () {
      const fundMaker = devOrder(funded, { ...fields(maker), accountIndex: 0 });
      refused({ header: signedHeader(funded, 2_000n), ops: [trade(fundMaker, taker, 5n)], deposits: [] }, "FUND_ACCOUNT");
      await circuit.expectFail(tamper(tradeCase.input, "aIndex.0", 0n), /^OpSlot\b/);
    });

    it("refuses a market outside 1..M, 0 and M + 1 (OpSlot: MarketSelect finds no market, count ≠ 1)", async function () {
      for (const m of [0, 5]) {
        let bad = tamper(tradeCase.input, "marketId.0", m);
        bad = withOrder(withOrder(bad, "maker", { ...fields(maker), marketId: m }), "taker", { ...fields(taker), marketId: m });
        await circuit.expectFail(bad, /^OpSlot < BatchSettle$/);
      }
    });
  });

  describe("# WITHDRAW", function () {
    it("refuses a withdrawal of 0, signed (WithdrawOp)", async function () {
      refused({ header: signedHeader(funded, 2_000n), ops: [devWithdrawal(funded, 1, 0n)], deposits: [] }, "RANGE");
      const sig = signWithdrawal(insecureDevAccountKey(1), 1, 0n, 0n);
      const bad = tamper(tamper(withdrawal.input, "value.0", 0n), "sigA.0", [sig.R8x, sig.R8y, sig.S].map(String));
      await circuit.expectFail(bad, /^WithdrawOp\b/);
    });

    it("refuses a fill size in a withdrawal, which its op data does not carry (OpSlot)", async function () {
      await circuit.expectFail(tamper(withdrawal.input, "q.0", 1n), /^OpSlot\b/);
    });

    it("refuses a replayed withdrawal: the nonce signed is not the account's (signature check)", async function () {
      const next = honest(withdrawal.state, { header: signedHeader(withdrawal.state, 3_000n), ops: [devWithdrawal(withdrawal.state, 1, 500n * USDC)], deposits: [] });
      await circuit.expectPass(next.input, next.inputHash);
      expect(() => applyBatch(withdrawal.state, { header: signedHeader(withdrawal.state, 3_000n), ops: [devWithdrawal(withdrawal.state, 1, 500n * USDC, 0n)], deposits: [] })).to.throw(/^NONCE_MISMATCH:|^BAD_SIGNATURE:/);
      const old = signWithdrawal(insecureDevAccountKey(1), 1, 500n * USDC, 0n);
      await circuit.expectFail(tamper(next.input, "sigA.0", [old.R8x, old.R8y, old.S].map(String)), /^ForceEqualIfEnabled < EdDSAPoseidonVerifier < OpSlot\b/);
    });
  });

  describe("# TRADE: parties, margin and slots", function () {
    it("refuses an empty account as the taker (OpSlot: a party that trades exists)", async function () {
      const ghost = devOrder(funded, { ...fields(taker), accountIndex: 3 });
      refused({ header: signedHeader(funded, 2_000n), ops: [trade(maker, ghost, 5n)], deposits: [] }, "UNKNOWN_ACCOUNT");
      // the empty leaf of account 3, opened on the root the maker's update left
      const s = funded.clone();
      s.setAccount(1, tradeCase.trace.slots[0].a.after);
      let bad = tamper(tradeCase.input, "bIndex.0", 3n);
      for (const f of ["bAx", "bAy", "bNonce", "bCollateral"]) bad = tamper(bad, `${f}.0`, 0n);
      for (const f of ["bMarketId", "bSize", "bFundingSnapshot"]) bad = tamper(bad, `${f}.0`, ["0", "0"]);
      bad = tamper(bad, "bSiblings.0", s.tree.siblings(3).map((l) => l.map(String)));
      bad = withOrder(bad, "taker", { ...fields(taker), accountIndex: 3 });
      await circuit.expectFail(bad, /^OpSlot < BatchSettle$/);
    });

    it("refuses a trade that leaves the maker below initial margin (OpSlot)", async function () {
      const broke = withAccount(funded, 1, (a) => ({ ...a, collateral: 0n }));
      expect(ruleVerdict(broke, { header: signedHeader(broke, 2_000n), ops: [trade(maker, taker, 5n)], deposits: [] })).to.equal("INSUFFICIENT_MARGIN");
      await circuit.expectPass(tradeCase.input, tradeCase.inputHash);
      await circuit.expectFail(forgedInput(tradeCase, broke), /^OpSlot < BatchSettle$/);
    });

    it("exempts a reduction from initial margin but not a flip through 0 (ReduceOnly, OpSlot)", async function () {
      // account 1 long 10 at 60 with equity 2 USDC against 6 USDC a lot of requirement
      const pnl = Array.from({ length: CI_PARAMS.markets }, () => [-6n * USDC, 6n * USDC, -6n * USDC, 6n * USDC]);
      const at = (collateral: bigint) => {
        let s = withAccount(funded, 1, (a) => ({ ...a, collateral, positions: [{ marketId: PERP, size: 10n, fundingSnapshot: 0n }, EMPTY_SLOT] }));
        s = withAccount(s, 2, (a) => ({ ...a, positions: [{ marketId: PERP, size: -10n, fundingSnapshot: 0n }, EMPTY_SLOT] }));
        return s;
      };
      const sells = (s: State, q: bigint): Batch => ({
        header: signedHeader(s, 2_000n, undefined, undefined, undefined, pnl),
        ops: [trade(devOrder(s, { accountIndex: 1, marketId: PERP, isBuy: false, size: q, limitPrice: BTC }), devOrder(s, { accountIndex: 2, marketId: PERP, isBuy: true, size: q, limitPrice: BTC }), q)],
        deposits: [],
      });
      const underwater = at(-598n * USDC);
      const reduce = honest(underwater, sells(underwater, 5n));
      expect(reduce.state.account(1).positions[0].size).to.equal(5n);
      await circuit.expectPass(reduce.input, reduce.inputHash);

      expect(ruleVerdict(underwater, sells(underwater, 15n))).to.equal("INSUFFICIENT_MARGIN");
      const rich = at(10_000n * USDC);
      const flip = honest(rich, sells(rich, 15n));
      await circuit.expectPass(flip.input, flip.inputHash);
      await circuit.expectFail(forgedInput(flip, underwater), /^OpSlot < BatchSettle$/);
    });

    it("refuses a trade in a new market when every position slot is taken (PositionSlotSelect)", async function () {
      const oneSlot = withAccount(funded, 1, (a) => ({ ...a, positions: [{ marketId: FUT, size: 1n, fundingSnapshot: 0n }, EMPTY_SLOT] }));
      const base = honest(oneSlot, { header: signedHeader(oneSlot, 2_000n), ops: [trade(maker, taker, 5n)], deposits: [] });
      await circuit.expectPass(base.input, base.inputHash);
      const full = withAccount(oneSlot, 1, (a) => ({ ...a, positions: [a.positions[0], { marketId: CALL, size: 1n, fundingSnapshot: 0n }] }));
      expect(ruleVerdict(full, { header: signedHeader(full, 2_000n), ops: [trade(maker, taker, 5n)], deposits: [] })).to.equal("POSITION_SLOTS_FULL");
      await circuit.expectFail(forgedInput(base, full), /^PositionSlotSelect < OpSlot\b/);
    });
  });

  describe("# DEPOSIT and FORCED_WITHDRAW", function () {
    it("refuses a top-up (key (0, 0)) of an empty account (DepositOp)", async function () {
      const created = honest(funded, { header: signedHeader(funded, 2_000n), ops: [{ type: "DEPOSIT" }], deposits: [depositNew(3, 100n * USDC)] });
      await circuit.expectPass(created.input, created.inputHash);
      expect(ruleVerdict(funded, { header: signedHeader(funded, 2_000n), ops: [{ type: "DEPOSIT" }], deposits: [topUp(3, 100n * USDC)] })).to.equal("UNKNOWN_ACCOUNT");
      await circuit.expectFail(tamper(tamper(created.input, "depositAx.0", 0n), "depositAy.0", 0n), /^DepositOp < OpSlot\b/);
    });

    it("refuses serving one account's forced-withdrawal request from another account (DepositOp; the replay refuses it too)", async function () {
      const served = honest(funded, { header: signedHeader(funded, 2_000n), ops: [{ type: "FORCED_WITHDRAW" }], deposits: [forcedRequest(1, 500n * USDC)] });
      await circuit.expectPass(served.input, served.inputHash);
      const wire = decodeBatchData(CI_PARAMS, batchOnChain(CI_PARAMS, served.trace).data);
      expect(() => replayBatch(funded, { header: wire.header, ops: wire.ops, queueEntries: [forcedRequest(2, 500n * USDC)], pnl: wire.pnl })).to.throw(/^DEPOSIT_QUEUE:/);
      await circuit.expectFail(tamper(served.input, "depositAccountIndex.0", 2n), /^DepositOp < OpSlot\b/);
    });
  });
});

describe("circuits: the lifecycle rules refused by the batch circuit, each in its template", function () {
  let circuit: BatchCircuit;
  let funded: State;
  /** 1 long 1,500 BTC-PERP at 60 against 2; 3 long 10 BTC-FUT at 60 against 4 (lifecycle.test.ts). */
  let leveraged: State;
  const prices = (s: State, perp: bigint, fut?: bigint) => s.global.markets.map((m, i) => (i === 0 ? perp : i === 1 && fut !== undefined ? fut : m.markPrice));
  const same = (s: State) => s.global.markets.map((m) => m.markPrice);

  before(async function () {
    circuit = await ciBatchCircuit();
    funded = await fundedGenesis();
    let s = withAccount(funded, 0, (a) => ({ ...a, collateral: 20_000n * USDC }));
    s = honest(s, { header: signedHeader(s, 1_001n), ops: [{ type: "DEPOSIT" }, { type: "DEPOSIT" }], deposits: [depositNew(3, 10_000n * USDC), depositNew(4, 10_000n * USDC)] }).state;
    leveraged = honest(s, {
      header: signedHeader(s, 1_002n),
      ops: [
        trade(devOrder(s, { accountIndex: 2, marketId: PERP, isBuy: false, size: 1_500n, limitPrice: 60n * USDC }), devOrder(s, { accountIndex: 1, marketId: PERP, isBuy: true, size: 1_500n, limitPrice: 60n * USDC }), 1_500n),
        trade(devOrder(s, { accountIndex: 4, marketId: FUT, isBuy: false, size: 10n, limitPrice: 60n * USDC }), devOrder(s, { accountIndex: 3, marketId: FUT, isBuy: true, size: 10n, limitPrice: 60n * USDC }), 10n),
      ],
      deposits: [],
    }).state;
  });

  describe("# header: settled and expiring markets", function () {
    let expiring: ProvenCase;
    let afterExpiry: ProvenCase;
    before(function () {
      // the first header at or after expiry settles BTC-FUT at 65 and the call at max(65 − K, 0)
      expiring = honest(leveraged, { header: signedHeader(leveraged, EXPIRY, prices(leveraged, 60n * USDC, 65n * USDC).map((p, i) => (i === CALL - 1 ? 65n * USDC : p))), ops: [devWithdrawal(leveraged, 1, USDC)], deposits: [] });
      const settled = expiring.state;
      afterExpiry = honest(settled, { header: signedHeader(settled, EXPIRY + 1n, same(settled)), ops: [devWithdrawal(settled, 1, USDC)], deposits: [] });
    });

    it("settles at the payoff of the signed price and the stored strike, nothing else (MarketUpdate; oracle signatures; the old root)", async function () {
      const call = expiring.state.global.markets[CALL - 1];
      expect(call.settled).to.equal(true);
      expect(call.settlementPrice).to.equal(65n * USDC > call.strike ? 65n * USDC - call.strike : 0n);
      await circuit.expectPass(expiring.input, expiring.inputHash);
      // another payoff needs another price, which the oracle did not sign ...
      await circuit.expectFail(tamper(expiring.input, `price.${CALL - 1}`, 66n * USDC), /^ForceEqualIfEnabled < EdDSAPoseidonVerifier < OracleQuorum < Header\b/);
      // ... or another strike, which is not the market's: the old state root (in the public input) moves
      const strike = BigInt(expiring.input.marketStrike[CALL - 1] as string);
      expect(await circuit.inputHash(tamper(expiring.input, `marketStrike.${CALL - 1}`, strike + 1n))).to.not.equal(expiring.inputHash);
    });

    it("refuses a settled market's price other than its stored mark (MarketUpdate)", async function () {
      await circuit.expectPass(afterExpiry.input, afterExpiry.inputHash);
      const settled = expiring.state;
      const h = signedHeader(settled, EXPIRY + 1n, prices(settled, 60n * USDC, 66n * USDC));
      expect(ruleVerdict(settled, { header: h, ops: [devWithdrawal(settled, 1, USDC)], deposits: [] })).to.equal("SETTLED_PRICE");
      await circuit.expectFail(withHeader(afterExpiry.input, h), /^MarketUpdate < Header\b/);
    });

    it("refuses a funding rate on a settled market (MarketUpdate)", async function () {
      const settled = expiring.state;
      const h = signedHeader(settled, EXPIRY + 1n, same(settled), undefined, [0n, 5n, 0n, 0n]);
      expect(ruleVerdict(settled, { header: h, ops: [devWithdrawal(settled, 1, USDC)], deposits: [] })).to.equal("FUNDING_RATE");
      await circuit.expectFail(withHeader(afterExpiry.input, h), /^MarketUpdate < Header\b/);
    });

    it("refuses a funding rate on a market that expires in this header (MarketUpdate)", async function () {
      const h = signedHeader(leveraged, EXPIRY, expiring.trace.header.markPrices, undefined, [0n, 5n, 0n, 0n]);
      expect(ruleVerdict(leveraged, { header: h, ops: [devWithdrawal(leveraged, 1, USDC)], deposits: [] })).to.equal("FUNDING_RATE");
      await circuit.expectFail(withHeader(expiring.input, h), /^MarketUpdate < Header\b/);
    });
  });

  describe("# LIQUIDATE", function () {
    const crash = (s: State, t = 1_003n) => signedHeader(s, t, prices(s, 56n * USDC));
    let liquidation: ProvenCase;
    const spec = { liquidatorIndex: 3, liquidateeIndex: 1, marketId: PERP };
    const msgSig = (m: { R8x: bigint; R8y: bigint; S: bigint }) => [m.R8x, m.R8y, m.S].map(String);
    before(function () {
      // at 56, account 1's equity is 4,000 < maintenance 4,500
      liquidation = honest(leveraged, { header: crash(leveraged), ops: [devLiquidation(leveraged, spec, 500n)], deposits: [] });
    });

    it("refuses more lots than the liquidatee holds, even signed for (LiquidateOp)", async function () {
      await circuit.expectPass(liquidation.input, liquidation.inputHash);
      const op = devLiquidation(leveraged, { ...spec, maxSize: 1_501n }, 1_501n);
      expect(ruleVerdict(leveraged, { header: crash(leveraged), ops: [op], deposits: [] })).to.equal("FILL_EXCEEDS_POSITION");
      let bad = tamper(liquidation.input, "q.0", 1_501n);
      bad = tamper(tamper(bad, "liquidation.0", [1_501n, op.liquidator.expiry].map(String)), "sigB.0", msgSig(op.liquidator));
      await circuit.expectFail(bad, /^LiquidateOp < OpSlot\b/);
    });

    it("refuses an expired liquidation message (LiquidateOp)", async function () {
      const op = devLiquidation(leveraged, { ...spec, expiry: 1_002n }, 500n);
      expect(ruleVerdict(leveraged, { header: crash(leveraged), ops: [op], deposits: [] })).to.equal("ORDER_EXPIRED");
      const bad = tamper(tamper(liquidation.input, "liquidation.0", ["500", "1002"]), "sigB.0", msgSig(op.liquidator));
      await circuit.expectFail(bad, /^LiquidateOp < OpSlot\b/);
    });

    it("refuses a replayed liquidation message: signed at an old nonce of the liquidator (signature check)", async function () {
      expect(leveraged.account(3).nonce).to.equal(1n);
      const op = devLiquidation(leveraged, { ...spec, nonce: 0n }, 500n);
      expect(ruleVerdict(leveraged, { header: crash(leveraged), ops: [op], deposits: [] })).to.equal("NONCE_MISMATCH");
      await circuit.expectFail(tamper(liquidation.input, "sigB.0", msgSig(op.liquidator)), /^ForceEqualIfEnabled < EdDSAPoseidonVerifier < OpSlot\b/);
    });

    it("refuses a liquidator left below initial margin (OpSlot)", async function () {
      const broke = withAccount(leveraged, 3, (a) => ({ ...a, collateral: 0n }));
      expect(ruleVerdict(broke, { header: crash(broke), ops: [devLiquidation(broke, spec, 500n)], deposits: [] })).to.equal("INSUFFICIENT_MARGIN");
      await circuit.expectFail(forgedInput(liquidation, broke), /^OpSlot < BatchSettle$/);
    });

    it("charges exactly floor(q · mark · penaltyBps / 10000), at the penaltyBps the oracle signed (OracleQuorum)", async function () {
      // The penalty is no input: FeeAmount pins the quotient (remainder < 10000), so the only
      // lever left to a prover is the rate, which the oracle signs inside riskHash.
      expect(liquidation.trace.slots[0].liquidate?.penalty).to.equal((500n * 56n * USDC * leveraged.global.risk.penaltyBps) / 10000n);
      const bps = BigInt(liquidation.input.penaltyBps as string);
      await circuit.expectFail(tamper(liquidation.input, "penaltyBps", bps + 1n), /^ForceEqualIfEnabled < EdDSAPoseidonVerifier < OracleQuorum < Header\b/);
    });

    it("refuses a liquidation in a market that settles in this header (OpSlot)", async function () {
      // account 1 long 1,500 BTC-FUT with 10,000 USDC of equity at 60; at 56 it is liquidatable, 2 is short
      let s = withAccount(funded, 1, (a) => ({ ...a, collateral: -80_000n * USDC, positions: [{ marketId: FUT, size: 1_500n, fundingSnapshot: 0n }, EMPTY_SLOT] }));
      s = withAccount(s, 2, (a) => ({ ...a, collateral: 100_000n * USDC, positions: [{ marketId: FUT, size: -1_500n, fundingSnapshot: 0n }, EMPTY_SLOT] }));
      const futSpec = { liquidatorIndex: 2, liquidateeIndex: 1, marketId: FUT };
      const live = honest(s, { header: signedHeader(s, EXPIRY - 1n, prices(s, 60n * USDC, 56n * USDC)), ops: [devLiquidation(s, futSpec, 500n)], deposits: [] });
      await circuit.expectPass(live.input, live.inputHash);
      const atExpiry = signedHeader(s, EXPIRY, prices(s, 60n * USDC, 56n * USDC));
      expect(ruleVerdict(s, { header: atExpiry, ops: [devLiquidation(s, futSpec, 500n)], deposits: [] })).to.equal("MARKET_SETTLED");
      await circuit.expectFail(withHeader(live.input, atExpiry), /^OpSlot < BatchSettle$/);
    });
  });

  describe("# DELEVERAGE", function () {
    let bankrupt: State;
    let deleverage: ProvenCase;
    let header: BatchHeader;
    before(function () {
      // a fund of 0: at 50 account 1 (long 1,500 at 60 with 10,000) is bankrupt (−5,000) and nobody can pay
      bankrupt = withAccount(leveraged, 0, (a) => ({ ...a, collateral: 0n }));
      header = signedHeader(bankrupt, 1_003n, prices(bankrupt, 50n * USDC));
      const op = planDeleverage(bankrupt, 1, PERP, previewMarkets(bankrupt.global, header.timestamp, header.markPrices, header.fundingRates));
      expect(op?.counterparty).to.equal(2);
      deleverage = honest(bankrupt, { header, ops: [op!], deposits: [] });
    });

    it("refuses deleveraging an account that is not bankrupt (DeleverageBounds)", async function () {
      await circuit.expectPass(deleverage.input, deleverage.inputHash);
      const calm = signedHeader(bankrupt, 1_003n, prices(bankrupt, 55n * USDC));
      expect(ruleVerdict(bankrupt, { header: calm, ops: deleverage.trace.slots.slice(0, 1).map(() => ({ type: "DELEVERAGE" as const, bankrupt: 1, counterparty: 2, marketId: PERP, q: 1_500n, price: BigInt(deleverage.input.value[0] as string) })), deposits: [] })).to.equal("NOT_BANKRUPT");
      await circuit.expectFail(withHeader(deleverage.input, calm), /^DeleverageBounds < OpSlot\b/);
    });

    it("refuses a counterparty on the same side (DeleverageOp)", async function () {
      const long = withAccount(bankrupt, 2, (a) => ({ ...a, positions: a.positions.map((p) => (p.marketId === PERP ? { ...p, size: -p.size } : p)) }));
      const op = { type: "DELEVERAGE" as const, bankrupt: 1, counterparty: 2, marketId: PERP, q: 1_500n, price: BigInt(deleverage.input.value[0] as string) };
      expect(ruleVerdict(long, { header, ops: [op], deposits: [] })).to.equal("NOT_OPPOSITE");
      await circuit.expectFail(forgedInput(deleverage, long), /^DeleverageOp < OpSlot\b/);
    });

    it("refuses more lots than the bankrupt account holds (DeleverageOp)", async function () {
      const op = { type: "DELEVERAGE" as const, bankrupt: 1, counterparty: 2, marketId: PERP, q: 1_501n, price: BigInt(deleverage.input.value[0] as string) };
      expect(ruleVerdict(bankrupt, { header, ops: [op], deposits: [] })).to.equal("FILL_EXCEEDS_POSITION");
      await circuit.expectFail(tamper(deleverage.input, "q.0", 1_501n), /^DeleverageOp < OpSlot\b/);
    });
  });

  describe("# SETTLE", function () {
    it("leaves a negative collateral to the account while it holds another position: no deficit for the fund (DeficitCover; the tree opening)", async function () {
      // account 1 long 1,500 BTC-FUT bought at 60 with 10,000, and 1 BTC-PERP: settled at 53 it is 500 short
      const s = withAccount(funded, 1, (a) => ({ ...a, collateral: -80_000n * USDC - 60n * USDC, positions: [{ marketId: FUT, size: 1_500n, fundingSnapshot: 0n }, { marketId: PERP, size: 1n, fundingSnapshot: 0n }] }));
      const c = honest(s, { header: signedHeader(s, EXPIRY, prices(s, 60n * USDC, 53n * USDC)), ops: [{ type: "SETTLE", accountIndex: 1, marketId: FUT }], deposits: [] });
      expect(c.trace.slots[0].settle?.deficit).to.equal(0n);
      expect(c.state.account(1).collateral).to.equal(-560n * USDC);
      await circuit.expectPass(c.input, c.inputHash);
      // hiding the other position (an empty slot) would make DeficitCover pay: the old leaf no longer opens
      const hidden = tamper(tamper(tamper(c.input, "aMarketId.0.1", 0n), "aSize.0.1", 0n), "aFundingSnapshot.0.1", 0n);
      await circuit.expectFail(hidden, /QuadMerkle/);
    });
  });
});
