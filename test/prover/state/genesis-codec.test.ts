/** The genesis codec (prover/state/genesis-codec.ts): what GenesisPublished carries. */
import { expect } from "chai";
import { applyBatch } from "../../../prover/state/batch";
import { GenesisCodecError, decodeGenesis, encodeGenesis } from "../../../prover/state/genesis-codec";
import { MarketKind } from "../../../prover/state/global";
import { loadParams } from "../../../prover/state/params";
import { CI_PARAMS, depositNew, devGenesis, signedHeader } from "./fixtures";
import { expectSameState } from "./helpers";

const USDC = 1_000_000n;
const enc = (x: unknown) => new TextEncoder().encode(JSON.stringify(x));
const json = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b)) as Record<string, unknown>;

describe("prover/state genesis codec", function () {
  it("round-trips the dev genesis: same root, accounts and global state", async function () {
    const g = await devGenesis();
    const back = decodeGenesis(encodeGenesis(g), CI_PARAMS);
    expectSameState(back, g);
    expect(back.params).to.deep.equal(CI_PARAMS);
  });

  it("round-trips negative values, settled markets, a funded insurance account and another parameter set", async function () {
    const prod = loadParams("prod");
    const g0 = await devGenesis(prod, { insuranceCollateral: 123_456n * USDC, timestamp: 1_700_000_000n });
    const markets = g0.global.markets.map((m, i) =>
      i === 1 ? { ...m, settled: true, markPrice: 61n * USDC, settlementPrice: 61n * USDC } : i === 0 ? { ...m, fundingIndex: -987_654_321n } : m,
    );
    const g = await devGenesis(prod, { insuranceCollateral: 123_456n * USDC, timestamp: 1_700_000_000n, markets });
    const bytes = encodeGenesis(g);
    const back = decodeGenesis(bytes);
    expectSameState(back, g);
    expect(back.params).to.deep.equal(prod);
    const j = json(bytes);
    expect((j.markets as { fundingIndex: string }[])[0].fundingIndex).to.equal("-987654321");
    expect((j.markets as { kind: number }[])[3].kind).to.equal(MarketKind.PUT);
    expect((j.insurance as { collateral: string }).collateral).to.equal("123456000000");
    expect(j.oracleTimestamp).to.equal("1700000000");
  });

  it("is UTF-8 JSON with bigints as decimal strings", async function () {
    const j = json(encodeGenesis(await devGenesis()));
    expect(j.version).to.equal(1);
    expect(Object.keys(j)).to.include.members(["params", "markets", "risk", "oracleKeys", "insurance", "oracleTimestamp"]);
    expect(typeof (j.risk as { mmBps: unknown }).mmBps).to.equal("string");
  });

  it("refuses a state that is not a genesis state", async function () {
    const g = await devGenesis();
    const s = applyBatch(g, { header: signedHeader(g, 1_000n), ops: [{ type: "DEPOSIT" }], deposits: [depositNew(1, 5n)] }).state;
    expect(() => encodeGenesis(s)).to.throw(GenesisCodecError, /accounts 1 exist/);
  });

  it("refuses bytes that do not decode, other parameters and malformed fields, naming the field", async function () {
    const bytes = encodeGenesis(await devGenesis());
    const good = json(bytes);
    expect(() => decodeGenesis(new Uint8Array([0xff, 0xfe]))).to.throw(GenesisCodecError, /not UTF-8 JSON/);
    expect(() => decodeGenesis(enc({ ...good, version: 2 }))).to.throw(GenesisCodecError, /version 2/);
    expect(() => decodeGenesis(bytes, { ...CI_PARAMS, batchSize: 4 })).to.throw(GenesisCodecError, /params.batchSize = 2, expected 4/);
    const risk = good.risk as { pnl: string[][] };
    expect(() => decodeGenesis(enc({ ...good, risk: { ...risk, pnl: [["1.5", ...risk.pnl[0].slice(1)], ...risk.pnl.slice(1)] } }))).to.throw(GenesisCodecError, /risk.pnl\[0\]\[0\]/);
    expect(() => decodeGenesis(enc({ ...good, markets: (good.markets as unknown[]).slice(1) }))).to.throw(GenesisCodecError, /markets has 3 entries/);
    expect(() => decodeGenesis(enc({ ...good, insurance: { ax: "0", ay: "0", collateral: "0" } }))).to.throw(GenesisCodecError, /insurance.ax = 0/);
  });
});
