/**
 * More rules the batch circuit must enforce against a dishonest prover (issue 15, item 4),
 * each pinned to the template that refuses it. Each case starts from an honest input that
 * passes and changes one thing; the rules refuse the same batch (the `RuleError` code).
 */
import { expect } from "chai";
import type { State } from "../../prover/state/state";
import { encodeSigned } from "../../prover/state/field";
import { signOrder, signWithdrawal, type Order, type SignedOrder } from "../../prover/state/signing";
import { applyBatch } from "../../prover/state/batch";
import { ciBatchCircuit, fundedGenesis, honest, tamper, type BatchCircuit, type ProvenCase } from "../helpers/batch-circuit";
import { devOrder, devWithdrawal, insecureDevAccountKey, signedHeader, trade } from "../prover/state/fixtures";
import type { CircuitInput } from "../../prover/witness/batch-input";

const USDC = 1_000_000n;
const BTC = 60_000_000n;

/** Replaces a slot's maker or taker order by `fields`, properly signed by the account. */
function withOrder(input: CircuitInput, side: "maker" | "taker", order: Order): CircuitInput {
  const o = signOrder(insecureDevAccountKey(order.accountIndex), order);
  const signals = [o.marketId, o.isBuy ? 1 : 0, o.size, o.limitPrice, o.expiry, o.nonce, o.maxFeeBps].map((x) => encodeSigned(BigInt(x)).toString());
  return tamper(tamper(input, `${side}Order.0`, signals), `${side === "maker" ? "sigA" : "sigB"}.0`, [o.R8x, o.R8y, o.S].map(String));
}

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

    it("refuses a replayed withdrawal: the nonce signed is not the account's (signature check)", async function () {
      const next = honest(withdrawal.state, { header: signedHeader(withdrawal.state, 3_000n), ops: [devWithdrawal(withdrawal.state, 1, 500n * USDC)], deposits: [] });
      await circuit.expectPass(next.input, next.inputHash);
      expect(() => applyBatch(withdrawal.state, { header: signedHeader(withdrawal.state, 3_000n), ops: [devWithdrawal(withdrawal.state, 1, 500n * USDC, 0n)], deposits: [] })).to.throw(/^NONCE_MISMATCH:|^BAD_SIGNATURE:/);
      const old = signWithdrawal(insecureDevAccountKey(1), 1, 500n * USDC, 0n);
      await circuit.expectFail(tamper(next.input, "sigA.0", [old.R8x, old.R8y, old.S].map(String)), /^ForceEqualIfEnabled < EdDSAPoseidonVerifier < OpSlot\b/);
    });
  });
});
