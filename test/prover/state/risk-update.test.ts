/**
 * Risk arrays that change with a header (issue 9; decisions.md "Risk arrays: fixed
 * scalars, arrays signed per header"): the rules put the header's arrays in force for
 * the batch's own ops, refuse arrays of the wrong shape or range naming the field, refuse
 * signatures on the old riskHash; the calldata carries them as the risk tail; the replay
 * from chain data takes the tail when it hashes to the header's riskHash, else marks the
 * arrays unpublished and goes on.
 */
import { expect } from "chai";
import { applyBatch, type Batch, type Op } from "../../../prover/state/batch";
import { riskHash } from "../../../prover/state/global";
import { LayoutError, decodeBatchData, decodeRiskTail, encodeRiskTail, layoutFor } from "../../../prover/state/layout";
import type { DepositEntry } from "../../../prover/state/ops/deposit";
import { replayBatch } from "../../../prover/state/replay";
import { requirement } from "../../../prover/state/margin";
import { signOracle } from "../../../prover/state/signing";
import type { State } from "../../../prover/state/state";
import { batchOnChain } from "../../../prover/circuit-input/batch-data";
import { CI_PARAMS, INSECURE_DEV_ORACLE_KEYS, depositNew, devGenesis, devOrder, signedHeader, trade } from "./fixtures";
import { expectRule } from "./helpers";

const USDC = 1_000_000n;
const BTC = 1;
const TS = 2000n;

/** The state's arrays, every entry times k (k = 100: a scan range 100 times as wide). */
const scaled = (s: State, k: bigint): bigint[][] => s.global.risk.pnl.map((row) => row.map((x) => x * k));

