/**
 * Replaying a batch from its op data (issue 6, data availability): the same state
 * transition as `applyBatch` (batch.ts), computed from what the chain carries alone —
 * the decoded `submitBatch` calldata (header and op slots, `layout.decodeBatchData`) and
 * the L1 priority-queue entries the batch consumed — WITHOUT signatures, nonces in
 * messages or margin checks: the proof the contract verified vouches for them.
 *
 * Phases, as in `applyBatch`:
 * A: the header's effect on the markets (`previewMarkets`: settlement of expiring
 *    markets, mark prices, funding indices; no oracle signatures), and the risk in force:
 *    the header's riskHash, with the calldata's risk tail when it changes
 *    (`publishedRisk`: the tail's arrays if they hash to it, else `unpublished`)
 * C: each op slot from its wire fields, funding applied first to every account an op
 *    changes (every op but DEPOSIT), with the pure state changes the rules use
 *    (`fillTradeSide`, `withdrawState`, `liquidateMove`, `settleState`, `deleverageMove`,
 *    `applyDeposit`); DEPOSIT and FORCED_WITHDRAW consume the next queue entry
 * D: the fund's net credit (fees + penalties − deficits) to account 0 in one update
 * E: the new global state (timestamp, markets, risk, depositHead, depositCount)
 *
 * Structural consistency is still checked (parties exist and are not account 0, market
 * ids, slots, the queue entry's kind and account), so that a replay that diverges from
 * the chain fails with a RuleError naming the op slot instead of producing a wrong root.
 * The input state is never mutated.
 */
import { findSlot, type Account } from "./account";
import { RuleError, requireOpenRange } from "./errors";
import { pow2 } from "./field";
import type { Market } from "./global";
import { previewMarkets } from "./header";
import { publishedRisk, type RiskArrays } from "./risk-update";
import type { WireOp } from "./layout";
import { applyFunding } from "./margin";
import { checkParty, heldSlot, marketOf, requireLive, type OpContext } from "./ops/common";
import { deleverageMove } from "./ops/deleverage";
import { applyDeposit, depositChainStep, type DepositEntry } from "./ops/deposit";
import { isForcedRequest } from "./ops/forced-withdraw";
import { liquidateMove } from "./ops/liquidate";
import { settleState } from "./ops/settle";
import { fillTradeSide, tradeFee } from "./ops/trade";
import { withdrawState } from "./ops/withdraw";
import type { State } from "./state";

/** The header as op data carries it: no oracle signatures. */
export interface ReplayHeader {
  readonly timestamp: number | bigint;
  readonly markPrices: readonly bigint[];
  readonly fundingRates: readonly bigint[];
  /** The riskHash in force from this batch on (the header bytes' last 32). */
  readonly riskHash: bigint;
}

/** A batch as the chain carries it. */
export interface ReplayBatch {
  readonly header: ReplayHeader;
  /** The decoded op slots (at most N; padding NOOPs may be kept or left out). */
  readonly ops: readonly WireOp[];
  /** The L1 queue entries the DEPOSIT and FORCED_WITHDRAW ops consume, in queue order (one per such op). */
  readonly queueEntries: readonly DepositEntry[];
  /** The calldata's risk tail (M × S), when it carries one: needed when riskHash changes. */
  readonly pnl?: RiskArrays;
}

/** What a replayed batch moved besides the state: the L1 facts it implies. */
export interface ReplayResult {
  readonly state: State;
  /** Collateral credited to L1 owners (WITHDRAW and FORCED_WITHDRAW amounts), per slot in order. */
  readonly withdrawals: readonly { readonly slot: number; readonly accountIndex: number; readonly amount: bigint }[];
  /** Queue entries consumed. */
  readonly consumed: number;
  /** The fund's net credit: fees + penalties − deficits. */
  readonly fundCredit: bigint;
}

