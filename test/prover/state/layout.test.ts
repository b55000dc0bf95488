import { expect } from "chai";
import { createHash } from "node:crypto";
import fc from "fast-check";
import {
  FIELD_MODULUS,
  LayoutError,
  OP_TYPES,
  decodeBatchData,
  decodeHeader,
  decodeOp,
  encodeBatchData,
  encodeHeader,
  encodeOp,
  hashedBytes,
  inputHash,
  layoutFor,
  type LayoutParams,
  type WireOp,
  type WireOpInput,
} from "../../../prover/state/layout";
import { loadParams, ParamsError } from "../../../prover/state/params";

const ci = loadParams("ci");
const prod = loadParams("prod");
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

function expectLayoutError(fn: () => unknown, code: string, field: string): LayoutError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(LayoutError);
    const err = e as LayoutError;
    expect(err.code).to.equal(code);
    expect(err.field).to.equal(field);
    expect(err.message).to.contain(field);
    return err;
  }
  expect.fail(`expected a LayoutError ${code} on ${field}`);
}

const trade = (over: Partial<Extract<WireOpInput, { type: "TRADE" }>> = {}): WireOpInput => ({
  type: "TRADE",
  makerIndex: 1,
  takerIndex: 2,
  marketId: 1,
  makerIsBuy: true,
  q: 5n,
  price: 1_000_000n,
  makerFeeBps: 3,
  takerFeeBps: 7,
  ...over,
});

