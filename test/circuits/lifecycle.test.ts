/**
 * The lifecycle rules of the batch circuit (protocol.md section 5): funding, expiry
 * settlement, WITHDRAW, LIQUIDATE, SETTLE, DELEVERAGE. Each negative case starts from
 * an honest input that the rules accept and the circuit proves, and changes one thing
 * the way a dishonest prover would; the failure is pinned to the template that holds
 * the broken rule.
 */
import { expect } from "chai";
import type { State } from "../../prover/state/state";
import { previewMarkets } from "../../prover/state/header";
import { planDeleverage } from "../../prover/state/ops/deleverage";
import { signWithdrawal } from "../../prover/state/signing";
import { ciBatchCircuit, honest, tamper, withHeader, type BatchCircuit, type ProvenCase } from "../helpers/batch-circuit";
import type { BatchHeader } from "../../prover/state/trace";
import {
  depositNew,
  devGenesis,
  devLiquidation,
  devOrder,
  devWithdrawal,
  forcedRequest,
  insecureDevAccountKey,
  signedHeader,
  trade,
} from "../prover/state/fixtures";

const USDC = 1_000_000n;
const EXPIRY = 86_400n; // the dated markets of the dev genesis expire a day after t = 0
const PERP = 1;
const FUT = 2;

function prices(state: State, perp: bigint, fut?: bigint): bigint[] {
  return state.global.markets.map((m, i) => (i === 0 ? perp : i === 1 && fut !== undefined ? fut : m.markPrice));
}

