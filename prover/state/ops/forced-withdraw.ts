/**
 * FORCED_WITHDRAW (op code 7, protocol.md section 5): serves the next L1 priority-queue
 * entry, a forced-withdrawal request `(accountIndex, 0, 1, requested)` made by the
 * account's L1 owner. Funding is applied first; the account gives up
 * `w = min(requested, max(0, equity − requirement))`: everything it can spare without
 * breaking initial margin (taking collateral does not move the requirement). No L2
 * signature and no nonce: the L1 owner authorized it, and the queue orders it.
 */
import type { Account } from "../account";
import { RuleError, requireOpenRange } from "../errors";
import { pow2 } from "../field";
import { applyFunding, marginState } from "../margin";
import { checkParty, type OpContext } from "./common";
import type { DepositEntry } from "./deposit";

/** A FORCED_WITHDRAW op slot: it consumes the next queue entry, like a DEPOSIT. */
export interface ForcedWithdrawOp {
  readonly type: "FORCED_WITHDRAW";
}

/** Op code of FORCED_WITHDRAW in op data. */
export const FORCED_WITHDRAW_CODE = 7;

/** The key that marks a queue entry as a forced-withdrawal request. */
export const FORCED_REQUEST_KEY = { ax: 0n, ay: 1n } as const;

/** True when a queue entry is a forced-withdrawal request. */
export function isForcedRequest(e: DepositEntry): boolean {
  return e.ax === FORCED_REQUEST_KEY.ax && e.ay === FORCED_REQUEST_KEY.ay;
}

/** The account after funding, after the withdrawal, and the amount withdrawn. */
export interface ForcedWithdrawResult {
  readonly funded: Account;
  readonly after: Account;
  readonly amount: bigint;
}

/**
 * Serves a forced-withdrawal request.
 * @param before - the account at `entry.accountIndex`, as stored
 * @param entry - the queue entry (must carry the request key (0, 1))
 * @throws RuleError DEPOSIT_QUEUE when the entry is not a request; UNKNOWN_ACCOUNT, FUND_ACCOUNT; RANGE
 */
export function applyForcedWithdraw(ctx: OpContext, before: Account, entry: DepositEntry): ForcedWithdrawResult {
  const i = entry.accountIndex;
  if (!isForcedRequest(entry)) {
    throw new RuleError("DEPOSIT_QUEUE", "FORCED_WITHDRAW", `queue entry for account ${i} is a deposit, not a forced-withdrawal request`, { accountIndex: i });
  }
  checkParty("FORCED_WITHDRAW", "", i, before, ctx.capacity);
  // The circuit's bounds: the entry amount as any queue entry's (< 2^63), the amount paid
  // as the op data's value (< 2^48). The contract queues requests below 2^48 only.
  requireOpenRange("FORCED_WITHDRAW", "requested", entry.amount, -1n, pow2(63), `account ${i}`);
  const funded = applyFunding(before, ctx.markets);
  const m = marginState(funded, ctx.markets, ctx.risk);
  const spare = m.equity > m.requirement ? m.equity - m.requirement : 0n;
  const amount = entry.amount < spare ? entry.amount : spare;
  requireOpenRange("FORCED_WITHDRAW", "amount", amount, -1n, pow2(48), `account ${i}`);
  return { funded, after: { ...funded, collateral: funded.collateral - amount }, amount };
}