describe("layout (protocol.md section 7)", () => {
  describe("# loadParams", () => {
    it("loads the ci and prod parameter sets", () => {
      expect(ci).to.deep.equal({ accountDepth: 2, positionSlots: 2, markets: 4, scenarios: 4, batchSize: 2, oracleKeys: 3, oracleQuorum: 2 });
      expect(prod.accountDepth).to.equal(12);
    });
    it("rejects a name that is not a plain file name", () => {
      expect(() => loadParams("../x")).to.throw(ParamsError);
    });
  });

  describe("# layoutFor", () => {
    it("gives the ci widths: IDX 1, OP_BYTES 15, header 4 + 9·4 + 32 = 72, data 170, risk tail 4·4·8 = 128", () => {
      const L = layoutFor(ci);
      expect([L.IDX, L.OP_BYTES, L.HEADER_BYTES, L.OP_DATA_BYTES, L.DATA_BYTES, L.HASHED_BYTES, L.MAX_ACCOUNTS, L.RISK_TAIL_BYTES]).to.deep.equal([
        1, 15, 72, 30, 170, 198, 16, 128,
      ]);
    });
    it("gives the prod widths: IDX 3, OP_BYTES 19, header 4 + 9·8 + 32 = 108, data 784, risk tail 8·16·8 = 1024", () => {
      const L = layoutFor(prod);
      expect([L.IDX, L.OP_BYTES, L.HEADER_BYTES, L.DATA_BYTES, L.MAX_ACCOUNTS, L.RISK_TAIL_BYTES]).to.deep.equal([3, 19, 108, 68 + 108 + 608, 4 ** 12, 1024]);
    });
    it("gives every op type the same slot fields at the TRADE offsets", () => {
      const L = layoutFor(prod);
      expect(Object.values(L.slot)).to.deep.equal(Object.values(L.trade));
      expect(Object.keys(L.slot)).to.deep.equal(["type", "aIndex", "bIndex", "q", "value", "feeA", "feeB"]);
    });
    it("places the TRADE fields back to back and fills the slot exactly", () => {
      for (let D = 1; D <= 15; D++) {
        const L = layoutFor({ accountDepth: D, markets: 1, batchSize: 1, scenarios: 1 });
        const fields = Object.values(L.trade);
        let offset = 0;
        for (const f of fields) {
          expect(f.offset).to.equal(offset);
          offset += f.width;
        }
        expect(offset).to.equal(L.OP_BYTES);
        expect(2 ** (8 * L.IDX)).to.be.at.least(L.MAX_ACCOUNTS);
      }
    });
    it("places the calldata and hashed fields at the documented offsets", () => {
      const L = layoutFor(prod);
      const at = (s: { offset: number; width: number }) => [s.offset, s.width];
      expect(Object.values(L.data).map(at)).to.deep.equal([
        [0, 32],
        [32, 32],
        [64, 4],
        [68, L.HEADER_BYTES],
        [68 + L.HEADER_BYTES, L.OP_DATA_BYTES],
        [L.DATA_BYTES, L.RISK_TAIL_BYTES],
      ]);
      expect(Object.keys(L.data)).to.deep.equal(["oldStateRoot", "newStateRoot", "depositsEnd", "header", "ops", "riskTail"]);
      expect(L.data.ops.offset + L.data.ops.width).to.equal(L.DATA_BYTES);
      expect(L.header.riskHash).to.deep.equal({ offset: 4 + 9 * prod.markets, width: 32 });
      expect(L.header.riskHash.offset + L.header.riskHash.width).to.equal(L.HEADER_BYTES);
      expect(L.hashed.depositHead.offset).to.equal(64 + L.HEADER_BYTES);
      expect(L.hashed.ops.offset + L.hashed.ops.width).to.equal(L.HASHED_BYTES);
    });
    it("rejects parameters outside protocol.md section 1", () => {
      expectLayoutError(() => layoutFor({ accountDepth: 16, markets: 2, batchSize: 2, scenarios: 4 }), "LAYOUT_FIELD_RANGE", "accountDepth");
      expectLayoutError(() => layoutFor({ accountDepth: 2, markets: 0, batchSize: 2, scenarios: 4 }), "LAYOUT_FIELD_RANGE", "markets");
      expectLayoutError(() => layoutFor({ accountDepth: 2, markets: 14, batchSize: 2, scenarios: 4 }), "LAYOUT_FIELD_RANGE", "markets");
      expectLayoutError(() => layoutFor({ accountDepth: 2, markets: 2, batchSize: 0, scenarios: 4 }), "LAYOUT_FIELD_RANGE", "batchSize");
      expectLayoutError(() => layoutFor({ accountDepth: 2, markets: 2, batchSize: 2, scenarios: 17 }), "LAYOUT_FIELD_RANGE", "scenarios");
    });
  });

  describe("# encodeHeader", () => {
    it("writes timestamp uint32 then per market price uint48 ‖ rate + 2^23 uint24, then riskHash (32), big-endian", () => {
      const bytes = encodeHeader(ci, { riskHash: 7, timestamp: 0x01020304, markPrices: [0x0a0b0c0d0e0fn, 1, 2, 3], fundingRates: [5, -1, 0, 2 ** 23 - 1] });
      expect(hex(bytes)).to.equal(
        "01020304" + "0a0b0c0d0e0f" + "800005" + "000000000001" + "7fffff" + "000000000002" + "800000" + "000000000003" + "ffffff" + "07".padStart(64, "0"),
      );
      expect(decodeHeader(ci, bytes)).to.deep.equal({
        timestamp: 0x01020304,
        markPrices: [0x0a0b0c0d0e0fn, 1n, 2n, 3n],
        fundingRates: [5n, -1n, 0n, 2n ** 23n - 1n],
        riskHash: 7n,
      });
    });
    it("writes rate 0 (offset 2^23) for every market when the rates are omitted", () => {
      expect(hex(encodeHeader(ci, { riskHash: 7, timestamp: 1, markPrices: [1, 1, 1, 1] }))).to.equal("00000001" + ("000000000001" + "800000").repeat(4) + "07".padStart(64, "0"));
    });
    it("writes riskHash r − 1 and rejects r (one encoding per hash, as the circuit's Num2Bits_strict)", () => {
      const L = layoutFor(ci);
      const bytes = encodeHeader(ci, { riskHash: FIELD_MODULUS - 1n, timestamp: 1, markPrices: [1, 1, 1, 1] });
      expect(decodeHeader(ci, bytes).riskHash).to.equal(FIELD_MODULUS - 1n);
      expectLayoutError(() => encodeHeader(ci, { riskHash: FIELD_MODULUS, timestamp: 1, markPrices: [1, 1, 1, 1] }), "LAYOUT_FIELD_RANGE", "header.riskHash");
      bytes.fill(0xff, L.header.riskHash.offset);
      expectLayoutError(() => decodeHeader(ci, bytes), "LAYOUT_FIELD_RANGE", "header.riskHash");
    });
    it("rejects a funding rate of ±2^23 naming its market, and decodes no rate field of 0", () => {
      expectLayoutError(() => encodeHeader(ci, { riskHash: 7, timestamp: 1, markPrices: [1, 1, 1, 1], fundingRates: [0, 0, -(2 ** 23), 0] }), "LAYOUT_FIELD_RANGE", "header.fundingRates[2]");
      expectLayoutError(() => encodeHeader(ci, { riskHash: 7, timestamp: 1, markPrices: [1, 1, 1, 1], fundingRates: [2n ** 23n, 0, 0, 0] }), "LAYOUT_FIELD_RANGE", "header.fundingRates[0]");
      const bytes = encodeHeader(ci, { riskHash: 7, timestamp: 1, markPrices: [1, 1, 1, 1] });
      bytes.fill(0, 4 + 9 + 6, 4 + 9 + 9);
      expectLayoutError(() => decodeHeader(ci, bytes), "LAYOUT_FIELD_RANGE", "header.fundingRates[1]");
    });
    it("rejects a timestamp of 2^32 naming header.timestamp", () => {
      const err = expectLayoutError(() => encodeHeader(ci, { riskHash: 7, timestamp: 2 ** 32, markPrices: [1, 1, 1, 1] }), "LAYOUT_FIELD_RANGE", "header.timestamp");
      expect(err.value).to.equal(2 ** 32);
    });
    it("rejects a mark price of 2^48 naming its market", () => {
      expectLayoutError(() => encodeHeader(ci, { riskHash: 7, timestamp: 1, markPrices: [1, 2n ** 48n, 1, 1] }), "LAYOUT_FIELD_RANGE", "header.markPrices[1]");
    });
    it("rejects a negative or fractional value", () => {
      expectLayoutError(() => encodeHeader(ci, { riskHash: 7, timestamp: -1, markPrices: [1, 1, 1, 1] }), "LAYOUT_FIELD_RANGE", "header.timestamp");
      expectLayoutError(() => encodeHeader(ci, { riskHash: 7, timestamp: 1.5, markPrices: [1, 1, 1, 1] }), "LAYOUT_FIELD_RANGE", "header.timestamp");
    });
    it("rejects a price or rate count other than M", () => {
      expectLayoutError(() => encodeHeader(ci, { riskHash: 7, timestamp: 1, markPrices: [1] }), "LAYOUT_LENGTH", "header.markPrices");
      expectLayoutError(() => encodeHeader(ci, { riskHash: 7, timestamp: 1, markPrices: [1, 1, 1, 1], fundingRates: [0] }), "LAYOUT_LENGTH", "header.fundingRates");
    });
  });

  describe("# encodeOp", () => {
    it("encodes NOOP and DEPOSIT as their type byte then zeros", () => {
      expect(hex(encodeOp(ci, { type: "NOOP" }))).to.equal("00".repeat(15));
      expect(hex(encodeOp(ci, { type: "DEPOSIT" }))).to.equal("20" + "00".repeat(14));
    });
    it("encodes a TRADE as type‖side‖market ‖ maker ‖ taker ‖ q ‖ price ‖ fees", () => {
      const bytes = encodeOp(prod, trade({ makerIndex: 0x010203, takerIndex: 4, marketId: 5, makerIsBuy: true, q: 0x11223344, price: 0xaabbccddeeffn }));
      expect(hex(bytes)).to.equal("55" + "010203" + "000004" + "11223344" + "aabbccddeeff" + "03" + "07");
    });
    it("puts the type in bits 5-7 of the first byte, makerIsBuy in bit 4, marketId in bits 0-3", () => {
      expect(encodeOp(ci, trade({ marketId: 3, makerIsBuy: false }))[0]).to.equal(0x43);
      expect(encodeOp(ci, trade({ marketId: 3, makerIsBuy: true }))[0]).to.equal(0x53);
      expect(encodeOp(ci, trade({ marketId: 15, makerIsBuy: true }))[0]).to.equal(0x5f);
      expect(encodeOp(ci, { type: "FORCED_WITHDRAW", accountIndex: 1, amount: 1n })[0]).to.equal(0xe0);
    });
    const cases: [string, Partial<Extract<WireOpInput, { type: "TRADE" }>>][] = [
      ["makerIndex", { makerIndex: 16 }], // ci: 4^2 accounts, although IDX = 1 byte holds 255
      ["takerIndex", { takerIndex: -1 }],
      ["marketId", { marketId: 16 }],
      ["q", { q: 2n ** 32n }],
      ["price", { price: 2n ** 48n }],
      ["makerFeeBps", { makerFeeBps: 256 }],
      ["takerFeeBps", { takerFeeBps: 1000 }],
    ];
    for (const [field, over] of cases) {
      it(`rejects a ${field} that does not fit, naming op.${field} and the value`, () => {
        const err = expectLayoutError(() => encodeOp(ci, trade(over)), "LAYOUT_FIELD_RANGE", `op.${field}`);
        expect(err.value).to.equal(Object.values(over)[0]);
        expect(err.message).to.contain(String(Object.values(over)[0]));
      });
    }
    it("rejects an unknown op type", () => {
      expectLayoutError(() => encodeOp(ci, { type: "TRANSFER" } as unknown as WireOpInput), "LAYOUT_OP_TYPE", "op.type");
    });
    it("encodes WITHDRAW as type ‖ account ‖ 0 ‖ 0 ‖ amount ‖ 0 ‖ 0", () => {
      expect(hex(encodeOp(prod, { type: "WITHDRAW", accountIndex: 0x010203, amount: 0xaabbccddeeffn }))).to.equal(
        "60" + "010203" + "000000" + "00000000" + "aabbccddeeff" + "00" + "00",
      );
    });
    it("encodes LIQUIDATE as type‖marketId ‖ liquidatee ‖ liquidator ‖ q ‖ 0 ‖ 0 ‖ 0", () => {
      expect(hex(encodeOp(prod, { type: "LIQUIDATE", liquidatee: 7, liquidator: 9, marketId: 3, q: 0x11223344n }))).to.equal(
        "83" + "000007" + "000009" + "11223344" + "000000000000" + "00" + "00",
      );
    });
    it("encodes SETTLE as type‖marketId ‖ account ‖ 0 …", () => {
      expect(hex(encodeOp(ci, { type: "SETTLE", accountIndex: 5, marketId: 2 }))).to.equal("a2" + "05" + "00" + "00".repeat(12));
    });
    it("encodes DELEVERAGE as type‖marketId ‖ bankrupt ‖ counterparty ‖ q ‖ price ‖ 0 ‖ 0", () => {
      expect(hex(encodeOp(ci, { type: "DELEVERAGE", bankrupt: 3, counterparty: 4, marketId: 1, q: 2, price: 61_000_000n }))).to.equal(
        "c1" + "03" + "04" + "00000002" + "000003a2c940" + "00" + "00",
      );
    });
    it("rejects the fields of the new op types that do not fit, naming them", () => {
      expectLayoutError(() => encodeOp(ci, { type: "WITHDRAW", accountIndex: 1, amount: 2n ** 48n }), "LAYOUT_FIELD_RANGE", "op.amount");
      expectLayoutError(() => encodeOp(ci, { type: "LIQUIDATE", liquidatee: 1, liquidator: 16, marketId: 1, q: 1 }), "LAYOUT_FIELD_RANGE", "op.liquidator");
      expectLayoutError(() => encodeOp(ci, { type: "SETTLE", accountIndex: 1, marketId: 16 }), "LAYOUT_FIELD_RANGE", "op.marketId");
      expectLayoutError(() => encodeOp(ci, { type: "DELEVERAGE", bankrupt: 1, counterparty: 2, marketId: 1, q: 2n ** 32n, price: 1 }), "LAYOUT_FIELD_RANGE", "op.q");
    });
  });

  describe("# decodeOp", () => {
    it("rejects non-zero padding after a DEPOSIT", () => {
      const bytes = encodeOp(ci, { type: "DEPOSIT" });
      bytes[14] = 1;
      expectLayoutError(() => decodeOp(ci, bytes), "LAYOUT_PADDING", "op[14]");
    });
    it("decodes every 3-bit type code, and rejects market bits in a type without a market, naming byte 0", () => {
      for (let code = 0; code < 8; code++) expect(decodeOp(ci, Uint8Array.from([code << 5, ...new Uint8Array(14)])).type).to.equal(OP_TYPES[code]);
      const noop = encodeOp(ci, { type: "NOOP" });
      noop[0] = 0x01;
      expectLayoutError(() => decodeOp(ci, noop), "LAYOUT_PADDING", "op[0]");
      const w = encodeOp(ci, { type: "WITHDRAW", accountIndex: 1, amount: 5 });
      w[0] |= 0x10;
      expectLayoutError(() => decodeOp(ci, w), "LAYOUT_PADDING", "op[0]");
    });
    it("rejects a non-zero field that the op type does not use, naming its byte", () => {
      const w = encodeOp(ci, { type: "WITHDRAW", accountIndex: 1, amount: 5 });
      w[2] = 1; // bIndex
      expectLayoutError(() => decodeOp(ci, w), "LAYOUT_PADDING", "op[2]");
      const s = encodeOp(ci, { type: "SETTLE", accountIndex: 1, marketId: 2 });
      s[14] = 9; // feeB
      expectLayoutError(() => decodeOp(ci, s), "LAYOUT_PADDING", "op[14]");
    });
    it("rejects makerIsBuy (bit 4 of the type byte) outside a TRADE", () => {
      const l = encodeOp(ci, { type: "LIQUIDATE", liquidatee: 1, liquidator: 2, marketId: 2, q: 1 });
      l[0] |= 0x10;
      expectLayoutError(() => decodeOp(ci, l), "LAYOUT_FIELD_RANGE", "op.marketId");
    });
    it("rejects an account index at or above 4^D", () => {
      const bytes = encodeOp(ci, trade());
      bytes[1] = 16;
      expectLayoutError(() => decodeOp(ci, bytes), "LAYOUT_FIELD_RANGE", "op.makerIndex");
    });
    it("rejects a slot of the wrong length", () => {
      expectLayoutError(() => decodeOp(ci, new Uint8Array(14)), "LAYOUT_LENGTH", "op");
    });

    const arbTrade = (p: LayoutParams): fc.Arbitrary<WireOp> =>
      fc.record({
        type: fc.constant("TRADE" as const),
        makerIndex: fc.integer({ min: 0, max: 4 ** p.accountDepth - 1 }),
        takerIndex: fc.integer({ min: 0, max: 4 ** p.accountDepth - 1 }),
        marketId: fc.integer({ min: 0, max: 15 }),
        makerIsBuy: fc.boolean(),
        q: fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }),
        price: fc.bigInt({ min: 0n, max: 2n ** 48n - 1n }),
        makerFeeBps: fc.integer({ min: 0, max: 255 }),
        takerFeeBps: fc.integer({ min: 0, max: 255 }),
      });
    const arbOp = (p: LayoutParams): fc.Arbitrary<WireOp> => {
      const idx = fc.integer({ min: 0, max: 4 ** p.accountDepth - 1 });
      const market = fc.integer({ min: 0, max: 15 });
      const q = fc.bigInt({ min: 0n, max: 2n ** 32n - 1n });
      const u48 = fc.bigInt({ min: 0n, max: 2n ** 48n - 1n });
      return fc.oneof(
        fc.constant<WireOp>({ type: "NOOP" }),
        fc.constant<WireOp>({ type: "DEPOSIT" }),
        arbTrade(p),
        fc.record({ type: fc.constant("WITHDRAW" as const), accountIndex: idx, amount: u48 }),
        fc.record({ type: fc.constant("LIQUIDATE" as const), liquidatee: idx, liquidator: idx, marketId: market, q }),
        fc.record({ type: fc.constant("SETTLE" as const), accountIndex: idx, marketId: market }),
        fc.record({ type: fc.constant("DELEVERAGE" as const), bankrupt: idx, counterparty: idx, marketId: market, q, price: u48 }),
      );
    };

    it("is the inverse of encodeOp for every depth (property)", () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 15 }).chain((D) => fc.tuple(fc.constant(D), arbOp({ accountDepth: D, markets: 1, batchSize: 1, scenarios: 1 }))),
          ([D, op]) => {
            const p = { accountDepth: D, markets: 1, batchSize: 1, scenarios: 1 };
            const bytes = encodeOp(p, op);
            expect(bytes.length).to.equal(layoutFor(p).OP_BYTES);
            expect(decodeOp(p, bytes)).to.deep.equal(op);
          },
        ),
        { numRuns: 500 },
      );
    });

    it("round-trips whole batches through encodeBatchData/decodeBatchData (property)", () => {
      const arbBatch = fc.record({
        oldStateRoot: fc.bigInt({ min: 0n, max: FIELD_MODULUS - 1n }),
        newStateRoot: fc.bigInt({ min: 0n, max: FIELD_MODULUS - 1n }),
        depositsEnd: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        header: fc.record({
          timestamp: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
          markPrices: fc.array(fc.bigInt({ min: 0n, max: 2n ** 48n - 1n }), { minLength: prod.markets, maxLength: prod.markets }),
          fundingRates: fc.array(fc.bigInt({ min: -(2n ** 23n) + 1n, max: 2n ** 23n - 1n }), { minLength: prod.markets, maxLength: prod.markets }),
          riskHash: fc.bigInt({ min: 0n, max: FIELD_MODULUS - 1n }),
        }),
        ops: fc.array(arbOp(prod), { minLength: prod.batchSize, maxLength: prod.batchSize }),
      });
      fc.assert(
        fc.property(arbBatch, (batch) => {
          const data = encodeBatchData(prod, batch);
          expect(data.length).to.equal(layoutFor(prod).DATA_BYTES);
          expect(decodeBatchData(prod, data)).to.deep.equal(batch);
        }),
        { numRuns: 100 },
      );
    });
  });

  describe("# encodeBatchData", () => {
    const header = { timestamp: 1_700_000_000, markPrices: [100n, 200n, 300n, 400n], fundingRates: [-7n, 0n, 0n, 0n], riskHash: 5n };
    it("pads a short op list with NOOPs to N slots", () => {
      const data = encodeBatchData(ci, { oldStateRoot: 0n, newStateRoot: 1n, depositsEnd: 0, header, ops: [{ type: "DEPOSIT" }] });
      expect(decodeBatchData(ci, data).ops).to.deep.equal([{ type: "DEPOSIT" }, { type: "NOOP" }]);
    });
    it("rejects more than N ops", () => {
      const ops: WireOpInput[] = [{ type: "NOOP" }, { type: "NOOP" }, { type: "NOOP" }];
      expectLayoutError(() => encodeBatchData(ci, { oldStateRoot: 0n, newStateRoot: 1n, depositsEnd: 0, header, ops }), "LAYOUT_LENGTH", "ops");
    });
    it("writes oldStateRoot ‖ newStateRoot ‖ depositsEnd ‖ header ‖ ops, the roots as the first 64 hashed bytes", () => {
      const ops: WireOpInput[] = [trade(), { type: "DEPOSIT" }];
      const data = encodeBatchData(ci, { oldStateRoot: 11n, newStateRoot: 22n, depositsEnd: 0x01020304, header, ops });
      const word = (n: bigint): string => n.toString(16).padStart(64, "0");
      expect(hex(data)).to.equal(word(11n) + word(22n) + "01020304" + hex(encodeHeader(ci, header)) + hex(encodeOp(ci, ops[0])) + hex(encodeOp(ci, ops[1])));
      const hashed = hashedBytes(ci, { oldStateRoot: 11n, newStateRoot: 22n, header, depositHead: 33n, ops });
      expect(hex(data.subarray(0, 64))).to.equal(hex(hashed.subarray(0, 64)));
      expect(decodeBatchData(ci, data)).to.deep.include({ oldStateRoot: 11n, newStateRoot: 22n, depositsEnd: 0x01020304 });
    });
    it("rejects an oldStateRoot or newStateRoot of r and a depositsEnd of 2^32", () => {
      expectLayoutError(() => encodeBatchData(ci, { oldStateRoot: FIELD_MODULUS, newStateRoot: 0n, depositsEnd: 0, header, ops: [] }), "LAYOUT_FIELD_RANGE", "oldStateRoot");
      expectLayoutError(() => encodeBatchData(ci, { oldStateRoot: 0n, newStateRoot: FIELD_MODULUS, depositsEnd: 0, header, ops: [] }), "LAYOUT_FIELD_RANGE", "newStateRoot");
      expectLayoutError(() => encodeBatchData(ci, { oldStateRoot: 0n, newStateRoot: 0n, depositsEnd: 2 ** 32, header, ops: [] }), "LAYOUT_FIELD_RANGE", "depositsEnd");
    });
    it("decodes no oldStateRoot of r or more", () => {
      const data = encodeBatchData(ci, { oldStateRoot: 0n, newStateRoot: 0n, depositsEnd: 0, header, ops: [] });
      data.fill(0xff, 0, 32);
      expectLayoutError(() => decodeBatchData(ci, data), "LAYOUT_FIELD_RANGE", "oldStateRoot");
    });
    it("names the slot of an op that does not fit", () => {
      expectLayoutError(
        () => encodeBatchData(ci, { oldStateRoot: 0n, newStateRoot: 0n, depositsEnd: 0, header, ops: [{ type: "NOOP" }, trade({ q: -1 })] }),
        "LAYOUT_FIELD_RANGE",
        "op[1].q",
      );
    });
  });

  describe("# inputHash", () => {
    const input = {
      oldStateRoot: 11n,
      newStateRoot: 22n,
      header: { timestamp: 1_700_000_000, markPrices: [100n, 200n, 300n, 400n], fundingRates: [1n, 0n, 0n, 0n], riskHash: 5n },
      depositHead: 33n,
      ops: [trade(), { type: "DEPOSIT" } as WireOpInput],
    };
    it("hashes oldRoot ‖ newRoot ‖ header ‖ depositHead ‖ ops", () => {
      const bytes = hashedBytes(ci, input);
      const L = layoutFor(ci);
      expect(bytes.length).to.equal(L.HASHED_BYTES);
      const word = (n: bigint): string => n.toString(16).padStart(64, "0");
      expect(hex(bytes)).to.equal(
        word(11n) + word(22n) + hex(encodeHeader(ci, input.header)) + word(33n) + hex(encodeOp(ci, trade())) + hex(encodeOp(ci, { type: "DEPOSIT" })),
      );
    });
    it("is sha256 of the hashed bytes reduced mod r", () => {
      const digest = BigInt("0x" + createHash("sha256").update(hashedBytes(ci, input)).digest("hex"));
      expect(inputHash(ci, input)).to.equal(digest % FIELD_MODULUS);
      expect(inputHash(ci, input) < FIELD_MODULUS).to.equal(true);
    });
    it("rejects a depositHead that is not a field element", () => {
      expectLayoutError(() => inputHash(ci, { ...input, depositHead: FIELD_MODULUS }), "LAYOUT_FIELD_RANGE", "depositHead");
    });
  });
});
