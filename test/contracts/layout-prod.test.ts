/**
 * The Solidity decoding of op data at the prod parameters (D = 12: 3-byte account
 * indices, N = 32 slots, M = 8), against the TypeScript encoder and decoder of
 * prover/state/layout. The other contract tests run at ci params, where an index is one
 * byte, so an offset or shift that only holds for IDX = 1 would pass them all.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { EventLog } from "ethers";
import { deploySettlement, type DeployedContract } from "../../prover/chain/deploy";
import { loadParams } from "../../prover/state/params";
import {
  FIELD_MODULUS,
  MARKET_ID_BITS,
  OP_CODE,
  SLOT_USES,
  decodeOps,
  encodeBatchData,
  encodeOps,
  inputHash,
  layoutFor,
  type WireOp,
  type WireOpInput,
} from "../../prover/state/layout";

const PROD = loadParams("prod");
const L = layoutFor(PROD);
const MAX_INDEX = L.MAX_ACCOUNTS - 1; // all IDX bytes 0xff
const MAX_VALUE = (1n << 48n) - 1n;

/** One op of each type, at the edges of every field, then a few mid-range ones. */
const OPS: WireOpInput[] = [
  { type: "WITHDRAW", accountIndex: MAX_INDEX, amount: MAX_VALUE },
  { type: "TRADE", makerIndex: 0x0a0b0c, takerIndex: MAX_INDEX - 1, marketId: 7, makerIsBuy: true, q: 0xffffffffn, price: MAX_VALUE, makerFeeBps: 255, takerFeeBps: 1 },
  { type: "FORCED_WITHDRAW", accountIndex: 0x010203, amount: 0x0102030405n },
  { type: "DEPOSIT" },
  { type: "LIQUIDATE", liquidatee: 0x800000, liquidator: 0x7fffff, marketId: 3, q: 12345n },
  { type: "SETTLE", accountIndex: 65536, marketId: 6 },
  { type: "DELEVERAGE", bankrupt: 256, counterparty: 0x00ff00, marketId: 1, q: 1n, price: 99n },
  { type: "TRADE", makerIndex: 1, takerIndex: 2, marketId: 0, makerIsBuy: false, q: 1n, price: 1n, makerFeeBps: 0, takerFeeBps: 255 },
  { type: "WITHDRAW", accountIndex: 1, amount: 1n },
  { type: "NOOP" },
  { type: "FORCED_WITHDRAW", accountIndex: 0xfffeff, amount: 0n },
  { type: "WITHDRAW", accountIndex: 0x123456, amount: 0xabcdef012345n },
];

/** The raw slot fields spec.ts's decoding puts in a slot (zero where the type uses none). */
function rawSlot(op: WireOp): bigint[] {
  const rec = op as unknown as Record<string, number | bigint | boolean>;
  const uses = SLOT_USES[op.type];
  const get = (f: keyof typeof uses): bigint => (uses[f] === undefined ? 0n : BigInt(rec[uses[f]] as number | bigint));
  const market = get("market") + (op.type === "TRADE" && op.makerIsBuy ? 1n << BigInt(MARKET_ID_BITS) : 0n);
  return [BigInt(OP_CODE[op.type]), get("aIndex"), get("bIndex"), market, get("q"), get("value"), get("feeA"), get("feeB")];
}

describe("# op data layout at prod params (contracts/layout/OpLayout.sol)", function () {
  let harness: DeployedContract;
  let opData: Uint8Array;

  before(async function () {
    harness = (await ethers.deployContract("OpLayoutHarness")) as unknown as DeployedContract;
    opData = encodeOps(PROD, OPS);
  });

  it("sizes are spec.ts's (IDX 3, OP_BYTES 19)", async function () {
    const [idx, opBytes, headerBytes, dataBytes, riskTailBytes] = (await harness.sizes(PROD.accountDepth, PROD.markets, PROD.scenarios, PROD.batchSize)) as bigint[];
    expect([idx, opBytes, headerBytes, dataBytes, riskTailBytes].map(Number)).to.deep.equal([L.IDX, L.OP_BYTES, L.HEADER_BYTES, L.DATA_BYTES, L.RISK_TAIL_BYTES]);
    expect(L.IDX).to.equal(3);
  });

  it("every field of every slot decodes as spec.ts decodes it", async function () {
    const slots = (await harness.decodeOps(opData, PROD.accountDepth, PROD.batchSize)) as bigint[][];
    const expected = decodeOps(PROD, opData);
    expect(slots).to.have.length(PROD.batchSize);
    const names = ["opType", "aIndex", "bIndex", "market", "q", "value", "feeA", "feeB"];
    expected.forEach((op, i) => {
      const want = rawSlot(op);
      names.forEach((n, f) => expect(slots[i][f], `slot ${i} (${op.type}).${n}`).to.equal(want[f]));
    });
  });

  it("the settlement contract credits withdrawals at 3-byte indices and hashes as spec.ts", async function () {
    const [operator] = await ethers.getSigners();
    const token = (await ethers.deployContract("TestToken")) as unknown as DeployedContract;
    const verifier = (await ethers.deployContract("MockVerifier")) as unknown as DeployedContract;
    const genesisStateRoot = 123456789n;
    const { settlement } = await deploySettlement(operator, {
      verifier,
      token,
      genesisStateRoot,
      params: PROD,
      maxOracleDrift: 300,
      genesis: new Uint8Array(0),
    });
    expect(Number(await settlement.OP_BYTES())).to.equal(L.OP_BYTES);
    expect(Number(await settlement.DATA_BYTES())).to.equal(L.DATA_BYTES);

    const header = {
      timestamp: BigInt(await time.latest()),
      markPrices: Array.from({ length: PROD.markets }, (_, m) => 1_000_000n * BigInt(m + 1)),
      fundingRates: Array.from({ length: PROD.markets }, (_, m) => BigInt(m) - 4n),
      riskHash: FIELD_MODULUS - 1n,
    };
    const batch = { oldStateRoot: genesisStateRoot, newStateRoot: FIELD_MODULUS - 2n, depositsEnd: 0, header, ops: OPS };
    const data = encodeBatchData(PROD, batch);
    expect(await settlement.computeInputHash(data)).to.equal(inputHash(PROD, { ...batch, depositHead: 0n }));

    const receipt = await (await settlement.submitBatch(data, [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n])).wait();
    const credited = (receipt.logs as EventLog[])
      .filter((l) => l.fragment?.name === "WithdrawalCredited")
      .map((l) => [Number(l.args.accountIndex), l.args.amount as bigint]);
    const expected = decodeOps(PROD, opData)
      .filter((op) => op.type === "WITHDRAW" || op.type === "FORCED_WITHDRAW")
      .map((op) => [op.accountIndex, op.amount]);
    expect(expected).to.have.length(5);
    expect(credited).to.deep.equal(expected);
  });
});
