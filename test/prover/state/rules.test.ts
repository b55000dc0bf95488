/**
 * Every rule of protocol.md section 5 that the reference rules refuse, each with
 * the numbers its message must name, and the promise that a refused batch changes
 * nothing.
 */
import fs from "node:fs";
import { expect } from "chai";
import { applyBatch, type Batch, type Op } from "../../../prover/state/batch";
import { RULE_CODES, type RuleCode } from "../../../prover/state/errors";
import type { DepositEntry } from "../../../prover/state/ops/deposit";
import type { Params } from "../../../prover/state/params";
import { signOracle } from "../../../prover/state/signing";
import { riskHash } from "../../../prover/state/global";
import type { State } from "../../../prover/state/state";
import {
  CI_PARAMS,
  INSECURE_DEV_ORACLE_KEYS,
  depositNew,
  devGenesis,
  devOrder,
  insecureDevAccountKey,
  signedHeader,
  topUp,
  trade,
  type OrderSpec,
} from "./fixtures";
import { expectRule, expectSameState } from "./helpers";

const PARAMS: Params = { ...CI_PARAMS, batchSize: 4 };
const USDC = 1_000_000n;
const BTC = 1; // market id of BTC-PERP, 60 USDC per lot
const ETH = 2;
const TS = 2000n;

function batch(s: State, ops: Op[], deposits: DepositEntry[] = [], timestamp = TS): Batch {
  return { header: signedHeader(s, timestamp), ops, deposits };
}

/** Applies a batch that must succeed. */
function ok(s: State, ops: Op[], deposits: DepositEntry[] = [], timestamp = TS): State {
  return applyBatch(s, batch(s, ops, deposits, timestamp)).state;
}

/** Asserts the batch is refused with `code` and the fragments, and changes nothing. */
function refused(s: State, b: Batch, code: RuleCode, ...fragments: string[]): void {
  const copy = s.clone();
  expectRule(() => applyBatch(s, b), code, ...fragments);
  expectSameState(s, copy);
}

const buy = (accountIndex: number, size: bigint, limitPrice: bigint, extra: Partial<OrderSpec> = {}): OrderSpec => ({
  accountIndex,
  marketId: BTC,
  isBuy: true,
  size,
  limitPrice,
  ...extra,
});
const sell = (accountIndex: number, size: bigint, limitPrice: bigint, extra: Partial<OrderSpec> = {}): OrderSpec => ({
  ...buy(accountIndex, size, limitPrice, extra),
  isBuy: false,
  ...extra,
});

