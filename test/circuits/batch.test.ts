/**
 * The batch circuit against a dishonest prover: each rule of protocol.md, broken in
 * an input that the honest reference rules would never produce, must leave no
 * witness. Each case starts from an honest input that passes (so the failure is the
 * rule's, not a broken fixture) and changes one thing.
 */
import { expect } from "chai";
import type { State } from "../../prover/state/state";
import { encodeSigned } from "../../prover/state/field";
import { signOrder, type Order, type SignedOrder } from "../../prover/state/signing";
import { ciBatchCircuit, fundedGenesis, honest, tamper, type BatchCircuit, type ProvenCase } from "../helpers/batch-circuit";
import { depositNew, devGenesis, devOrder, insecureDevAccountKey, signedHeader, topUp, trade } from "../prover/state/fixtures";
import type { BatchCircuitInput } from "../../prover/circuit-input/batch-input";

const USDC = 1_000_000n;
const BTC = 60_000_000n; // mark price of one BTC-PERP lot at genesis

function orderSignals(o: SignedOrder): { order: string[]; sig: string[] } {
  return {
    order: [o.marketId, o.isBuy ? 1 : 0, o.size, o.limitPrice, o.expiry, o.nonce, o.maxFeeBps].map((x) => encodeSigned(BigInt(x)).toString()),
    sig: [o.R8x, o.R8y, o.S].map((x) => x.toString()),
  };
}

/** Replaces a slot's maker or taker order by `fields`, properly signed by the account. */
function withOrder(input: BatchCircuitInput, slot: number, side: "maker" | "taker", order: Order): BatchCircuitInput {
  const s = orderSignals(signOrder(insecureDevAccountKey(order.accountIndex), order));
  return tamper(tamper(input, `${side}Order.${slot}`, s.order), `${side === "maker" ? "sigA" : "sigB"}.${slot}`, s.sig);
}

