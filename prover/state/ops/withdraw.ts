/**
 * WITHDRAW (op code 3, protocol.md section 5): signed
 * `withdrawalHash(accountIndex, amount, nonce)` with nonce = the account's nonce;
 * funding applied first; nonce += 1; collateral −= amount (0 < amount < 2^48); the
 * account meets initial margin after. The contract credits `amount` to the account's
 * L1 owner once the batch is final.
 */
import type { Account } from "../account";
import type { Signature } from "../crypto";
import { RuleError, formatUnits, requireOpenRange } from "../errors";
import { pow2 } from "../field";
import { applyFunding, marginState } from "../margin";
import { verifyWithdrawal } from "../signing";
import { checkParty, type OpContext } from "./common";

/** A WITHDRAW op slot. */
export interface WithdrawOp {
  readonly type: "WITHDRAW";
  readonly accountIndex: number;
  /** Collateral units, 0 < amount < 2^48. */
  readonly amount: bigint;
  /** The account's nonce (what the signature signs). */
  readonly nonce: bigint;
  /** The account's signature on `withdrawalHash(accountIndex, amount, nonce)`. */
  readonly signature: Signature;
}

/** Op code of WITHDRAW in op data. */
export const WITHDRAW_CODE = 3;

/** The account after funding and after the withdrawal. */
export interface WithdrawResult {
  readonly funded: Account;
  readonly after: Account;
}

/**
 * The pure state change of a withdrawal: on the funded account, nonce += 1 and
 * collateral −= amount. No signature, nonce or margin check (`applyWithdraw` does
 * those; replaying op data uses this alone).
 * @param funded - the account after funding
 * @param accountIndex - its index (for the error message)
 * @throws RuleError RANGE when the new collateral leaves −2^63 < c < 2^63 or the new nonce reaches 2^32
 */
export function withdrawState(funded: Account, accountIndex: number, amount: bigint): Account {
  const collateral = funded.collateral - amount;
  requireOpenRange("WITHDRAW", "collateral", collateral, -pow2(63), pow2(63), `account ${accountIndex} new`);
  requireOpenRange("WITHDRAW", "nonce", funded.nonce + 1n, -1n, pow2(32), `account ${accountIndex} new`);
  return { ...funded, nonce: funded.nonce + 1n, collateral };
}

/**
 * Applies a withdrawal.
 * @param ctx - header timestamp, new markets, risk, capacity
 * @param before - the account at `op.accountIndex`, as stored
 * @throws RuleError UNKNOWN_ACCOUNT, FUND_ACCOUNT, RANGE, BAD_SIGNATURE, NONCE_MISMATCH, INSUFFICIENT_MARGIN
 */
export function applyWithdraw(ctx: OpContext, before: Account, op: WithdrawOp): WithdrawResult {
  const i = op.accountIndex;
  checkParty("WITHDRAW", "", i, before, ctx.capacity);
  requireOpenRange("WITHDRAW", "amount", op.amount, 0n, pow2(48), `account ${i}`);
  requireOpenRange("WITHDRAW", "nonce", op.nonce, -1n, pow2(32), `account ${i}`);
  if (!verifyWithdrawal(i, op.amount, op.nonce, op.signature, before)) {
    throw new RuleError("BAD_SIGNATURE", "WITHDRAW", `signature on withdrawal of ${formatUnits(op.amount)} does not verify under account ${i}'s key`, {
      accountIndex: i,
      amount: op.amount,
    });
  }
  if (op.nonce !== before.nonce) {
    throw new RuleError("NONCE_MISMATCH", "WITHDRAW", `withdrawal nonce ${op.nonce} ≠ account ${i} nonce ${before.nonce}`, {
      accountIndex: i,
      withdrawalNonce: op.nonce,
      nonce: before.nonce,
    });
  }
  const funded = applyFunding(before, ctx.markets);
  const after = withdrawState(funded, i, op.amount);
  const m = marginState(after, ctx.markets, ctx.risk);
  if (!m.meetsInitial) {
    throw new RuleError(
      "INSUFFICIENT_MARGIN",
      "WITHDRAW",
      `account ${i} equity ${formatUnits(m.equity)} < initial margin ${formatUnits(m.requirement)} after withdrawal of ${formatUnits(op.amount)}`,
      { accountIndex: i, equity: m.equity, initialMargin: m.requirement, amount: op.amount },
    );
  }
  return { funded, after };
}