describe("prover/state rules: every refusal names the op, the rule and the numbers", () => {
  let s: State; // accounts 1 and 2 with 1,000 USDC, account 3 with 10 USDC; oracleTimestamp 1000

  before(async () => {
    const g = await devGenesis(PARAMS);
    s = ok(g, [{ type: "DEPOSIT" }, { type: "DEPOSIT" }, { type: "DEPOSIT" }], [depositNew(1, 1000n * USDC), depositNew(2, 1000n * USDC), depositNew(3, 10n * USDC)], 1000n);
  });

  const fill = (maker: OrderSpec, taker: OrderSpec, q: bigint, mf = 0n, tf = 0n): Op => trade(devOrder(s, maker), devOrder(s, taker), q, mf, tf);

  it("settles a valid trade (the baseline every refusal below changes one thing of)", () => {
    const next = ok(s, [fill(sell(1, 10n, 60n * USDC), buy(2, 5n, 60n * USDC), 5n)]);
    expect(next.account(2).positions[0]).to.deep.equal({ marketId: BTC, size: 5n, fundingSnapshot: 0n });
    expect(next.account(1).positions[0].size).to.equal(-5n);
  });

  it("rejects a trade that leaves the taker below initial margin", () => {
    refused(s, batch(s, [fill(sell(1, 10n, 60n * USDC), buy(3, 10n, 60n * USDC), 10n)]), "INSUFFICIENT_MARGIN",
      "INSUFFICIENT_MARGIN: TRADE account 3 equity 10.000000 < initial margin 60.000000 after trade", "taker", "(op slot 0)");
  });

  it("rejects an order signed by another account's key", () => {
    const forged = trade(devOrder(s, sell(1, 10n, 60n * USDC), insecureDevAccountKey(2)), devOrder(s, buy(2, 5n, 60n * USDC)), 5n);
    refused(s, batch(s, [forged]), "BAD_SIGNATURE", "TRADE maker order signature does not verify under account 1's key");
  });

  it("rejects a header whose oracle signature is not by the key it names", () => {
    const h = signedHeader(s, TS);
    const wrong = { ...signOracle(INSECURE_DEV_ORACLE_KEYS[2], 1, TS, h.markPrices, h.fundingRates, riskHash(s.global.risk)) };
    refused(s, { header: { ...h, signatures: [h.signatures[0], wrong] }, ops: [], deposits: [] }, "BAD_SIGNATURE", "HEADER oracle signature of key 1");
  });

  it("rejects an order whose nonce is not the account's nonce", () => {
    refused(s, batch(s, [fill(sell(1, 10n, 60n * USDC, { nonce: 5n }), buy(2, 5n, 60n * USDC), 5n)]), "NONCE_MISMATCH", "maker order nonce 5 ≠ account 1 nonce 0");
  });

  it("rejects an order that expired before the header timestamp", () => {
    refused(s, batch(s, [fill(sell(1, 10n, 60n * USDC), buy(2, 5n, 60n * USDC, { expiry: 1999n }), 5n)]), "ORDER_EXPIRED", "timestamp 2000 > expiry 1999");
  });

  it("accepts an order at exactly its expiry", () => {
    ok(s, [fill(sell(1, 10n, 60n * USDC, { expiry: TS }), buy(2, 5n, 60n * USDC), 5n)]);
  });

  it("rejects a maker price above a buying taker's limit", () => {
    refused(s, batch(s, [fill(sell(1, 10n, 61n * USDC), buy(2, 5n, 60n * USDC), 5n)]), "LIMIT_PRICE", "price 61.000000 > buying taker limit 60.000000");
  });

  it("rejects a maker price below a selling taker's limit", () => {
    refused(s, batch(s, [fill(buy(1, 10n, 59n * USDC), sell(2, 5n, 60n * USDC), 5n)]), "LIMIT_PRICE", "price 59.000000 < selling taker limit 60.000000");
  });

  it("rejects a fill larger than either order", () => {
    refused(s, batch(s, [fill(sell(1, 10n, 60n * USDC), buy(2, 5n, 60n * USDC), 6n)]), "FILL_EXCEEDS_ORDER", "q 6 > min(maker size 10, taker size 5) = 5");
  });

  it("rejects two orders on the same side", () => {
    refused(s, batch(s, [fill(buy(1, 10n, 60n * USDC), buy(2, 5n, 60n * USDC), 5n)]), "SAME_SIDE", "maker and taker both buy in market 1");
  });

  it("rejects orders on different markets", () => {
    refused(s, batch(s, [fill(sell(1, 10n, 30n * USDC, { marketId: ETH }), buy(2, 5n, 60n * USDC), 5n)]), "MARKET_MISMATCH", "maker market 2 ≠ taker market 1");
  });

  it("rejects a market id outside 1..M", () => {
    refused(s, batch(s, [fill(sell(1, 10n, 60n * USDC, { marketId: 5 }), buy(2, 5n, 60n * USDC, { marketId: 5 }), 5n)]), "UNKNOWN_MARKET", "maker order market 5 outside 1..4");
  });

  it("rejects a trade of an account with itself", () => {
    refused(s, batch(s, [fill(sell(1, 10n, 60n * USDC), buy(1, 5n, 60n * USDC), 5n)]), "SELF_TRADE", "maker and taker are both account 1");
  });

  it("rejects a trade by an empty account", () => {
    refused(s, batch(s, [fill(sell(1, 10n, 60n * USDC), buy(9, 5n, 60n * USDC), 5n)]), "UNKNOWN_ACCOUNT", "taker account 9 is empty");
  });

  it("rejects a top-up of an empty account", () => {
    refused(s, batch(s, [{ type: "DEPOSIT" }], [topUp(7, 5n * USDC)]), "UNKNOWN_ACCOUNT", "DEPOSIT account 7 is empty");
  });

  it("rejects a new-account deposit onto an existing account", () => {
    refused(s, batch(s, [{ type: "DEPOSIT" }], [depositNew(1, 5n * USDC)]), "ACCOUNT_EXISTS", "DEPOSIT account 1 exists");
  });

  it("rejects a deposit key with ax = 0 and ay ≠ 0", () => {
    refused(s, batch(s, [{ type: "DEPOSIT" }], [{ accountIndex: 5, ax: 0n, ay: 77n, amount: 1n }]), "BAD_KEY", "account 5 key has ax = 0 and ay = 77");
  });

  it("rejects a trade in a new market when every position slot is taken", async () => {
    const p1: Params = { ...PARAMS, positionSlots: 1 };
    let t = await devGenesis(p1);
    t = ok(t, [{ type: "DEPOSIT" }, { type: "DEPOSIT" }], [depositNew(1, 1000n * USDC), depositNew(2, 1000n * USDC)], 1000n);
    t = ok(t, [trade(devOrder(t, sell(1, 1n, 60n * USDC)), devOrder(t, buy(2, 1n, 60n * USDC)), 1n)], [], 1500n);
    const eth = trade(devOrder(t, sell(1, 1n, 30n * USDC, { marketId: ETH })), devOrder(t, buy(2, 1n, 30n * USDC, { marketId: ETH })), 1n);
    refused(t, batch(t, [eth]), "POSITION_SLOTS_FULL", "maker account 1 has all 1 position slots in use and none holds market 2");
  });

  it("rejects values outside the ranges of protocol.md section 2", () => {
    refused(s, batch(s, [{ type: "DEPOSIT" }], [topUp(1, 0n)]), "RANGE", "DEPOSIT account 1 amount 0 outside 0 < amount < 9223372036854775808");
    refused(s, batch(s, [fill(sell(1, 10n, 2n ** 48n), buy(2, 5n, 60n * USDC), 5n)]), "RANGE", "maker order limitPrice 281474976710656 outside");
    refused(s, batch(s, [fill(sell(1, 10n, 60n * USDC), buy(2, 5n, 60n * USDC), 0n)]), "RANGE", "q 0 outside 0 < q < 4294967296");
    refused(s, { header: signedHeader(s, TS, [0n, 60n * USDC, USDC, USDC]), ops: [], deposits: [] }, "RANGE", "HEADER markPrice of market 1 0.000000 outside");
  });

  it("rejects a fee above the order's maxFeeBps", () => {
    const op = fill(sell(1, 10n, 60n * USDC, { maxFeeBps: 10n }), buy(2, 5n, 60n * USDC, { maxFeeBps: 10n }), 5n, 10n, 11n);
    refused(s, batch(s, [op]), "FEE_ABOVE_MAX", "taker fee 11 bps > maxFeeBps 10 of account 2's order");
  });

  it("rejects a header with fewer signatures than the quorum", () => {
    refused(s, { header: signedHeader(s, TS, undefined, [0]), ops: [], deposits: [] }, "ORACLE_QUORUM", "1 oracle signatures, quorum needs exactly 2");
  });

  it("rejects oracle signatures whose key indices are not strictly increasing", () => {
    refused(s, { header: signedHeader(s, TS, undefined, [1, 1]), ops: [], deposits: [] }, "ORACLE_QUORUM", "oracle key index 1 after 1");
    refused(s, { header: signedHeader(s, TS, undefined, [2, 0]), ops: [], deposits: [] }, "ORACLE_QUORUM", "oracle key index 0 after 2");
  });

  it("rejects a header timestamp that does not move forward", () => {
    refused(s, batch(s, [], [], 1000n), "ORACLE_TIMESTAMP", "timestamp 1000 ≤ oracleTimestamp 1000");
  });

  it("rejects a DEPOSIT op without a queue entry", () => {
    refused(s, batch(s, [{ type: "DEPOSIT" }], []), "DEPOSIT_QUEUE", "1 DEPOSIT and FORCED_WITHDRAW ops but 0 queue entries supplied");
  });

  it("rejects more ops than the batch size", () => {
    refused(s, batch(s, Array.from({ length: 5 }, () => ({ type: "NOOP" }) as Op)), "BATCH_FULL", "5 ops > batchSize 4");
  });

  it("undoes the whole batch when a later op slot is refused", () => {
    const b = batch(s, [{ type: "DEPOSIT" }, fill(sell(1, 10n, 60n * USDC), buy(1, 5n, 60n * USDC), 5n)], [topUp(2, USDC)]);
    refused(s, b, "SELF_TRADE", "(op slot 1)");
  });

  it("has a test for every rule code, here or in lifecycle.test.ts or risk-update.test.ts", () => {
    const src = ["rules", "lifecycle", "risk-update"].map((f) => fs.readFileSync(__filename.replace("rules.test.ts", `${f}.test.ts`), "utf8")).join("");
    for (const code of RULE_CODES) expect(src, code).to.contain(`"${code}"`);
  });
});