describe("circuits: BatchSettle at ci parameters", function () {
  let circuit: BatchCircuit;
  let funded: State; // accounts 1 and 2 hold 10,000 USDC each
  let tradeCase: ProvenCase;
  let makerOrder: SignedOrder;
  let takerOrder: SignedOrder;

  before(async function () {
    circuit = await ciBatchCircuit();
    funded = await fundedGenesis();
    makerOrder = devOrder(funded, { accountIndex: 1, marketId: 1, isBuy: true, size: 20n, limitPrice: BTC, maxFeeBps: 10n });
    takerOrder = devOrder(funded, { accountIndex: 2, marketId: 1, isBuy: false, size: 20n, limitPrice: BTC - USDC, maxFeeBps: 10n });
    tradeCase = honest(funded, { header: signedHeader(funded, 2_000n), ops: [trade(makerOrder, takerOrder, 5n, 2n, 5n)], deposits: [] });
  });

  describe("# honest batches", function () {
    it("proves a deposit batch with the inputHash of the reference rules", async function () {
      const genesis = await devGenesis();
      const c = honest(genesis, {
        header: signedHeader(genesis, 1_000n),
        ops: [{ type: "DEPOSIT" }, { type: "DEPOSIT" }],
        deposits: [depositNew(1, 10_000n * USDC), depositNew(2, 10_000n * USDC)],
      });
      await circuit.expectPass(c.input, c.inputHash);
    });

    it("proves a trade batch with the inputHash of the reference rules", async function () {
      await circuit.expectPass(tradeCase.input, tradeCase.inputHash);
    });

    it("proves a top-up of an existing account", async function () {
      const c = honest(funded, { header: signedHeader(funded, 2_000n), ops: [{ type: "DEPOSIT" }], deposits: [topUp(1, 5n * USDC)] });
      await circuit.expectPass(c.input, c.inputHash);
    });
  });

  describe("# oracle header", function () {
    it("rejects a header whose oracle signature is wrong", async function () {
      const bad = tamper(tradeCase.input, "oracleSigS.0", BigInt(tradeCase.input.oracleSigS[0] as string) + 1n);
      await circuit.expectFail(bad, /^ForceEqualIfEnabled\b/);
    });

    it("rejects a header signed twice by the same oracle key (no quorum)", async function () {
      const h = signedHeader(funded, 2_000n, undefined, [0, 0]);
      let bad = tamper(tradeCase.input, "oracleKeyIndex", h.signatures.map((s) => String(s.keyIndex)));
      bad = tamper(bad, "oracleSigR8x", h.signatures.map((s) => s.R8x.toString()));
      bad = tamper(bad, "oracleSigR8y", h.signatures.map((s) => s.R8y.toString()));
      bad = tamper(bad, "oracleSigS", h.signatures.map((s) => s.S.toString()));
      await circuit.expectFail(bad, /^OracleQuorum\b/);
    });

    it("rejects a stale oracle timestamp (not after the last batch)", async function () {
      await circuit.expectFail(tamper(tradeCase.input, "oldOracleTimestamp", 2_000n), /^Header\b/);
    });

    it("rejects a mark price that overflows 48 bits", async function () {
      await circuit.expectFail(tamper(tradeCase.input, "price.0", 1n << 48n), /^Num2Bits\b/);
    });

    it("rejects a risk array entry that overflows 62 bits", async function () {
      await circuit.expectFail(tamper(tradeCase.input, "pnl.0.0", 1n << 62n), /^Num2Bits\b/);
    });
  });

  describe("# TRADE", function () {
    const slot = 0;
    const fields = (o: SignedOrder): Order => ({ ...o });

    it("rejects a maker order with a wrong signature", async function () {
      await circuit.expectFail(tamper(tradeCase.input, `sigA.${slot}.2`, takerOrder.S), /^ForceEqualIfEnabled\b/);
    });

    it("rejects a taker order signed by another account's key", async function () {
      const forged = orderSignals(signOrder(insecureDevAccountKey(1), fields(takerOrder)));
      await circuit.expectFail(tamper(tradeCase.input, `sigB.${slot}`, forged.sig), /^ForceEqualIfEnabled\b/);
    });

    it("rejects a reused nonce (an order replayed after its trade)", async function () {
      const next = honest(tradeCase.state, {
        header: signedHeader(tradeCase.state, 3_000n),
        ops: [trade(devOrder(tradeCase.state, { ...fields(makerOrder), nonce: 1n }), devOrder(tradeCase.state, { ...fields(takerOrder), nonce: 1n }), 5n)],
        deposits: [],
      });
      await circuit.expectPass(next.input, next.inputHash);
      await circuit.expectFail(withOrder(next.input, slot, "maker", fields(makerOrder)), /^OrderChecks\b/);
    });

    it("rejects a fill beyond the taker's limit price", async function () {
      await circuit.expectFail(withOrder(tradeCase.input, slot, "taker", { ...fields(takerOrder), limitPrice: BTC + 1n }), /^TradeOp\b/);
    });

    it("rejects a fill beyond the maker order's size", async function () {
      await circuit.expectFail(withOrder(tradeCase.input, slot, "maker", { ...fields(makerOrder), size: 4n }), /^TradeOp\b/);
    });

    it("rejects an expired order", async function () {
      await circuit.expectFail(withOrder(tradeCase.input, slot, "taker", { ...fields(takerOrder), expiry: 1_999n }), /^OrderChecks\b/);
    });

    it("rejects orders on the same side", async function () {
      await circuit.expectFail(withOrder(tradeCase.input, slot, "taker", { ...fields(takerOrder), isBuy: true }), /^TradeOp\b/);
    });

    it("rejects a fee above the order's maximum", async function () {
      await circuit.expectFail(withOrder(tradeCase.input, slot, "taker", { ...fields(takerOrder), maxFeeBps: 4n }), /^TradeOp\b/);
    });

    it("rejects a trade that leaves the taker below initial margin", async function () {
      // Taker sells 1,000 lots at 60 USDC with 10,000 USDC: at mark 60 the worst
      // scenario (+10%) loses 6,000, fine; at mark 66 equity is 4,000 < 6,000.
      const maker = devOrder(funded, { accountIndex: 1, marketId: 1, isBuy: true, size: 1_000n, limitPrice: BTC });
      const taker = devOrder(funded, { accountIndex: 2, marketId: 1, isBuy: false, size: 1_000n, limitPrice: BTC });
      const atMark = honest(funded, { header: signedHeader(funded, 2_000n), ops: [trade(maker, taker, 1_000n)], deposits: [] });
      await circuit.expectPass(atMark.input, atMark.inputHash);

      const spiked = signedHeader(funded, 2_000n, [66n * USDC, ...funded.global.markets.slice(1).map((m) => m.markPrice)]);
      expect(() => honest(funded, { header: spiked, ops: [trade(maker, taker, 1_000n)], deposits: [] })).to.throw(/INSUFFICIENT_MARGIN/);
      let input = tamper(atMark.input, "price", spiked.markPrices.map(String));
      input = tamper(input, "oracleSigR8x", spiked.signatures.map((x) => x.R8x.toString()));
      input = tamper(input, "oracleSigR8y", spiked.signatures.map((x) => x.R8y.toString()));
      input = tamper(input, "oracleSigS", spiked.signatures.map((x) => x.S.toString()));
      await circuit.expectFail(input, /^OpSlot\b/);
    });

    it("rejects a fill size that overflows 32 bits", async function () {
      const huge = 1n << 32n;
      let input = withOrder(tradeCase.input, slot, "maker", { ...fields(makerOrder), size: huge });
      input = withOrder(input, slot, "taker", { ...fields(takerOrder), size: huge });
      await circuit.expectFail(tamper(input, `q.${slot}`, huge), /^Num2Bits\b/);
    });

    it("rejects a maker price that overflows 48 bits", async function () {
      const input = withOrder(tradeCase.input, slot, "maker", { ...fields(makerOrder), limitPrice: 1n << 48n });
      await circuit.expectFail(withOrder(input, slot, "taker", { ...fields(takerOrder), limitPrice: 1n }), /^Num2Bits\b/);
    });

    it("rejects a position slot that is not the canonical one", async function () {
      await circuit.expectFail(tamper(tradeCase.input, `slotA.${slot}`, 1n), /^PositionSlotSelect\b/);
    });

    it("rejects a trade of an account with itself", async function () {
      await circuit.expectFail(tamper(tradeCase.input, `bIndex.${slot}`, 1n), /^(OpSlot|TradeOp)\b/);
    });
  });

  describe("# accounts tree", function () {
    it("rejects a wrong Merkle path", async function () {
      const sib = BigInt(tradeCase.input.aSiblings[0][0][0] as string);
      await circuit.expectFail(tamper(tradeCase.input, "aSiblings.0.0.0", sib + 1n), /^QuadMerkleUpdate\b/);
    });

    it("rejects a wrong old accounts root", async function () {
      await circuit.expectFail(tamper(tradeCase.input, "oldAccountsRoot", BigInt(tradeCase.input.oldAccountsRoot as string) + 1n), /^QuadMerkleUpdate\b/);
    });

    it("rejects an account state that is not the one in the tree (inflated collateral)", async function () {
      await circuit.expectFail(tamper(tradeCase.input, "aCollateral.0", 1_000_000n * USDC), /^QuadMerkleUpdate\b/);
    });

    it("rejects a position that is not the one in the tree, in either half of a slot pair (the leaf's pairHash)", async function () {
      for (const field of ["aSize.0.0", "aSize.0.1", "aFundingSnapshot.0.1", "bFundingSnapshot.0.0"]) {
        const [name, op, j] = field.split(".");
        const value = BigInt((tradeCase.input[name] as string[][])[Number(op)][Number(j)]);
        await circuit.expectFail(tamper(tradeCase.input, field, value + 1n), /^QuadMerkleUpdate\b/);
      }
    });

    it("rejects fees that were never charged credited to the insurance fund", async function () {
      await circuit.expectFail(tamper(tradeCase.input, "fundCollateral", 1n), /^QuadMerkleUpdate\b/);
    });
  });

  describe("# DEPOSIT", function () {
    let depositCase: ProvenCase;
    before(async function () {
      const genesis = await devGenesis();
      depositCase = honest(genesis, {
        header: signedHeader(genesis, 1_000n),
        ops: [{ type: "DEPOSIT" }, { type: "DEPOSIT" }],
        deposits: [depositNew(1, 10_000n * USDC), depositNew(2, 20_000n * USDC)],
      });
    });

    it("rejects deposits taken out of queue order", async function () {
      let bad = depositCase.input;
      for (const f of ["depositAccountIndex", "depositAx", "depositAy", "depositAmount"]) {
        const [x, y] = depositCase.input[f] as string[];
        bad = tamper(bad, f, [y, x]);
      }
      await circuit.expectFail(bad, /^DepositOp\b/);
    });

    it("binds each deposited amount into the public input (through the L1 chain head)", async function () {
      const genesis = await devGenesis();
      const more = honest(genesis, {
        header: signedHeader(genesis, 1_000n),
        ops: [{ type: "DEPOSIT" }, { type: "DEPOSIT" }],
        deposits: [depositNew(1, 10_001n * USDC), depositNew(2, 20_000n * USDC)],
      });
      await circuit.expectPass(more.input, more.inputHash);
      expect(more.inputHash).to.not.equal(depositCase.inputHash);
    });

    it("rejects a new key deposited onto an account that exists", async function () {
      const c = honest(funded, { header: signedHeader(funded, 2_000n), ops: [{ type: "DEPOSIT" }], deposits: [topUp(1, 5n * USDC)] });
      await circuit.expectFail(tamper(c.input, "depositAx.0", 12345n), /^DepositOp\b/);
    });

    it("rejects a zero-amount deposit", async function () {
      await circuit.expectFail(tamper(depositCase.input, "depositAmount.0", 0n), /^DepositOp\b/);
    });

    it("makes the queue position part of the public input", async function () {
      const a = await circuit.inputHash(depositCase.input);
      expect(a).to.equal(depositCase.inputHash);
      const genesis = await devGenesis();
      const swapped = honest(genesis, {
        header: signedHeader(genesis, 1_000n),
        ops: [{ type: "DEPOSIT" }, { type: "DEPOSIT" }],
        deposits: [depositNew(2, 20_000n * USDC), depositNew(1, 10_000n * USDC)],
      });
      expect(await circuit.inputHash(swapped.input)).to.not.equal(a);
    });
  });

  describe("# op slot", function () {
    it("rejects an unknown op type (8)", async function () {
      await circuit.expectFail(tamper(tradeCase.input, "opType.1", 8n), /^OpType\b/);
    });

    it("rejects a NOOP slot that moves money", async function () {
      await circuit.expectFail(tamper(tradeCase.input, "aCollateral.1", 5n), /^QuadMerkleUpdate\b/);
    });
  });
});
