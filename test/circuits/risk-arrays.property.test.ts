/**
 * Differential test of risk arrays that change in a header: random new arrays within
 * |pnl| < 2^62 (small values, values near the bound, both signs), put in force by a
 * signed header with a trade and a deposit under them; for every batch the rules accept
 * the circuit must be provable with the honest input and give the rules' inputHash, which
 * commits to the new riskHash in the header bytes and to the new state root.
 * Witness generation only; few runs (each is a full ci witness).
 */
import { expect } from "chai";
import fc from "fast-check";
import { RuleError } from "../../prover/state/errors";
import type { State } from "../../prover/state/state";
import { ciBatchCircuit, fundedGenesis, honest, type BatchCircuit } from "../helpers/batch-circuit";
import { CI_PARAMS, devOrder, signedHeader, topUp, trade } from "../prover/state/fixtures";

const USDC = 1_000_000n;
const EDGE = 2n ** 62n - 1n;

const entry = fc.oneof(
  { weight: 4, arbitrary: fc.bigInt({ min: -100n * USDC, max: 100n * USDC }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -EDGE, max: EDGE }) },
  { weight: 1, arbitrary: fc.constantFrom(-EDGE, EDGE, 0n) },
);
const arrays = fc.array(fc.array(entry, { minLength: CI_PARAMS.scenarios, maxLength: CI_PARAMS.scenarios }), {
  minLength: CI_PARAMS.markets,
  maxLength: CI_PARAMS.markets,
});

describe("circuits: BatchSettle equals the reference rules on random new risk arrays", function () {
  let circuit: BatchCircuit;
  let funded: State;

  before(async function () {
    circuit = await ciBatchCircuit();
    funded = await fundedGenesis();
  });

  it("gives the rules' inputHash for every batch with new arrays that the rules accept", async function () {
    let proven = 0;
    await fc.assert(
      fc.asyncProperty(arrays, fc.bigInt({ min: 1n, max: 20n }), async (pnl, q) => {
        const maker = devOrder(funded, { accountIndex: 1, marketId: 2, isBuy: true, size: q, limitPrice: 60n * USDC });
        const taker = devOrder(funded, { accountIndex: 2, marketId: 2, isBuy: false, size: q, limitPrice: 60n * USDC });
        const header = signedHeader(funded, 2_000n, undefined, undefined, undefined, pnl);
        // A deposit always fits; the trade only when the new arrays leave enough margin.
        for (const ops of [[trade(maker, taker, q), { type: "DEPOSIT" as const }], [{ type: "DEPOSIT" as const }]]) {
          let c;
          try {
            c = honest(funded, { header, ops, deposits: [topUp(1, USDC)] });
          } catch (e) {
            if (e instanceof RuleError && e.code === "INSUFFICIENT_MARGIN") continue;
            throw e;
          }
          expect(c.state.global.risk.pnl).to.deep.equal(pnl);
          expect(await circuit.inputHash(c.input)).to.equal(c.inputHash);
          proven++;
          break;
        }
      }),
      { numRuns: 6, seed: 909 },
    );
    expect(proven).to.equal(6);
  });
});