function queueEntry(entries: readonly DepositEntry[], consumed: number, type: "DEPOSIT" | "FORCED_WITHDRAW"): DepositEntry {
  const e = entries[consumed];
  if (e === undefined) {
    throw new RuleError("DEPOSIT_QUEUE", type, `needs queue entry ${consumed} but only ${entries.length} were supplied`, { consumed, entries: entries.length });
  }
  return e;
}

/** The slot of `marketId` in an account, or a RuleError naming the op. */
function requireSlot(op: "LIQUIDATE" | "SETTLE" | "DELEVERAGE", who: string, index: number, a: Account, marketId: number): number {
  const slot = heldSlot(a, marketId);
  if (slot < 0) {
    throw new RuleError("NO_POSITION", op, `${who} account ${index} holds no position in market ${marketId}`, { accountIndex: index, marketId });
  }
  return slot;
}

/**
 * Replays a batch from its op data, returning the new state and what it credited on L1.
 * @param state - the state before the batch (not mutated)
 * @param batch - header (no signatures), decoded ops, the queue entries consumed
 * @throws RuleError naming the op slot where the op data does not fit the state (a
 *   missing or wrong risk tail is not one: the risk becomes `unpublished`)
 */
export function replayBatchDetailed(state: State, batch: ReplayBatch): ReplayResult {
  const s = state.clone();
  const g = state.global;
  const M = s.params.markets;
  const N = s.params.batchSize;
  const timestamp = BigInt(batch.header.timestamp);

  // A: header (no signatures)
  if (timestamp <= g.oracleTimestamp) {
    throw new RuleError("ORACLE_TIMESTAMP", "HEADER", `timestamp ${timestamp} ≤ oracleTimestamp ${g.oracleTimestamp} of the state`, {
      timestamp,
      oracleTimestamp: g.oracleTimestamp,
    });
  }
  if (batch.header.markPrices.length !== M || batch.header.fundingRates.length !== M) {
    throw new RuleError("RANGE", "HEADER", `${batch.header.markPrices.length} prices and ${batch.header.fundingRates.length} rates for ${M} markets`, {
      prices: batch.header.markPrices.length,
      rates: batch.header.fundingRates.length,
      markets: M,
    });
  }
  const markets: readonly Market[] = previewMarkets(g, timestamp, batch.header.markPrices, batch.header.fundingRates);
  if (batch.ops.length > N) {
    throw new RuleError("BATCH_FULL", "BATCH", `${batch.ops.length} ops > batchSize ${N}`, { ops: batch.ops.length, batchSize: N });
  }
  const queueOps = batch.ops.filter((o) => o.type === "DEPOSIT" || o.type === "FORCED_WITHDRAW").length;
  if (queueOps !== batch.queueEntries.length) {
    throw new RuleError("DEPOSIT_QUEUE", "BATCH", `${queueOps} DEPOSIT and FORCED_WITHDRAW ops but ${batch.queueEntries.length} queue entries supplied`, {
      depositOps: queueOps,
      entries: batch.queueEntries.length,
    });
  }
  const risk = publishedRisk(s.params, g, batch.header.riskHash, batch.pnl);
  const ctx: OpContext = { timestamp, markets, risk, capacity: s.capacity };

  // C: op slots
  let head = g.depositHead;
  let consumed = 0;
  let fundCredit = 0n;
  const withdrawals: { slot: number; accountIndex: number; amount: bigint }[] = [];
  batch.ops.forEach((op, slot) => {
    try {
      switch (op.type) {
        case "NOOP":
          break;
        case "DEPOSIT": {
          const entry = queueEntry(batch.queueEntries, consumed, "DEPOSIT");
          if (isForcedRequest(entry)) {
            throw new RuleError("DEPOSIT_QUEUE", "DEPOSIT", `queue entry ${consumed} (account ${entry.accountIndex}) is a forced-withdrawal request, not a deposit`, {
              accountIndex: entry.accountIndex,
            });
          }
          s.setAccount(entry.accountIndex, applyDeposit(s.account(entry.accountIndex), entry, s.capacity));
          head = depositChainStep(head, entry);
          consumed++;
          break;
        }
        case "TRADE": {
          const ai = op.makerIndex;
          const bi = op.takerIndex;
          if (ai === bi) throw new RuleError("SELF_TRADE", "TRADE", `maker and taker are both account ${ai}`, { accountIndex: ai });
          const market = marketOf("TRADE", ctx, op.marketId);
          requireLive("TRADE", op.marketId, market);
          checkParty("TRADE", "maker", ai, s.account(ai), s.capacity);
          checkParty("TRADE", "taker", bi, s.account(bi), s.capacity);
          requireOpenRange("TRADE", "price", op.price, 0n, pow2(48));
          const makerFee = tradeFee(op.q, op.price, BigInt(op.makerFeeBps));
          const takerFee = tradeFee(op.q, op.price, BigInt(op.takerFeeBps));
          const makerFunded = applyFunding(s.account(ai), markets);
          const takerFunded = applyFunding(s.account(bi), markets);
          const m = fillTradeSide(markets, makerFunded, { accountIndex: ai, marketId: op.marketId, isBuy: op.makerIsBuy }, op.q, op.price, makerFee, "maker");
          const t = fillTradeSide(markets, takerFunded, { accountIndex: bi, marketId: op.marketId, isBuy: !op.makerIsBuy }, op.q, op.price, takerFee, "taker");
          s.setAccount(ai, m.after);
          s.setAccount(bi, t.after);
          fundCredit += makerFee + takerFee;
          break;
        }
        case "WITHDRAW": {
          const i = op.accountIndex;
          checkParty("WITHDRAW", "", i, s.account(i), s.capacity);
          s.setAccount(i, withdrawState(applyFunding(s.account(i), markets), i, op.amount));
          withdrawals.push({ slot, accountIndex: i, amount: op.amount });
          break;
        }
        case "LIQUIDATE": {
          const ai = op.liquidatee;
          const bi = op.liquidator;
          if (ai === bi) throw new RuleError("SELF_TRADE", "LIQUIDATE", `liquidator and liquidatee are both account ${ai}`, { accountIndex: ai });
          const market = marketOf("LIQUIDATE", ctx, op.marketId);
          requireLive("LIQUIDATE", op.marketId, market);
          checkParty("LIQUIDATE", "liquidatee", ai, s.account(ai), s.capacity);
          checkParty("LIQUIDATE", "liquidator", bi, s.account(bi), s.capacity);
          const aF = applyFunding(s.account(ai), markets);
          const bF = applyFunding(s.account(bi), markets);
          const slotA = requireSlot("LIQUIDATE", "liquidatee", ai, aF, op.marketId);
          const slotB = findSlot(bF, op.marketId);
          if (slotB < 0) {
            throw new RuleError("POSITION_SLOTS_FULL", "LIQUIDATE", `liquidator account ${bi} has no slot for market ${op.marketId}`, { accountIndex: bi, marketId: op.marketId });
          }
          const r = liquidateMove(market, g.risk.penaltyBps, aF, bF, { liquidatee: ai, liquidator: bi, marketId: op.marketId, q: op.q }, slotA, slotB);
          s.setAccount(ai, r.liquidatee);
          s.setAccount(bi, r.liquidator);
          fundCredit += r.penalty - r.deficit;
          break;
        }
        case "SETTLE": {
          const i = op.accountIndex;
          const market = marketOf("SETTLE", ctx, op.marketId);
          if (!market.settled) {
            throw new RuleError("MARKET_NOT_SETTLED", "SETTLE", `market ${op.marketId} is not settled at timestamp ${timestamp}`, { marketId: op.marketId });
          }
          checkParty("SETTLE", "", i, s.account(i), s.capacity);
          const funded = applyFunding(s.account(i), markets);
          const slotA = requireSlot("SETTLE", "", i, funded, op.marketId);
          const settled = settleState(funded, i, slotA, market.settlementPrice);
          s.setAccount(i, settled.after);
          fundCredit -= settled.deficit;
          break;
        }
        case "DELEVERAGE": {
          const ai = op.bankrupt;
          const bi = op.counterparty;
          if (ai === bi) throw new RuleError("SELF_TRADE", "DELEVERAGE", `bankrupt and counterparty are both account ${ai}`, { accountIndex: ai });
          const market = marketOf("DELEVERAGE", ctx, op.marketId);
          requireLive("DELEVERAGE", op.marketId, market);
          checkParty("DELEVERAGE", "bankrupt", ai, s.account(ai), s.capacity);
          checkParty("DELEVERAGE", "counterparty", bi, s.account(bi), s.capacity);
          const aF = applyFunding(s.account(ai), markets);
          const bF = applyFunding(s.account(bi), markets);
          const slotA = requireSlot("DELEVERAGE", "bankrupt", ai, aF, op.marketId);
          const slotB = requireSlot("DELEVERAGE", "counterparty", bi, bF, op.marketId);
          const r = deleverageMove(aF, bF, ai, bi, slotA, slotB, op.q, op.price);
          s.setAccount(ai, r.bankrupt);
          s.setAccount(bi, r.counterparty);
          break;
        }
        case "FORCED_WITHDRAW": {
          const entry = queueEntry(batch.queueEntries, consumed, "FORCED_WITHDRAW");
          const i = op.accountIndex;
          if (!isForcedRequest(entry) || entry.accountIndex !== i) {
            throw new RuleError(
              "DEPOSIT_QUEUE",
              "FORCED_WITHDRAW",
              `queue entry ${consumed} (account ${entry.accountIndex}, key (${entry.ax}, ${entry.ay})) is not a forced-withdrawal request of account ${i}`,
              { accountIndex: i, entryAccountIndex: entry.accountIndex },
            );
          }
          if (op.amount > entry.amount) {
            throw new RuleError("RANGE", "FORCED_WITHDRAW", `withdraws ${op.amount} > requested ${entry.amount} for account ${i}`, { amount: op.amount, requested: entry.amount });
          }
          checkParty("FORCED_WITHDRAW", "", i, s.account(i), s.capacity);
          const funded = applyFunding(s.account(i), markets);
          s.setAccount(i, { ...funded, collateral: funded.collateral - op.amount });
          head = depositChainStep(head, entry);
          consumed++;
          withdrawals.push({ slot, accountIndex: i, amount: op.amount });
          break;
        }
        default:
          throw new RuleError("RANGE", "BATCH", `unknown op type ${(op as { type?: unknown }).type}`, { type: String((op as { type?: unknown }).type) });
      }
    } catch (e) {
      throw e instanceof RuleError ? e.atSlot(slot) : e;
    }
  });

  // D: the fund's net credit
  const fund = s.account(0);
  const credited = fund.collateral + fundCredit;
  if (credited < 0n) {
    throw new RuleError("FUND_NEGATIVE", "FEES", `insurance fund collateral ${fund.collateral} + net credit ${fundCredit} < 0`, { collateral: fund.collateral, fees: fundCredit });
  }
  s.setAccount(0, { ...fund, collateral: credited });

  // E: new global state
  s.setGlobal({ ...g, markets, risk, oracleTimestamp: timestamp, depositHead: head, depositCount: g.depositCount + consumed });
  return { state: s, withdrawals, consumed, fundCredit };
}

/**
 * Replays a batch from its op data (no signatures: the proof vouches for them).
 * @returns the state after the batch; its `stateRoot()` equals `applyBatch`'s for the same batch
 * @throws RuleError naming the op slot where the op data does not fit the state (a
 *   missing or wrong risk tail is not one: the risk becomes `unpublished`)
 */
export function replayBatch(state: State, batch: ReplayBatch): State {
  return replayBatchDetailed(state, batch).state;
}
