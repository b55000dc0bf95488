/**
 * The fallback prover's batch (prover/fallback/plan.ts): the next queue entries first, in
 * queue order, as many as fit, and what the rules owe each forced withdrawal.
 */
import { expect } from "chai";
import fc from "fast-check";
import { applyBatch } from "../../../prover/state/batch";
import type { DepositEntry } from "../../../prover/state/ops/deposit";
import type { State } from "../../../prover/state/state";
import { CI_PARAMS, depositNew, devGenesis, forcedRequest, signedHeader, topUp } from "../../../prover/dev/fixtures";
import { planFallbackBatch } from "../../../prover/fallback/plan";

const USDC = 1_000_000n;

/** Accounts 1, 2, 3 with 1,000, 2,000 and 3,000 USDC, no positions. */
async function threeAccounts(): Promise<State> {
  const g = await devGenesis(CI_PARAMS, { timestamp: 1_000n });
  const entries = [depositNew(1, 1_000n * USDC), depositNew(2, 2_000n * USDC), depositNew(3, 3_000n * USDC)];
  let s = applyBatch(g, { header: signedHeader(g, 1_010n), ops: [{ type: "DEPOSIT" }, { type: "DEPOSIT" }], deposits: entries.slice(0, 2) }).state;
  s = applyBatch(s, { header: signedHeader(s, 1_020n), ops: [{ type: "DEPOSIT" }], deposits: entries.slice(2) }).state;
  return s;
}

describe("prover/fallback plan", () => {
  let base: State;
  before(async () => {
    base = await threeAccounts();
  });

  it("serves the first min(N, pending) entries in queue order and withdraws what the rules owe (fast-check)", () => {
    const entry = fc.oneof(
      fc.record({ k: fc.integer({ min: 1, max: 3 }), amount: fc.bigInt({ min: 1n, max: 5_000n * USDC }) }).map(({ k, amount }) => forcedRequest(k, amount)),
      fc.record({ k: fc.integer({ min: 1, max: 3 }), amount: fc.bigInt({ min: 1n, max: 5_000n * USDC }) }).map(({ k, amount }) => topUp(k, amount)),
    );
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 6 }), (pending: DepositEntry[]) => {
        const batch = planFallbackBatch(base, pending, signedHeader(base, 2_000n));
        const served = Math.min(CI_PARAMS.batchSize, pending.length);
        expect(batch.deposits).to.deep.equal(pending.slice(0, served));
        expect(batch.ops.map((o) => o.type)).to.deep.equal(pending.slice(0, served).map((e) => (e.ay === 1n ? "FORCED_WITHDRAW" : "DEPOSIT")));
        const r = applyBatch(base, batch);
        expect(r.trace.depositsConsumed).to.equal(served);
        // No positions: a request gets min(requested, collateral), with the collateral as the earlier entries left it.
        const collateral = new Map([1, 2, 3].map((k) => [k, base.account(k).collateral]));
        const owed: bigint[] = [];
        for (const e of batch.deposits) {
          const c = collateral.get(e.accountIndex)!;
          if (e.ay === 1n) {
            const w = e.amount < c ? e.amount : c;
            owed.push(w);
            collateral.set(e.accountIndex, c - w);
          } else collateral.set(e.accountIndex, c + e.amount);
        }
        for (const k of [1, 2, 3]) expect(r.state.account(k).collateral).to.equal(collateral.get(k));
        expect(r.trace.slots.filter((s) => s.type === "FORCED_WITHDRAW").map((s) => s.forcedWithdraw!.amount)).to.deep.equal(owed);
      }),
      { numRuns: 40 },
    );
  });

  it("plans an empty batch for an empty queue", () => {
    const batch = planFallbackBatch(base, [], signedHeader(base, 2_000n));
    expect(batch.ops).to.deep.equal([]);
    expect(batch.deposits).to.deep.equal([]);
  });
});
