/** Assertion helpers for the reference-rule tests. */
import { expect } from "chai";
import { accountsEqual } from "../../../prover/state/account";
import { RuleError, type RuleCode } from "../../../prover/state/errors";
import type { State } from "../../../prover/state/state";

/**
 * Asserts that `fn` throws a RuleError with `code` whose message contains every
 * fragment (the numbers the message must name).
 */
export function expectRule(fn: () => unknown, code: RuleCode, ...fragments: string[]): RuleError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected RuleError ${code}`).to.be.instanceOf(RuleError);
  const err = caught as RuleError;
  expect(err.code, err.message).to.equal(code);
  expect(err.message.startsWith(`${code}: ${err.op} `), err.message).to.equal(true);
  for (const f of fragments) expect(err.message).to.contain(f);
  return err;
}

/** A comparable picture of a state: its roots and every account. */
export function snapshot(s: State): { root: bigint; accounts: [number, unknown][] } {
  return { root: s.stateRoot(), accounts: [...s.accounts.entries()].sort((x, y) => x[0] - y[0]) };
}

/** Asserts that two states hold the same accounts and global state. */
export function expectSameState(x: State, y: State): void {
  expect(x.stateRoot()).to.equal(y.stateRoot());
  expect(x.global).to.deep.equal(y.global);
  expect([...x.accounts.keys()].sort()).to.deep.equal([...y.accounts.keys()].sort());
  for (const [i, a] of x.accounts) expect(accountsEqual(a, y.account(i)), `account ${i}`).to.equal(true);
}
