/**
 * The order path's shortcuts in prover/state (issue 21) change no answer: a state that
 * defers its leaves has the roots and paths of one that does not, after any writes;
 * `sameState` tells states apart exactly where their content differs; and `applyBatch`
 * answered from its last result of the same batch gives what computing it again gives,
 * and only from a start with the same content; in steps it gives the same result and
 * the same refusals.
 */
import { expect } from "chai";
import fc from "fast-check";
import { emptyAccount, type Account } from "../../../prover/state/account";
import { applyBatch, applyBatchInSteps, type Batch } from "../../../prover/state/batch";
import { RuleError } from "../../../prover/state/errors";
import { initCrypto } from "../../../prover/state/crypto";
import type { Params } from "../../../prover/state/params";
import { sameState } from "../../../prover/state/same-state";
import type { State } from "../../../prover/state/state";
import { CI_PARAMS, depositNew, devGenesis, devOrder, signedHeader, trade } from "./fixtures";

const PARAMS: Params = { ...CI_PARAMS, batchSize: 4 };
const USDC = 1_000_000n;

describe("prover/state: deferred leaves, sameState and applyBatch's last results", function () {
  this.timeout(300_000);
  let genesis: State;
  let funded: State;

  before(async function () {
    await initCrypto();
    genesis = await devGenesis(PARAMS);
    const b: Batch = { header: signedHeader(genesis, 1000n), ops: [1, 2, 3].map(() => ({ type: "DEPOSIT" as const })), deposits: [1, 2, 3].map((i) => depositNew(i, 100_000n * USDC)) };
    funded = applyBatch(genesis, b).state;
  });

  const account = (collateral: bigint, nonce: bigint): Account => ({ ...emptyAccount(PARAMS.positionSlots), ax: 7n, ay: 8n, collateral, nonce });

  it("has the roots and paths of an eager state after any writes, its clones too", function () {
    const capacity = 4 ** PARAMS.accountDepth;
    const write = fc.record({ index: fc.integer({ min: 0, max: capacity - 1 }), collateral: fc.bigInt({ min: 0n, max: 1n << 62n }), empty: fc.boolean() });
    fc.assert(
      fc.property(fc.array(write, { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 12 }), (writes, readAt) => {
        const eager = funded.clone();
        const lazy = funded.deferringClone();
        writes.forEach((w, n) => {
          const a = w.empty ? emptyAccount(PARAMS.positionSlots) : account(w.collateral, BigInt(n));
          eager.setAccount(w.index, a);
          lazy.setAccount(w.index, a);
          // a root read part-way brings the tree up to date; later writes defer again
          if (n === readAt) expect(lazy.accountsRoot()).to.equal(eager.accountsRoot());
        });
        const copy = lazy.clone();
        expect(lazy.stateRoot()).to.equal(eager.stateRoot());
        expect(copy.stateRoot()).to.equal(eager.stateRoot());
        for (const w of writes) expect(lazy.tree.siblings(w.index)).to.deep.equal(eager.tree.siblings(w.index));
        expect(funded.stateRoot(), "the source is unchanged").to.equal(funded.clone().stateRoot());
      }),
      { numRuns: 25 },
    );
  });

  it("adopts the hashed tree of a state with the same accounts, and its roots are then that state's", function () {
    const eager = funded.clone();
    const lazy = funded.deferringClone();
    for (const i of [2, 7, 15]) {
      eager.setAccount(i, account(BigInt(i), 1n));
      lazy.setAccount(i, account(BigInt(i), 1n));
    }
    lazy.adoptTreeOf(eager);
    expect(lazy.stateRoot()).to.equal(eager.stateRoot());
    // the adopted tree is a copy: later writes to either reach only itself
    lazy.setAccount(9, account(9n, 0n));
    expect(lazy.stateRoot()).to.not.equal(eager.stateRoot());
    eager.setAccount(9, account(9n, 0n));
    expect(lazy.stateRoot()).to.equal(eager.stateRoot());
  });

  it("refuses a write outside the tree at once, deferring or not", function () {
    expect(() => funded.deferringClone().setAccount(4 ** PARAMS.accountDepth, account(1n, 0n))).to.throw(RangeError, /outside/);
    expect(() => funded.clone().setAccount(-1, account(1n, 0n))).to.throw(RangeError, /outside/);
  });

  it("sameState: equal for equal content, unequal for any account, market, deposit count or key", function () {
    expect(sameState(funded, funded.deferringClone())).to.equal(true);
    const changed = (f: (s: State) => void): State => {
      const s = funded.clone();
      f(s);
      return s;
    };
    expect(sameState(funded, changed((s) => s.setAccount(2, { ...s.account(2), collateral: s.account(2).collateral + 1n })))).to.equal(false);
    expect(sameState(funded, changed((s) => s.setAccount(9, account(5n, 0n))))).to.equal(false);
    expect(sameState(funded, changed((s) => s.setAccount(3, emptyAccount(PARAMS.positionSlots))))).to.equal(false);
    expect(sameState(funded, changed((s) => s.setGlobal({ ...s.global, depositCount: s.global.depositCount + 1 })))).to.equal(false);
    expect(sameState(funded, changed((s) => s.setGlobal({ ...s.global, markets: s.global.markets.map((m, i) => (i === 0 ? { ...m, markPrice: m.markPrice + 1n } : m)) })))).to.equal(false);
    // a rewritten but equal account is the same content
    expect(sameState(funded, changed((s) => s.setAccount(1, { ...s.account(1) })))).to.equal(true);
  });

  it("applyBatch of the same batch again gives what a fresh computation gives, and only from the same start", function () {
    const o1 = devOrder(funded, { accountIndex: 1, marketId: 1, isBuy: true, size: 2n, limitPrice: 60_000_000n });
    const o2 = devOrder(funded, { accountIndex: 2, marketId: 1, isBuy: false, size: 2n, limitPrice: 60_000_000n });
    const batch: Batch = { header: signedHeader(funded, 2000n), ops: [trade(o2, o1, 2n)], deposits: [] };
    const first = applyBatch(funded, batch);
    const again = applyBatch(funded.clone(), batch);
    const fresh = applyBatch(funded, { ...batch });
    for (const r of [again, fresh]) {
      expect(r.state.stateRoot()).to.equal(first.state.stateRoot());
      expect(r.trace).to.deep.equal(first.trace);
    }
    expect(again.state, "a copy, never the result another caller holds").to.not.equal(first.state);
    first.state.setAccount(1, account(1n, 9n));
    expect(applyBatch(funded, batch).state.stateRoot(), "a caller's write to its result reaches no other").to.equal(fresh.state.stateRoot());
    // another start with the same batch object: computed, not recalled
    const other = funded.clone();
    other.setAccount(3, { ...other.account(3), collateral: other.account(3).collateral + 5n });
    const fromOther = applyBatch(other, batch);
    expect(fromOther.state.stateRoot()).to.equal(applyBatch(other, { ...batch }).state.stateRoot());
    expect(fromOther.state.stateRoot()).to.not.equal(fresh.state.stateRoot());
  });

  it("applyBatchInSteps pauses between steps and gives applyBatch's result, and its refusal", async function () {
    const o1 = devOrder(funded, { accountIndex: 1, marketId: 1, isBuy: true, size: 1n, limitPrice: 60_000_000n });
    const o2 = devOrder(funded, { accountIndex: 2, marketId: 1, isBuy: false, size: 1n, limitPrice: 60_000_000n });
    const o3 = devOrder(funded, { accountIndex: 3, marketId: 1, isBuy: true, size: 1n, limitPrice: 60_000_000n });
    const batch: Batch = { header: signedHeader(funded, 2100n), ops: [trade(o2, o1, 1n)], deposits: [] };
    let pauses = 0;
    const stepped = await applyBatchInSteps(funded, { ...batch }, async () => void pauses++, 1);
    expect(pauses).to.equal(PARAMS.batchSize - 1);
    const whole = applyBatch(funded, { ...batch });
    expect(stepped.state.stateRoot()).to.equal(whole.state.stateRoot());
    expect(stepped.trace).to.deep.equal(whole.trace);
    // a fill consumes the maker's nonce: a second fill of o2 is refused
    let refusal: unknown;
    try {
      await applyBatchInSteps(funded, { ...batch, ops: [trade(o2, o1, 1n), trade(o2, o3, 1n)] }, async () => undefined, 1);
    } catch (e) {
      refusal = e;
    }
    let wholeRefusal: unknown;
    try {
      applyBatch(funded, { ...batch, ops: [trade(o2, o1, 1n), trade(o2, o3, 1n)] });
    } catch (e) {
      wholeRefusal = e;
    }
    expect(refusal).to.be.instanceOf(RuleError);
    expect((refusal as RuleError).message).to.equal((wholeRefusal as RuleError).message).and.to.match(/^NONCE_MISMATCH/);
  });
});
