/**
 * Incremental sequencing (issue 21): an op is applied alone to the pending state
 * (PendingBatch over BatchCursor), and that must be what `applyBatch` of the whole
 * pending batch from the base says: the same ops accepted, the same refusals with the
 * same codes and messages, the same state. Random streams of deposits, trades (some
 * with stale nonces, some beyond the margin) and withdrawals, then random order flow
 * through the sequencer itself.
 */
import { expect } from "chai";
import fc from "fast-check";
import { applyBatch, type Op } from "../../../prover/state/batch";
import { RuleError } from "../../../prover/state/errors";
import type { DepositEntry } from "../../../prover/state/ops/deposit";
import type { Params } from "../../../prover/state/params";
import type { State } from "../../../prover/state/state";
import { CI_PARAMS, depositNew, devGenesis, devOrder, devWithdrawal, signedHeader, topUp, trade } from "../../../prover/dev/fixtures";
import { PendingBatch } from "../../../prover/service/sequencer-pending";
import { Sequencer } from "../../../prover/service/sequencer";

const PARAMS: Params = { ...CI_PARAMS, batchSize: 12 };
const USDC = 1_000_000n;
const PRICE = 60_000_000n;

type Action =
  | { readonly kind: "deposit"; readonly account: number; readonly amount: number }
  | { readonly kind: "trade"; readonly maker: number; readonly taker: number; readonly q: number; readonly buy: boolean; readonly tick: number; readonly stale: boolean }
  | { readonly kind: "withdraw"; readonly account: number; readonly amount: number };

const account = fc.integer({ min: 1, max: 5 });
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant("deposit" as const), account, amount: fc.integer({ min: 0, max: 50_000 }) }),
  fc.record({ kind: fc.constant("trade" as const), maker: account, taker: account, q: fc.integer({ min: 1, max: 40 }), buy: fc.boolean(), tick: fc.integer({ min: -5, max: 5 }), stale: fc.boolean() }),
  fc.record({ kind: fc.constant("withdraw" as const), account, amount: fc.integer({ min: 1, max: 60_000 }) }),
);

/** The op an action makes on the pending state `s` (orders and withdrawals signed with its nonces). */
function opOf(a: Action, s: State): { op: Op; entry?: DepositEntry } {
  switch (a.kind) {
    case "deposit": {
      const amount = BigInt(a.amount) * USDC;
      return { op: { type: "DEPOSIT" }, entry: s.accounts.has(a.account) ? topUp(a.account, amount) : depositNew(a.account, amount) };
    }
    case "trade": {
      const nonce = (i: number) => s.account(i).nonce + (a.stale && i === a.taker ? 1n : 0n);
      const price = PRICE + BigInt(a.tick) * 100_000n;
      const maker = devOrder(s, { accountIndex: a.maker, marketId: 1, isBuy: a.buy, size: BigInt(a.q), limitPrice: price, nonce: nonce(a.maker) });
      const taker = devOrder(s, { accountIndex: a.taker, marketId: 1, isBuy: !a.buy, size: BigInt(a.q), limitPrice: price, nonce: nonce(a.taker) });
      return { op: trade(maker, taker, BigInt(a.q)) };
    }
    case "withdraw":
      return { op: devWithdrawal(s, a.account, BigInt(a.amount) * USDC) };
  }
}

function outcome(f: () => void): string {
  try {
    f();
    return "accepted";
  } catch (e) {
    if (e instanceof RuleError) return `${e.code}: ${e.message}`;
    throw e;
  }
}

describe("# sequencer: one op at a time agrees with applyBatch", function () {
  this.timeout(600_000);
  let genesis: State;

  before(async function () {
    genesis = await devGenesis(PARAMS);
  });

  it("accepts and refuses the same ops, with the same codes and messages, and reaches the same state", function () {
    const header = signedHeader(genesis, 2000n);
    fc.assert(
      fc.property(fc.array(action, { minLength: 1, maxLength: 8 }), (actions) => {
        const pending = new PendingBatch(genesis, header);
        const accepted: Op[] = [];
        const entries: DepositEntry[] = [];
        actions.forEach((a, n) => {
          const { op, entry } = opOf(a, pending.state());
          const whole = outcome(() => void applyBatch(genesis, { header, ops: [...accepted, op], deposits: entry === undefined ? entries : [...entries, entry] }));
          const rootBefore = pending.state().stateRoot();
          const one = outcome(() => pending.add(op, [`op${n}`], entry, 0));
          expect(one, `action ${n} ${JSON.stringify(a)}`).to.equal(whole);
          if (one !== "accepted") {
            expect(pending.state().stateRoot(), "a refused op changes nothing").to.equal(rootBefore);
            return;
          }
          accepted.push(op);
          if (entry !== undefined) entries.push(entry);
          const full = applyBatch(genesis, { header, ops: accepted, deposits: entries }).state;
          expect(pending.state().stateRoot()).to.equal(full.stateRoot());
        });
        expect(pending.batch()).to.deep.equal({ header, ops: accepted, deposits: entries });
      }),
      { numRuns: 12 },
    );
  });

  it("keeps the sequencer's pending state equal to applyBatch of its batches from genesis, over random order flow; every cut passes its check", async function () {
    const now = { t: 1_000_000 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ account: fc.integer({ min: 1, max: 4 }), buy: fc.boolean(), size: fc.integer({ min: 1, max: 30 }), tick: fc.integer({ min: -3, max: 3 }) }), { minLength: 1, maxLength: 10 }),
        async (orders) => {
          const seq = new Sequencer({ state: genesis, clock: () => now.t, batchIntervalMs: 60_000, maxRestingOrders: 100, devOracle: (s) => signedHeader(s, s.global.oracleTimestamp + 1n) });
          for (const i of [1, 2, 3, 4]) seq.submitDeposit(depositNew(i, (i === 4 ? 500n : 100_000n) * USDC));
          for (const o of orders) {
            const spec = { accountIndex: o.account, marketId: 1, isBuy: o.buy, size: BigInt(o.size), limitPrice: PRICE + BigInt(o.tick) * 100_000n };
            const before = seq.pendingState().stateRoot();
            const r = outcome(() => void seq.submitOrder(devOrder(seq.pendingState(), spec)));
            if (r !== "accepted") expect(seq.pendingState().stateRoot(), r).to.equal(before);
            let s = genesis;
            for (const b of seq.outbox) s = applyBatch(s, b).state;
            const f = seq.filling();
            if (f !== undefined) s = applyBatch(s, f.batch).state;
            expect(seq.pendingState().stateRoot()).to.equal(s.stateRoot());
          }
          for (const h of seq.held) expect(await seq.checkCut(h, async () => undefined), `batch ${h.k}`).to.equal(undefined);
          expect(seq.cutCheckFailures).to.equal(0);
        },
      ),
      { numRuns: 8 },
    );
  });
});
