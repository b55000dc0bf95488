/** serializeBatch / parseBatch: a lossless JSON round trip, and refusals that name the field. */
import { expect } from "chai";
import { BatchFormatError, parseBatch, serializeBatch, type SerializedBatch } from "../../../prover/service/serialize";
import type { Batch } from "../../../prover/state/batch";
import { ciGenesis, scenario } from "./fixtures";

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

  before(async function () {
    batches = scenario(await ciGenesis(), 2).batches;
    trade = serializeBatch(batches[1]);
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
    expect(err.message).to.match(/expected a decimal string/);
  });

  it("refuses malformed decimals, unknown op types, unknown fields and missing parts", function () {
    const t = () => JSON.parse(JSON.stringify(trade));
    const cases: [(b: ReturnType<typeof t>) => void, string][] = [
      [(b) => (b.header.markPrices[1] = "1e6"), "header.markPrices[1]"],
      [(b) => (b.header.signatures[0].S = "0x12"), "header.signatures[0].S"],
      [(b) => (b.ops[0].type = "WITHDRAW"), "ops[0].type"],
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
