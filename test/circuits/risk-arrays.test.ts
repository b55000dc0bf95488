/**
 * The batch circuit with risk arrays that change in a header (issue 9): `pnl` are the
 * arrays in force from the batch on, `oldRiskRow` the row hashes of those before. The new
 * riskHash is what the oracle signs and the header's last 32 bytes; the old one opens the
 * old globalHash. Each negative case starts from an honest input that passes.
 *
 * Two kinds of refusal: a broken constraint leaves no witness (expectFail); a value that
 * only enters a hash (the old global opening, the header bytes) leaves a witness whose
 * inputHash is not the one the contract recomputes from the stored root and the
 * published bytes, so no proof for it verifies on chain.
 */
import { expect } from "chai";
import type { State } from "../../prover/state/state";
import { riskHash, riskRowHash } from "../../prover/state/global";
import { inputHash as layoutInputHash } from "../../prover/state/layout";
import { batchOnChain, wireOp } from "../../prover/circuit-input/batch-data";
import { ciBatchCircuit, fundedGenesis, honest, tamper, type BatchCircuit, type ProvenCase } from "../helpers/batch-circuit";
import { CI_PARAMS, devOrder, signedHeader, trade } from "../prover/state/fixtures";

const BTC = 60_000_000n; // mark price of one BTC-PERP lot at genesis

describe("circuits: BatchSettle with risk arrays signed per header", function () {
  let circuit: BatchCircuit;
  let funded: State; // accounts 1 and 2 hold 10,000 USDC each
  let wider: bigint[][]; // the genesis arrays, twice as wide
  let changed: ProvenCase; // a trade under `wider`, which the header puts in force

  before(async function () {
    circuit = await ciBatchCircuit();
    funded = await fundedGenesis();
    wider = funded.global.risk.pnl.map((row) => row.map((x) => 2n * x));
    const maker = devOrder(funded, { accountIndex: 1, marketId: 1, isBuy: true, size: 5n, limitPrice: BTC });
    const taker = devOrder(funded, { accountIndex: 2, marketId: 1, isBuy: false, size: 5n, limitPrice: BTC });
    changed = honest(funded, { header: signedHeader(funded, 2_000n, undefined, undefined, undefined, wider), ops: [trade(maker, taker, 5n)], deposits: [] });
  });

  it("proves a batch that changes the arrays, with the rules' inputHash", async function () {
    expect(changed.trace.riskHash).to.not.equal(changed.trace.oldRiskHash);
    await circuit.expectPass(changed.input, changed.inputHash);
  });

  it("proves a batch that keeps the arrays (oldRiskRow = the rows of pnl), with the rules' inputHash", async function () {
    const c = honest(funded, { header: signedHeader(funded, 2_000n), ops: [], deposits: [] });
    expect(c.input.oldRiskRow).to.deep.equal(funded.global.risk.pnl.map((row) => riskRowHash(row).toString()));
    await circuit.expectPass(c.input, c.inputHash);
  });

  it("commits the new riskHash in the public input: bytes carrying another riskHash give another inputHash", async function () {
    const t = changed.trace;
    const ops = t.slots.map(wireOp);
    const header = { timestamp: t.header.timestamp, markPrices: t.header.markPrices, fundingRates: t.header.fundingRates };
    const published = (rh: bigint) =>
      layoutInputHash(CI_PARAMS, { oldStateRoot: t.oldStateRoot, newStateRoot: t.newStateRoot, header: { ...header, riskHash: rh }, depositHead: t.newGlobal.depositHead, ops });
    const got = await circuit.inputHash(changed.input);
    expect(got).to.equal(published(riskHash(t.newGlobal.risk)));
    expect(got).to.not.equal(published(t.oldRiskHash)); // the old hash in the header bytes
    expect(got).to.not.equal(published(t.riskHash + 1n));
  });

  it("rejects new arrays that are not the ones the oracle signed (their riskHash differs)", async function () {
    const pnl = changed.input.pnl as string[][];
    await circuit.expectFail(tamper(changed.input, "pnl.1.2", BigInt(pnl[1][2]) + 1n), /^ForceEqualIfEnabled\b.*OracleQuorum < Header\b/);
  });

  it("rejects a header carrying new arrays under signatures of the old riskHash", async function () {
    const old = signedHeader(funded, 2_000n); // signs Poseidon(2, ts, prices, rates, old riskHash)
    let bad = tamper(changed.input, "oracleSigR8x", old.signatures.map((s) => s.R8x.toString()));
    bad = tamper(bad, "oracleSigR8y", old.signatures.map((s) => s.R8y.toString()));
    bad = tamper(bad, "oracleSigS", old.signatures.map((s) => s.S.toString()));
    await circuit.expectFail(bad, /^ForceEqualIfEnabled\b.*OracleQuorum < Header\b/);
    // the same signatures do pass with the old arrays: the failure is the arrays'
    const keep = honest(funded, { header: old, ops: [], deposits: [] });
    await circuit.expectPass(keep.input, keep.inputHash);
  });

  it("rejects a tampered mmBps or penaltyBps (the oracle signed the genesis scalars in riskHash)", async function () {
    await circuit.expectFail(tamper(changed.input, "mmBps", BigInt(changed.input.mmBps as string) + 1n), /^ForceEqualIfEnabled\b.*OracleQuorum < Header\b/);
    await circuit.expectFail(tamper(changed.input, "penaltyBps", BigInt(changed.input.penaltyBps as string) + 1n), /^ForceEqualIfEnabled\b.*OracleQuorum < Header\b/);
  });

  it("opens the old globalHash with oldRiskRow: a wrong row gives an old state root that is not the stored one", async function () {
    const rows = changed.input.oldRiskRow as string[];
    const bad = tamper(changed.input, "oldRiskRow.0", BigInt(rows[0]) + 1n);
    const got = await circuit.inputHash(bad); // only hashes see it: the contract's input tells it apart
    expect(got).to.not.equal(changed.inputHash);
    expect(got).to.not.equal(batchOnChain(CI_PARAMS, changed.trace).inputHash);
    // the new arrays' rows in place of the old ones: the same, the old opening fails
    const asNew = tamper(changed.input, "oldRiskRow", wider.map((row) => riskRowHash(row).toString()));
    expect(await circuit.inputHash(asNew)).to.not.equal(changed.inputHash);
  });

  it("range-checks the new arrays: a pnl of 2^62 leaves no witness", async function () {
    await circuit.expectFail(tamper(changed.input, "pnl.3.1", 1n << 62n), /^Num2Bits\b.*SignedRange < Header\b/);
  });
});
