/**
 * Differential test of the state transition: random batches of deposits and trades
 * (with random price moves) applied by the reference rules; for every batch the rules
 * accept, the circuit must be provable with the honest input and produce the same
 * inputHash, which commits to the old and new state roots, the header, the deposit
 * chain head and the op data.
 */
import { expect } from "chai";
import fc from "fast-check";
import { RuleError } from "../../prover/state/errors";
import type { State } from "../../prover/state/state";
import type { Op } from "../../prover/state/batch";
import type { DepositEntry } from "../../prover/state/ops/deposit";
import { ciBatchCircuit, honest, type BatchCircuit } from "../helpers/batch-circuit";
import { depositNew, devGenesis, devOrder, signedHeader, topUp, trade } from "../prover/state/fixtures";

const USDC = 1_000_000n;
const TRADERS = [1, 2, 3];

const tradeSpec = fc.record({
  maker: fc.constantFrom(...TRADERS),
  takerOffset: fc.constantFrom(1, 2),
  marketId: fc.constantFrom(1, 2),
  makerIsBuy: fc.boolean(),
  q: fc.bigInt({ min: 1n, max: 400n }),
  priceBps: fc.integer({ min: -300, max: 300 }),
  makerFeeBps: fc.bigInt({ min: 0n, max: 10n }),
  takerFeeBps: fc.bigInt({ min: 0n, max: 10n }),
});
const slotSpec = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("topUp" as const), account: fc.constantFrom(...TRADERS), amount: fc.bigInt({ min: 1n, max: 5_000n * USDC }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("noop" as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("trade" as const), t: tradeSpec }) },
);
const batchSpec = fc.record({
  slots: fc.array(slotSpec, { minLength: 1, maxLength: 2 }),
  priceMoveBps: fc.array(fc.integer({ min: -800, max: 800 }), { minLength: 2, maxLength: 2 }),
});

describe("circuits: BatchSettle equals the reference rules on random batches", function () {
  let circuit: BatchCircuit;
  before(async function () {
    circuit = await ciBatchCircuit();
  });

  it("gives the rules' inputHash for every batch the rules accept", async function () {
    let proven = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(batchSpec, { minLength: 1, maxLength: 3 }), async (batches) => {
        const genesis = await devGenesis();
        let state: State = honest(genesis, {
          header: signedHeader(genesis, 1_000n),
          ops: [{ type: "DEPOSIT" }, { type: "DEPOSIT" }],
          deposits: [depositNew(1, 20_000n * USDC), depositNew(2, 20_000n * USDC)],
        }).state;
        state = honest(state, { header: signedHeader(state, 1_001n), ops: [{ type: "DEPOSIT" }], deposits: [depositNew(3, 20_000n * USDC)] }).state;
        let timestamp = 1_002n;
        for (const b of batches) {
          const prices = state.global.markets.map((m, i) => (m.markPrice * BigInt(10_000 + b.priceMoveBps[i])) / 10_000n);
          const ops: Op[] = [];
          const deposits: DepositEntry[] = [];
          for (const s of b.slots) {
            if (s.kind === "noop") ops.push({ type: "NOOP" });
            else if (s.kind === "topUp") {
              ops.push({ type: "DEPOSIT" });
              deposits.push(topUp(s.account, s.amount));
            } else {
              const t = s.t;
              const taker = TRADERS[(TRADERS.indexOf(t.maker) + t.takerOffset) % TRADERS.length];
              const price = (prices[t.marketId - 1] * BigInt(10_000 + t.priceBps)) / 10_000n;
              const maker = devOrder(state, { accountIndex: t.maker, marketId: t.marketId, isBuy: t.makerIsBuy, size: t.q, limitPrice: price, maxFeeBps: 10n });
              const takerOrder = devOrder(state, { accountIndex: taker, marketId: t.marketId, isBuy: !t.makerIsBuy, size: t.q, limitPrice: price, maxFeeBps: 10n });
              ops.push(trade(maker, takerOrder, t.q, t.makerFeeBps, t.takerFeeBps));
            }
          }
          let c;
          try {
            c = honest(state, { header: signedHeader(state, timestamp, prices), ops, deposits });
          } catch (e) {
            if (e instanceof RuleError) continue; // refused by the rules: nothing to prove
            throw e;
          }
          expect(await circuit.inputHash(c.input)).to.equal(c.inputHash);
          proven++;
          state = c.state;
          timestamp += 60n;
        }
      }),
      { numRuns: 12, seed: 2026 },
    );
    expect(proven).to.be.greaterThan(10);
  });
});
