/**
 * The rule errors of the reference rules. Every refusal names the op, the rule and
 * the numbers, e.g.
 * `INSUFFICIENT_MARGIN: TRADE account 7 equity 1,200.000000 < initial margin 1,350.000000 after trade`.
 */

/** Every rule the reference rules can refuse an op or a batch for. */
export const RULE_CODES = [
  "INSUFFICIENT_MARGIN", // equity < initial margin after a trade or liquidation that is not reduce-only, or after a withdrawal
  "BAD_SIGNATURE", // an order, withdrawal, liquidation or oracle signature does not verify
  "NONCE_MISMATCH", // order / withdrawal / liquidation nonce ≠ account nonce
  "ORDER_EXPIRED", // header timestamp > order or liquidation-message expiry
  "LIMIT_PRICE", // the maker's price is worse than the taker's limit
  "FILL_EXCEEDS_ORDER", // q > min(maker.size, taker.size)
  "SAME_SIDE", // maker and taker both buy or both sell
  "MARKET_MISMATCH", // maker and taker name different markets
  "UNKNOWN_MARKET", // marketId outside 1..M
  "SELF_TRADE", // maker and taker are the same account
  "UNKNOWN_ACCOUNT", // the account is empty (or the index is outside the tree)
  "ACCOUNT_EXISTS", // a deposit with a key targets an account that exists
  "BAD_KEY", // a deposit key with ax = 0 but ay ≠ 0 (not a Baby Jubjub key)
  "POSITION_SLOTS_FULL", // no slot holds the market and none is empty
  "RANGE", // a value outside the ranges of protocol.md section 2
  "FEE_ABOVE_MAX", // fee bps above the order's maxFeeBps
  "ORACLE_QUORUM", // wrong number of oracle signatures, or key indices not strictly increasing / unknown
  "ORACLE_TIMESTAMP", // header timestamp not above the state's oracleTimestamp
  "DEPOSIT_QUEUE", // DEPOSIT ops and supplied queue entries do not match
  "BATCH_FULL", // more than N ops
  "FUNDING_RATE", // |rate| > maxFundingRate for a perpetual, or a rate ≠ 0 for a market that is not a live perpetual
  "SETTLED_PRICE", // a settled market's header price ≠ its settlement price
  "FUND_ACCOUNT", // an op names account 0 (the insurance fund), or a deposit goes to it
  "FUND_NEGATIVE", // the fund's collateral + the batch's fees and penalties − deficits < 0 at the end of the batch
  "MARKET_SETTLED", // a trade, liquidation or deleverage in a settled market
  "MARKET_NOT_SETTLED", // a settlement in a market that has not settled (before expiry, or a perpetual)
  "NO_POSITION", // the account holds no position in the market (settling twice, liquidating nothing)
  "FILL_EXCEEDS_POSITION", // q above the size a liquidation or deleverage may close
  "NOT_LIQUIDATABLE", // 10000 · equity ≥ mmBps · requirement: the account is healthy
  "NOT_BANKRUPT", // a deleverage of an account whose equity is ≥ 0
  "FUND_CAN_PAY", // a deleverage while the fund (collateral + net fees so far) covers the deficit
  "NOT_OPPOSITE", // the deleverage counterparty's position is not of the opposite sign
  "BAD_BANKRUPTCY_PRICE", // the deleverage price does not leave 0 ≤ equity < q for the bankrupt account
  "RISK_ARRAYS", // published risk arrays (the calldata's risk tail) missing or not hashing to the header's riskHash
] as const;

/** One of `RULE_CODES`. */
export type RuleCode = (typeof RULE_CODES)[number];

/** The op (or batch part) a rule error belongs to. */
export type RuleOp = "HEADER" | "NOOP" | "DEPOSIT" | "TRADE" | "WITHDRAW" | "LIQUIDATE" | "SETTLE" | "DELEVERAGE" | "FORCED_WITHDRAW" | "FEES" | "BATCH" | "GENESIS";

/** The numbers behind a rule error, by name (bigints stay exact). */
export type RuleDetails = Record<string, bigint | number | string>;

/** A refused op or batch: `code` is the rule, `op` the op, `details` the numbers. */
export class RuleError extends Error {
  readonly code: RuleCode;
  readonly op: RuleOp;
  readonly details: RuleDetails;

  /**
   * @param code - the rule
   * @param op - the op that broke it
   * @param text - what happened, with the numbers (the message is `CODE: OP text`)
   * @param details - the same numbers, machine-readable
   */
  constructor(code: RuleCode, op: RuleOp, text: string, details: RuleDetails = {}) {
    super(`${code}: ${op} ${text}`);
    this.name = "RuleError";
    this.code = code;
    this.op = op;
    this.details = details;
  }

  /** The same error with the op-slot position in the batch appended. */
  atSlot(slot: number): RuleError {
    const text = this.message.slice(`${this.code}: ${this.op} `.length);
    return new RuleError(this.code, this.op, `${text} (op slot ${slot})`, { ...this.details, slot });
  }
}

/** Decimals of the collateral token (collateral units, protocol.md section 2). */
export const COLLATERAL_DECIMALS = 6;

/**
 * Formats collateral units with 6 decimals and thousands separators:
 * 1200000000n → "1,200.000000", -5n → "-0.000005".
 */
export function formatUnits(x: bigint, decimals: number = COLLATERAL_DECIMALS): string {
  const neg = x < 0n;
  const abs = neg ? -x : x;
  const scale = 10n ** BigInt(decimals);
  const whole = (abs / scale).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const frac = decimals > 0 ? "." + (abs % scale).toString().padStart(decimals, "0") : "";
  return `${neg ? "-" : ""}${whole}${frac}`;
}

/**
 * Throws `RuleError(RANGE)` unless lo < x < hi.
 * @param op - the op checking the value
 * @param name - the protocol name of the value (e.g. `limitPrice`)
 */
export function requireOpenRange(op: RuleOp, name: string, x: bigint, lo: bigint, hi: bigint, where = ""): void {
  if (x > lo && x < hi) return;
  const w = where === "" ? "" : `${where} `;
  throw new RuleError("RANGE", op, `${w}${name} ${x} outside ${lo} < ${name} < ${hi}`, { [name]: x, lo, hi });
}
