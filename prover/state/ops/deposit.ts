/**
 * DEPOSIT (op code 1): consumes the next L1 deposit-queue entry (protocol.md
 * section 5). The queue's hash chain is `head_{i+1} = Poseidon(head_i, accountIndex,
 * ax, ay, amount)`, head_0 = 0.
 *
 * - key ≠ (0, 0): the account must be empty; it becomes {ax, ay, nonce 0,
 *   collateral amount, no positions};
 * - key = (0, 0): the account must exist; collateral += amount.
 */
import { emptyAccount, isEmptyAccount, type Account } from "../account";
import { poseidon } from "../crypto";
import { RuleError, formatUnits, requireOpenRange } from "../errors";
import { pow2 } from "../field";

/** A DEPOSIT op slot (the entry comes from the queue, in order). */
export interface DepositOp {
  readonly type: "DEPOSIT";
}

/** Op code of DEPOSIT in op data. */
export const DEPOSIT_CODE = 1;

/** One L1 deposit-queue entry. Key (0, 0) tops up an existing account. */
export interface DepositEntry {
  readonly accountIndex: number;
  readonly ax: bigint;
  readonly ay: bigint;
  /** Collateral units, 0 < amount < 2^63. */
  readonly amount: bigint;
}

/** `head_{i+1} = Poseidon(head_i, accountIndex, ax, ay, amount)`. */
export function depositChainStep(head: bigint, e: DepositEntry): bigint {
  return poseidon([head, BigInt(e.accountIndex), e.ax, e.ay, e.amount]);
}

/** The chain head after consuming `entries` from `head`. */
export function depositChainHead(entries: readonly DepositEntry[], head = 0n): bigint {
  return entries.reduce(depositChainStep, head);
}

/**
 * The account after a deposit.
 * @param before - the account at `entry.accountIndex`
 * @param entry - the queue entry
 * @param capacity - 4^D, the number of leaves
 * @throws RuleError RANGE, FUND_ACCOUNT, BAD_KEY, ACCOUNT_EXISTS, UNKNOWN_ACCOUNT
 */
export function applyDeposit(before: Account, entry: DepositEntry, capacity: number): Account {
  const i = entry.accountIndex;
  if (!Number.isInteger(i) || i < 0 || i >= capacity) {
    throw new RuleError("RANGE", "DEPOSIT", `accountIndex ${i} outside 0 ≤ accountIndex < ${capacity}`, {
      accountIndex: i,
      capacity,
    });
  }
  if (i === 0) {
    throw new RuleError("FUND_ACCOUNT", "DEPOSIT", `to account 0 refused: the insurance fund takes no deposits (it is never a party to an op)`, { accountIndex: 0 });
  }
  requireOpenRange("DEPOSIT", "amount", entry.amount, 0n, pow2(63), `account ${i}`);
  const isNew = entry.ax !== 0n || entry.ay !== 0n;
  if (isNew) {
    if (entry.ax === 0n) {
      throw new RuleError("BAD_KEY", "DEPOSIT", `account ${i} key has ax = 0 and ay = ${entry.ay}: not a Baby Jubjub key`, {
        accountIndex: i,
        ay: entry.ay,
      });
    }
    if (!isEmptyAccount(before)) {
      throw new RuleError("ACCOUNT_EXISTS", "DEPOSIT", `account ${i} exists (ax ${before.ax}); a deposit with a key needs an empty account`, {
        accountIndex: i,
        ax: before.ax,
      });
    }
    return { ...emptyAccount(before.positions.length), ax: entry.ax, ay: entry.ay, collateral: entry.amount };
  }
  if (isEmptyAccount(before)) {
    throw new RuleError("UNKNOWN_ACCOUNT", "DEPOSIT", `account ${i} is empty; a top-up (key (0, 0)) needs an existing account`, {
      accountIndex: i,
    });
  }
  const collateral = before.collateral + entry.amount;
  if (collateral >= pow2(63)) {
    throw new RuleError("RANGE", "DEPOSIT", `account ${i} collateral ${formatUnits(before.collateral)} + ${formatUnits(entry.amount)} reaches 2^63`, {
      accountIndex: i,
      collateral: before.collateral,
      amount: entry.amount,
    });
  }
  return { ...before, collateral };
}
