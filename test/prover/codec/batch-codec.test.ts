/** serializeBatch / parseBatch: a lossless JSON round trip, and refusals that name the field. */
import { expect } from "chai";
import { BatchFormatError, parseBatch, serializeBatch, type SerializedBatch } from "../../../prover/codec/batch-codec";
import { devLiquidation, devWithdrawal, forcedRequest, signedHeader } from "../../../prover/dev/fixtures";
import type { Batch } from "../../../prover/state/batch";
import { ciGenesis, scenario } from "../service/fixtures";

/** A batch with every op type (not one the rules accept: the codec does not care). */
function everyOp(states: ReturnType<typeof scenario>["states"]): Batch {
  const s = states[states.length - 1];
  return {
    header: signedHeader(s, 5000n, undefined, undefined, s.global.markets.map((_, j) => (j === 0 ? -123_456n : 0n))),
    ops: [
      { type: "NOOP" },
      { type: "DEPOSIT" },
      devWithdrawal(s, 1, 7n * 1_000_000n),
      devLiquidation(s, { liquidatorIndex: 2, liquidateeIndex: 1, marketId: 1 }, 3n),
      { type: "SETTLE", accountIndex: 2, marketId: 2 },
      { type: "DELEVERAGE", bankrupt: 1, counterparty: 2, marketId: 1, q: 4n, price: 59_999_999n },
      { type: "FORCED_WITHDRAW" },
    ],
    deposits: [{ accountIndex: 3, ax: 0n, ay: 0n, amount: 5n }, forcedRequest(2, 9n)],
  };
}

function refusal(json: unknown): BatchFormatError {
  try {
    parseBatch(json);
  } catch (err) {
    expect(err).to.be.instanceOf(BatchFormatError);
    return err as BatchFormatError;
  }
  throw new Error("expected a BatchFormatError");
}

describe("prover/service: batch JSON", function () {
  let batches: Batch[];
  let trade: SerializedBatch;
  let every: Batch;

  before(async function () {
    const sc = scenario(await ciGenesis(), 2);
    batches = sc.batches;
    trade = serializeBatch(batches[1]);
    every = everyOp(sc.states);
  });

  it("round-trips every op type and the header's signed funding rates", function () {
    const json = serializeBatch(every);
    expect(json.header.fundingRates[0]).to.equal("-123456");
    expect(json.header.fundingRates.slice(1).every((r) => r === "0")).to.equal(true);
    expect(json.ops.map((o) => o.type)).to.deep.equal(["NOOP", "DEPOSIT", "WITHDRAW", "LIQUIDATE", "SETTLE", "DELEVERAGE", "FORCED_WITHDRAW"]);
    expect(parseBatch(JSON.parse(JSON.stringify(json)))).to.deep.equal(every);
  });

  it("refuses malformed lifecycle ops and funding rates, naming the field", function () {
    const t = () => JSON.parse(JSON.stringify(serializeBatch(every)));
    const cases: [(b: ReturnType<typeof t>) => void, string, RegExp][] = [
      [(b) => (b.header.fundingRates[0] = "-0"), "header.fundingRates[0]", /not a decimal integer/],
      [(b) => (b.header.fundingRates[1] = 5), "header.fundingRates[1]", /expected a decimal string/],
      [(b) => b.header.fundingRates.pop(), "header.fundingRates", /(\d+) funding rates for (\d+) mark prices/],
      [(b) => delete b.header.fundingRates, "header.fundingRates", /expected an array/],
      [(b) => (b.header.markPrices[0] = "-1"), "header.markPrices[0]", /non-negative/],
      [(b) => (b.ops[2].amount = "-5"), "ops[2].amount", /non-negative/],
      [(b) => delete b.ops[2].signature.S, "ops[2].signature.S", /expected a non-negative decimal string/],
      [(b) => (b.ops[2].signature.T = "1"), "ops[2].signature.T", /unknown field/],
      [(b) => (b.ops[3].liquidator.maxSize = "1.5"), "ops[3].liquidator.maxSize", /not a non-negative decimal integer/],
      [(b) => (b.ops[3].liquidatee = -1), "ops[3].liquidatee", /non-negative integer/],
      [(b) => (b.ops[4].marketId = "2"), "ops[4].marketId", /non-negative integer/],
      [(b) => (b.ops[5].price = 1), "ops[5].price", /decimal string/],
      [(b) => (b.ops[6].entry = {}), "ops[6].entry", /unknown field/],
      [(b) => (b.ops[0].type = "SWAP"), "ops[0].type", /expected one of "NOOP", "DEPOSIT", "TRADE", "WITHDRAW"/],
    ];
    for (const [mutate, field, problem] of cases) {
      const b = t();
      mutate(b);
      const err = refusal(b);
      expect(err.field, field).to.equal(field);
      expect(err.message, field).to.match(problem);
    }
  });

  it("round-trips deposits, signed orders and oracle signatures through JSON text", function () {
    for (const b of batches) {
      const text = JSON.stringify(serializeBatch(b));
      expect(parseBatch(JSON.parse(text))).to.deep.equal(b);
    }
  });

  it("writes every bigint as a decimal string", function () {
    const op = trade.ops[0];
    if (op.type !== "TRADE") throw new Error("scenario batch 2 is a trade");
    expect(op.maker.limitPrice).to.equal("60000000");
    expect(typeof op.maker.R8x).to.equal("string");
    expect(trade.header.timestamp).to.be.a("string");
  });

  it("names the field of a number where a decimal string is expected", function () {
    const bad = JSON.parse(JSON.stringify(trade));
    bad.ops[0].maker.limitPrice = 60000000;
    const err = refusal(bad);
    expect(err.field).to.equal("ops[0].maker.limitPrice");
    expect(err.code).to.equal("PRV_ERR_BAD_BATCH");
    expect(err.message).to.match(/expected a non-negative decimal string/);
  });

  it("refuses malformed decimals, unknown op types, unknown fields and missing parts", function () {
    const t = () => JSON.parse(JSON.stringify(trade));
    const cases: [(b: ReturnType<typeof t>) => void, string][] = [
      [(b) => (b.header.markPrices[1] = "1e6"), "header.markPrices[1]"],
      [(b) => (b.header.signatures[0].S = "0x12"), "header.signatures[0].S"],
      [(b) => (b.ops[0].type = "TRANSFER"), "ops[0].type"],
      [(b) => (b.ops[0].type = "WITHDRAW"), "ops[0].maker"], // a known type with the wrong fields: the first unknown one
      [(b) => (b.ops[0].taker.isBuy = "yes"), "ops[0].taker.isBuy"],
      [(b) => (b.ops[0].taker.accountIndex = 1.5), "ops[0].taker.accountIndex"],
      [(b) => (b.ops[0].makerFee = "1"), "ops[0].makerFee"],
      [(b) => delete b.deposits, "deposits"],
    ];
    for (const [mutate, field] of cases) {
      const b = t();
      mutate(b);
      expect(refusal(b).field, field).to.equal(field);
    }
    expect(refusal(null).field).to.equal("batch");
  });
});