describe("prover/state risk arrays signed per header", () => {
  let s: State; // accounts 1 and 2 with 1,000 USDC, oracleTimestamp 1000

  before(async () => {
    const g = await devGenesis(CI_PARAMS);
    const deposits: DepositEntry[] = [depositNew(1, 1000n * USDC), depositNew(2, 1000n * USDC)];
    s = applyBatch(g, { header: signedHeader(g, 1000n), ops: [{ type: "DEPOSIT" }, { type: "DEPOSIT" }], deposits }).state;
  });

  const fill = (q: bigint): Op =>
    trade(devOrder(s, { accountIndex: 1, marketId: BTC, isBuy: false, size: q, limitPrice: 60n * USDC }), devOrder(s, { accountIndex: 2, marketId: BTC, isBuy: true, size: q, limitPrice: 60n * USDC }), q);
  const withArrays = (pnl: readonly (readonly bigint[])[] | undefined, ops: Op[] = []): Batch => ({
    header: signedHeader(s, TS, undefined, undefined, undefined, pnl),
    ops,
    deposits: [],
  });

  describe("# rules", () => {
    it("puts the header's arrays in force in the state and its riskHash in the trace", () => {
      const pnl = scaled(s, 2n);
      const { state, trace } = applyBatch(s, withArrays(pnl));
      expect(state.global.risk.pnl).to.deep.equal(pnl);
      expect(state.global.risk.mmBps).to.equal(s.global.risk.mmBps);
      expect(trace.riskHash).to.equal(riskHash(state.global.risk));
      expect(trace.oldRiskHash).to.equal(riskHash(s.global.risk));
      expect(trace.riskHash).to.not.equal(trace.oldRiskHash);
    });
    it("keeps the arrays when the header carries none", () => {
      const { state, trace } = applyBatch(s, withArrays(undefined));
      expect(state.global.risk).to.deep.equal(s.global.risk);
      expect(trace.riskHash).to.equal(trace.oldRiskHash);
    });
    it("margins the batch's own trades with the new arrays: accepted under the old, below initial margin under wider ones", () => {
      const q = 5n;
      applyBatch(s, withArrays(undefined, [fill(q)])); // the baseline: accepted
      applyBatch(s, withArrays(s.global.risk.pnl, [fill(q)])); // the same arrays, published: accepted
      const b = withArrays(scaled(s, 100n), [fill(q)]);
      expectRule(() => applyBatch(s, b), "INSUFFICIENT_MARGIN", "initial margin", "(op slot 0)");
    });
    it("rejects signatures on the old riskHash when the header carries new arrays", () => {
      const old = signedHeader(s, TS);
      const b: Batch = { header: { ...old, pnl: scaled(s, 2n) }, ops: [], deposits: [] };
      expectRule(() => applyBatch(s, b), "BAD_SIGNATURE", "oracle signature of key 0");
    });
    it("rejects arrays of the wrong shape or out of range, naming the field", () => {
      // The keys sign whatever they are given: the shape and range checks come first.
      const sign = (pnl: bigint[][]): Batch => {
        const h = signedHeader(s, TS);
        return { header: { ...h, pnl }, ops: [], deposits: [] };
      };
      const good = scaled(s, 1n);
      expectRule(() => applyBatch(s, sign(good.slice(1))), "RANGE", "pnl has 3 rows for M = 4");
      expectRule(() => applyBatch(s, sign(good.map((r, m) => (m === 2 ? r.slice(1) : r)))), "RANGE", "pnl[2] has 3 entries for S = 4");
      const big = good.map((r) => [...r]);
      big[1][3] = 2n ** 62n;
      const err = expectRule(() => applyBatch(s, sign(big)), "RANGE", "pnl[1][3] 4611686018427387904 outside -2^62 < pnl < 2^62");
      expect(err.details.field).to.equal("pnl[1][3]");
      big[1][3] = -(2n ** 62n);
      expectRule(() => applyBatch(s, sign(big)), "RANGE", "pnl[1][3]");
    });
    it("accepts |pnl| = 2^62 − 1, the edge of the range", () => {
      const edge = scaled(s, 1n);
      edge[0][0] = 2n ** 62n - 1n;
      edge[3][1] = -(2n ** 62n) + 1n;
      const { state } = applyBatch(s, withArrays(edge));
      expect(state.global.risk.pnl[0][0]).to.equal(2n ** 62n - 1n);
    });
    it("signs the new riskHash with the genesis scalars (a header cannot change mmBps)", () => {
      const pnl = scaled(s, 3n);
      const other = riskHash({ ...s.global.risk, mmBps: s.global.risk.mmBps + 1n, pnl });
      const h = signedHeader(s, TS, undefined, undefined, undefined, pnl);
      const sigs = [0, 1].map((k) => signOracle(INSECURE_DEV_ORACLE_KEYS[k], k, TS, h.markPrices, h.fundingRates, other));
      expectRule(() => applyBatch(s, { header: { ...h, signatures: sigs }, ops: [], deposits: [] }), "BAD_SIGNATURE");
    });
  });

  describe("# risk tail and replay", () => {
    it("encodes int64 two's complement row by row and decodes it back", () => {
      const pnl = [[-1n, 0n, 1n, 2n ** 63n - 1n], [-(2n ** 63n), 5n, -5n, 7n], [0n, 0n, 0n, 0n], [1n, 2n, 3n, 4n]];
      const tail = encodeRiskTail(CI_PARAMS, pnl);
      expect(tail.length).to.equal(layoutFor(CI_PARAMS).RISK_TAIL_BYTES);
      expect(Buffer.from(tail.subarray(0, 8)).toString("hex")).to.equal("ffffffffffffffff");
      expect(Buffer.from(tail.subarray(32, 40)).toString("hex")).to.equal("8000000000000000");
      expect(decodeRiskTail(CI_PARAMS, tail)).to.deep.equal(pnl);
      expect(() => encodeRiskTail(CI_PARAMS, [[2n ** 63n, 0n, 0n, 0n], ...pnl.slice(1)])).to.throw(LayoutError, /pnl\[0\]\[0\]/);
      expect(() => encodeRiskTail(CI_PARAMS, pnl.slice(1))).to.throw(LayoutError, /LAYOUT_LENGTH: pnl =/);
      expect(() => decodeRiskTail(CI_PARAMS, tail.subarray(1))).to.throw(LayoutError, /riskTail/);
    });
    it("carries the tail in the calldata exactly when the header carries arrays, and replays to the rules' root", () => {
      const pnl = scaled(s, 2n);
      const L = layoutFor(CI_PARAMS);
      const plain = batchOnChain(CI_PARAMS, applyBatch(s, withArrays(undefined)).trace);
      expect(plain.data.length).to.equal(L.DATA_BYTES);
      const { state, trace } = applyBatch(s, withArrays(pnl, [fill(1n)]));
      const onChain = batchOnChain(CI_PARAMS, trace);
      expect(onChain.data.length).to.equal(L.DATA_BYTES + L.RISK_TAIL_BYTES);
      const decoded = decodeBatchData(CI_PARAMS, onChain.data);
      expect(decoded.pnl).to.deep.equal(pnl);
      expect(decoded.header.riskHash).to.equal(trace.riskHash);
      const replayed = replayBatch(s, { header: decoded.header, ops: decoded.ops, queueEntries: [], pnl: decoded.pnl });
      expect(replayed.stateRoot()).to.equal(state.stateRoot());
      expect(() => decodeBatchData(CI_PARAMS, onChain.data.subarray(0, L.DATA_BYTES + 8))).to.throw(LayoutError, /LAYOUT_LENGTH: data/);
    });
    it("replays a batch whose riskHash changed without a tail, or with a tail that does not hash to it, to the rules' root with the arrays unpublished", () => {
      const pnl = scaled(s, 2n);
      const honest = applyBatch(s, withArrays(pnl));
      const decoded = decodeBatchData(CI_PARAMS, batchOnChain(CI_PARAMS, honest.trace).data);
      const base = { header: decoded.header, ops: decoded.ops, queueEntries: [] };
      const tampered = pnl.map((r) => [...r]);
      tampered[2][1] += 1n;
      const outOfRange = pnl.map((r) => [...r]);
      outOfRange[0][0] = 2n ** 62n;
      for (const tail of [undefined, tampered, outOfRange]) {
        const replayed = replayBatch(s, { ...base, pnl: tail });
        expect(replayed.stateRoot()).to.equal(honest.state.stateRoot());
        expect(replayed.global.risk.unpublished).to.equal(honest.trace.riskHash);
        expectRule(() => requirement(replayed.account(1), replayed.global.risk), "RISK_ARRAYS", "were never published");
      }
      expect(replayBatch(s, { ...base, pnl }).global.risk.unpublished).to.equal(undefined);
    });
  });
});