describe("circuits: the derivative lifecycle at ci parameters", function () {
  let circuit: BatchCircuit;
  /** 1 long 1,500 BTC-PERP at 60 against 2; 3 long 10 BTC-FUT at 60 against 4; 10,000 USDC each. */
  let leveraged: State;

  before(async function () {
    circuit = await ciBatchCircuit();
    const genesis = await devGenesis(undefined, { insuranceCollateral: 20_000n * USDC });
    let s = honest(genesis, {
      header: signedHeader(genesis, 1_000n),
      ops: [{ type: "DEPOSIT" }, { type: "DEPOSIT" }],
      deposits: [depositNew(1, 10_000n * USDC), depositNew(2, 10_000n * USDC)],
    }).state;
    s = honest(s, {
      header: signedHeader(s, 1_001n),
      ops: [{ type: "DEPOSIT" }, { type: "DEPOSIT" }],
      deposits: [depositNew(3, 10_000n * USDC), depositNew(4, 10_000n * USDC)],
    }).state;
    leveraged = honest(s, {
      header: signedHeader(s, 1_002n),
      ops: [
        trade(
          devOrder(s, { accountIndex: 2, marketId: PERP, isBuy: false, size: 1_500n, limitPrice: 60n * USDC }),
          devOrder(s, { accountIndex: 1, marketId: PERP, isBuy: true, size: 1_500n, limitPrice: 60n * USDC }),
          1_500n,
        ),
        trade(
          devOrder(s, { accountIndex: 4, marketId: FUT, isBuy: false, size: 10n, limitPrice: 60n * USDC }),
          devOrder(s, { accountIndex: 3, marketId: FUT, isBuy: true, size: 10n, limitPrice: 60n * USDC }),
          10n,
        ),
      ],
      deposits: [],
    }).state;
  });

  describe("# funding and the oracle header", function () {
    let funded: ProvenCase;
    before(function () {
      // 8 hours at 10^-6 per second: the long pays 2.88% of 60 USDC per lot to the short
      const header = signedHeader(leveraged, 1_002n + 28_800n, undefined, undefined, prices(leveraged, 60n * USDC).map((_, i) => (i === 0 ? 1_000_000n : 0n)));
      funded = honest(leveraged, { header, ops: [devWithdrawal(leveraged, 2, 1n * USDC)], deposits: [] });
    });

    it("moves the funding index and applies it to the accounts an op touches", async function () {
      expect(funded.state.global.markets[0].fundingIndex).to.equal(1_728_000n);
      await circuit.expectPass(funded.input, funded.inputHash);
    });

    it("rejects a funding rate above the bound", async function () {
      const rates = [1_000_001n, 0n, 0n, 0n];
      const h = signedHeader(leveraged, 1_002n + 28_800n, undefined, undefined, rates);
      await circuit.expectFail(withHeader(funded.input, h), /^Num2Bits < UnsignedRange < MarketUpdate\b/);
    });

    it("rejects a funding rate on a dated future", async function () {
      const h = signedHeader(leveraged, 1_002n + 28_800n, undefined, undefined, [1_000_000n, 5n, 0n, 0n]);
      await circuit.expectFail(withHeader(funded.input, h), /^MarketUpdate\b/);
    });

    it("rejects an oracle timestamp going backwards", async function () {
      await circuit.expectFail(withHeader(funded.input, signedHeader(leveraged, 1_001n)), /^Header\b/);
    });
  });

  describe("# WITHDRAW", function () {
    let withdrawal: ProvenCase;
    before(function () {
      withdrawal = honest(leveraged, { header: signedHeader(leveraged, 1_003n), ops: [devWithdrawal(leveraged, 1, 500n * USDC)], deposits: [] });
    });

    it("proves a withdrawal that keeps initial margin", async function () {
      await circuit.expectPass(withdrawal.input, withdrawal.inputHash);
    });

    it("rejects a withdrawal that breaks initial margin", async function () {
      // equity 10,000 against 9,000 of initial margin: 2,000 is too much
      expect(() => honest(leveraged, { header: signedHeader(leveraged, 1_003n), ops: [devWithdrawal(leveraged, 1, 2_000n * USDC)], deposits: [] })).to.throw(/INSUFFICIENT_MARGIN/);
      const sig = signWithdrawal(insecureDevAccountKey(1), 1, 2_000n * USDC, 1n);
      let bad = tamper(withdrawal.input, "value.0", 2_000n * USDC);
      bad = tamper(bad, "sigA.0", [sig.R8x, sig.R8y, sig.S].map(String));
      await circuit.expectFail(bad, /^OpSlot\b/);
    });

    it("rejects a withdrawal without the owner's signature", async function () {
      const forged = signWithdrawal(insecureDevAccountKey(2), 1, 500n * USDC, 1n);
      await circuit.expectFail(tamper(withdrawal.input, "sigA.0", [forged.R8x, forged.R8y, forged.S].map(String)), /^ForceEqualIfEnabled < EdDSAPoseidonVerifier < OpSlot\b/);
    });

    it("rejects a withdrawal of account 0, the insurance fund", async function () {
      await circuit.expectFail(tamper(withdrawal.input, "aIndex.0", 0n), /^OpSlot\b/);
    });
  });

  describe("# LIQUIDATE", function () {
    let liquidation: ProvenCase;
    const crash = (s: State) => signedHeader(s, 1_003n, prices(s, 56n * USDC));
    before(function () {
      // at 56, account 1's equity is 4,000 < maintenance 4,500
      liquidation = honest(leveraged, { header: crash(leveraged), ops: [devLiquidation(leveraged, { liquidatorIndex: 3, liquidateeIndex: 1, marketId: PERP }, 500n)], deposits: [] });
    });

    it("proves the liquidation of an account below maintenance margin", async function () {
      await circuit.expectPass(liquidation.input, liquidation.inputHash);
      expect(liquidation.trace.slots[0].liquidate?.penalty).to.equal(280n * USDC);
    });

    it("rejects liquidating a healthy account", async function () {
      const calm = signedHeader(leveraged, 1_003n, prices(leveraged, 60n * USDC));
      expect(() => honest(leveraged, { header: calm, ops: [devLiquidation(leveraged, { liquidatorIndex: 3, liquidateeIndex: 1, marketId: PERP }, 500n)], deposits: [] })).to.throw(/NOT_LIQUIDATABLE/);
      await circuit.expectFail(withHeader(liquidation.input, calm), /^OpSlot\b/);
    });

    it("rejects more lots than the liquidator signed for", async function () {
      await circuit.expectFail(tamper(liquidation.input, "q.0", 501n), /^LiquidateOp\b/);
    });

    it("rejects a liquidation message signed by another key", async function () {
      const other = devLiquidation(leveraged, { liquidatorIndex: 3, liquidateeIndex: 1, marketId: PERP }, 500n, insecureDevAccountKey(4));
      const m = other.liquidator;
      await circuit.expectFail(tamper(liquidation.input, "sigB.0", [m.R8x, m.R8y, m.S].map(String)), /^ForceEqualIfEnabled < EdDSAPoseidonVerifier < OpSlot\b/);
    });

    it("covers a deficit from the insurance fund when the whole position goes", async function () {
      const header = signedHeader(leveraged, 1_003n, prices(leveraged, 50n * USDC));
      const all = honest(leveraged, { header, ops: [devLiquidation(leveraged, { liquidatorIndex: 3, liquidateeIndex: 1, marketId: PERP }, 1_500n)], deposits: [] });
      expect(all.trace.slots[0].liquidate?.deficit).to.equal(5_750n * USDC);
      await circuit.expectPass(all.input, all.inputHash);
      // with a fund of 1,000 USDC the batch would leave it negative
      await circuit.expectFail(tamper(all.input, "fundCollateral", 1_000n * USDC), /^Num2Bits < UnsignedRange < BatchSettle\b/);
    });
  });

  describe("# DELEVERAGE", function () {
    let deleverage: ProvenCase;
    let header: BatchHeader;
    before(async function () {
      // a genesis fund of 0: at 50 account 1 is bankrupt (-5,000) and nobody can pay
      const genesis = await devGenesis();
      let s = honest(genesis, { header: signedHeader(genesis, 1_000n), ops: [{ type: "DEPOSIT" }, { type: "DEPOSIT" }], deposits: [depositNew(1, 10_000n * USDC), depositNew(2, 10_000n * USDC)] }).state;
      s = honest(s, {
        header: signedHeader(s, 1_001n),
        ops: [
          trade(
            devOrder(s, { accountIndex: 2, marketId: PERP, isBuy: false, size: 1_500n, limitPrice: 60n * USDC }),
            devOrder(s, { accountIndex: 1, marketId: PERP, isBuy: true, size: 1_500n, limitPrice: 60n * USDC }),
            1_500n,
          ),
        ],
        deposits: [],
      }).state;
      header = signedHeader(s, 1_002n, prices(s, 50n * USDC));
      const op = planDeleverage(s, 1, PERP, previewMarkets(s.global, header.timestamp, header.markPrices, header.fundingRates));
      expect(op?.counterparty).to.equal(2);
      deleverage = honest(s, { header, ops: [op!], deposits: [] });
    });

    it("proves a deleverage at the bankruptcy price when the fund cannot pay", async function () {
      await circuit.expectPass(deleverage.input, deleverage.inputHash);
    });

    it("rejects a deleverage when the fund could pay the deficit", async function () {
      await circuit.expectFail(tamper(deleverage.input, "fundCollateral", 10_000n * USDC), /^DeleverageBounds\b/);
    });

    it("rejects a price other than the bankruptcy price", async function () {
      const p = BigInt(deleverage.input.value[0] as string);
      await circuit.expectFail(tamper(deleverage.input, "value.0", p + 1n), /^DeleverageBounds\b/);
    });
  });

  describe("# SETTLE and expiry", function () {
    let expired: State;
    let settlement: ProvenCase;
    before(function () {
      // the first header at or after expiry fixes BTC-FUT at 65 USDC
      const h = signedHeader(leveraged, EXPIRY, prices(leveraged, 60n * USDC, 65n * USDC));
      settlement = honest(leveraged, {
        header: h,
        ops: [
          { type: "SETTLE", accountIndex: 3, marketId: FUT },
          { type: "SETTLE", accountIndex: 4, marketId: FUT },
        ],
        deposits: [],
      });
      expired = settlement.state;
    });

    it("settles a future at expiry: size times the settlement price, slot cleared", async function () {
      await circuit.expectPass(settlement.input, settlement.inputHash);
      expect(expired.account(3).collateral - leveraged.account(3).collateral).to.equal(10n * 65n * USDC);
      expect(expired.account(3).positions.every((p) => p.marketId !== FUT)).to.equal(true);
    });

    it("has the fund pay the deficit of a settlement that closes an insolvent account's last position", async function () {
      const genesis = await devGenesis(undefined, { insuranceCollateral: 20_000n * USDC });
      let s = honest(genesis, { header: signedHeader(genesis, 1_000n), ops: [{ type: "DEPOSIT" }, { type: "DEPOSIT" }], deposits: [depositNew(1, 10_000n * USDC), depositNew(2, 10_000n * USDC)] }).state;
      s = honest(s, {
        header: signedHeader(s, 1_001n),
        ops: [trade(devOrder(s, { accountIndex: 2, marketId: FUT, isBuy: false, size: 1_500n, limitPrice: 60n * USDC }), devOrder(s, { accountIndex: 1, marketId: FUT, isBuy: true, size: 1_500n, limitPrice: 60n * USDC }), 1_500n)],
        deposits: [],
      }).state;
      // settles at 53: account 1 loses 10,500 on 10,000
      const c = honest(s, { header: signedHeader(s, EXPIRY, prices(s, 60n * USDC, 53n * USDC)), ops: [{ type: "SETTLE", accountIndex: 1, marketId: FUT }], deposits: [] });
      expect(c.trace.slots[0].settle?.deficit).to.equal(500n * USDC);
      expect(c.state.account(1).collateral).to.equal(0n);
      expect(c.state.account(0).collateral).to.equal(19_500n * USDC);
      await circuit.expectPass(c.input, c.inputHash);
    });

    it("rejects settling before expiry", async function () {
      const early = signedHeader(leveraged, EXPIRY - 1n, prices(leveraged, 60n * USDC, 65n * USDC));
      await circuit.expectFail(withHeader(settlement.input, early), /^OpSlot\b/);
    });

    it("rejects a settlement that carries a value, which its op data does not (OpSlot)", async function () {
      await circuit.expectFail(tamper(settlement.input, "value.0", 1n), /^OpSlot\b/);
    });

    it("rejects settling the same position twice", async function () {
      const again = honest(expired, { header: signedHeader(expired, EXPIRY + 1n), ops: [devWithdrawal(expired, 3, 1n)], deposits: [] });
      const firstEmpty = expired.account(3).positions.findIndex((p) => p.marketId === 0);
      // The withdrawal's amount goes too: a SETTLE carries no value.
      let bad = tamper(tamper(again.input, "opType.0", 5n), "value.0", 0n);
      bad = tamper(bad, "marketId.0", FUT);
      bad = tamper(bad, "slotA.0", firstEmpty);
      await circuit.expectFail(bad, /^SettleOp\b/);
    });

    it("rejects a trade in a settled market", async function () {
      const h = signedHeader(expired, EXPIRY + 1n);
      expect(() =>
        honest(expired, {
          header: h,
          ops: [trade(devOrder(expired, { accountIndex: 3, marketId: FUT, isBuy: true, size: 1n, limitPrice: 65n * USDC }), devOrder(expired, { accountIndex: 4, marketId: FUT, isBuy: false, size: 1n, limitPrice: 65n * USDC }), 1n)],
          deposits: [],
        }),
      ).to.throw(/MARKET_SETTLED/);
    });
  });

  describe("# FORCED_WITHDRAW", function () {
    let forced: ProvenCase;
    before(function () {
      // account 1 holds 10,000 against 9,000 of initial margin: it can spare 1,000
      forced = honest(leveraged, { header: signedHeader(leveraged, 1_003n), ops: [devWithdrawal(leveraged, 1, 400n * USDC), { type: "FORCED_WITHDRAW" }], deposits: [forcedRequest(1, 5_000n * USDC)] });
    });

    it("serves a request with what is left after a normal withdrawal of the same funds", async function () {
      expect(forced.trace.slots[1].forcedWithdraw?.amount).to.equal(600n * USDC);
      await circuit.expectPass(forced.input, forced.inputHash);
    });

    it("rejects paying more, or less, than the account can spare", async function () {
      await circuit.expectFail(tamper(forced.input, "value.1", 600n * USDC + 1n), /^ForcedWithdrawOp\b/);
      await circuit.expectFail(tamper(forced.input, "value.1", 600n * USDC - 1n), /^ForcedWithdrawOp\b/);
    });

    it("rejects a queue entry that is a deposit, not a request", async function () {
      await circuit.expectFail(tamper(forced.input, "depositAy.1", 0n), /^DepositOp\b/);
    });
  });
});
