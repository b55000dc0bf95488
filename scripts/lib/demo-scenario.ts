/**
 * The demo's story, batch by batch, on the `ci` markets of the dev genesis (1 BTC-PERP,
 * 2 BTC-FUT, 3 BTC-CALL, 4 BTC-PUT; lots of 0.001 BTC, prices per lot): four traders
 * deposit; 1 goes long the perpetual with leverage against 2; 3 buys the future and a
 * call from 4; funding flows from the long to the short over two 8-hour periods; the
 * price falls and 2 takes over part of 1's long as liquidator (ci accounts hold two
 * position slots, and 3's are full); the dated markets expire and are settled; 3
 * withdraws and 4's forced withdrawal from L1 is served. Each step is planned on the
 * state the previous batch left, so orders carry current nonces.
 */
import type { Op } from "../../prover/state/batch";
import type { State } from "../../prover/state/state";
import { devLiquidation, devOrder, devWithdrawal, trade } from "../../prover/dev/fixtures";

const USDC = 1_000_000n;
const HOUR = 3_600;
/** 10^-7 per second, in the header's 10^-12 per second: 0.29% of the price per lot per 8 hours. */
const FUNDING_RATE = 100_000n;

/** One batch of the story. */
export interface DemoStep {
  /** What the step shows, for the log. */
  readonly title: string;
  /** Seconds of chain time to let pass before the batch. */
  readonly advance?: number;
  /** The header's price per market (the stored mark price where left out). */
  readonly prices?: (s: State) => bigint[];
  /** Whether the perpetual pays funding over this step (at FUNDING_RATE). */
  readonly funding?: boolean;
  /** Forced-withdrawal requests to make on L1 before the batch: [account, amount]. */
  readonly forcedRequests?: readonly (readonly [number, bigint])[];
  /** The ops, planned on the state before the batch. */
  readonly ops: (s: State) => Op[];
}

const withPrices = (s: State, changes: Record<number, bigint>): bigint[] => s.global.markets.map((m, i) => changes[i + 1] ?? m.markPrice);
const perpRate = (s: State): bigint[] => s.global.markets.map((_, i) => (i === 0 ? FUNDING_RATE : 0n));

export const DEMO_STEPS: readonly DemoStep[] = [
  { title: "deposits of traders 1 and 2", ops: () => [{ type: "DEPOSIT" }, { type: "DEPOSIT" }] },
  { title: "deposits of traders 3 and 4", ops: () => [{ type: "DEPOSIT" }, { type: "DEPOSIT" }] },
  {
    title: "1 buys 1,000 BTC-PERP from 2 (60k notional on 10k); 3 buys 20 BTC-FUT from 4",
    advance: 60,
    ops: (s) => [
      trade(
        devOrder(s, { accountIndex: 2, marketId: 1, isBuy: false, size: 1_000n, limitPrice: 60n * USDC, maxFeeBps: 5n }),
        devOrder(s, { accountIndex: 1, marketId: 1, isBuy: true, size: 1_000n, limitPrice: 61n * USDC, maxFeeBps: 10n }),
        1_000n, 2n, 5n,
      ),
      trade(
        devOrder(s, { accountIndex: 4, marketId: 2, isBuy: false, size: 20n, limitPrice: 60n * USDC, maxFeeBps: 5n }),
        devOrder(s, { accountIndex: 3, marketId: 2, isBuy: true, size: 20n, limitPrice: 60n * USDC, maxFeeBps: 10n }),
        20n, 2n, 5n,
      ),
    ],
  },
  {
    title: "8 hours of funding (long pays short); 3 buys 100 BTC-CALL from 4; 2 withdraws 500",
    advance: 8 * HOUR,
    funding: true,
    ops: (s) => [
      trade(
        devOrder(s, { accountIndex: 4, marketId: 3, isBuy: false, size: 100n, limitPrice: 1_200_000n, maxFeeBps: 5n }),
        devOrder(s, { accountIndex: 3, marketId: 3, isBuy: true, size: 100n, limitPrice: 1_250_000n, maxFeeBps: 10n }),
        100n, 2n, 5n,
      ),
      devWithdrawal(s, 2, 500n * USDC),
    ],
  },
  {
    title: "8 more hours of funding; BTC falls to 53: 1 is below maintenance and 2 liquidates 500 of its lots",
    advance: 8 * HOUR,
    funding: true,
    prices: (s) => withPrices(s, { 1: 53n * USDC, 2: 53n * USDC }),
    ops: (s) => [devLiquidation(s, { liquidatorIndex: 2, liquidateeIndex: 1, marketId: 1 }, 500n), { type: "NOOP" }],
  },
  {
    title: "two days on: BTC-FUT and BTC-CALL expire at 62; 3's and 4's futures are settled",
    advance: 48 * HOUR,
    prices: (s) => withPrices(s, { 1: 62n * USDC, 2: 62n * USDC, 3: 62n * USDC, 4: 62n * USDC }),
    ops: () => [
      { type: "SETTLE", accountIndex: 3, marketId: 2 },
      { type: "SETTLE", accountIndex: 4, marketId: 2 },
    ],
  },
  {
    title: "the calls are settled (2 USDC per lot in the money)",
    advance: 60,
    ops: () => [
      { type: "SETTLE", accountIndex: 3, marketId: 3 },
      { type: "SETTLE", accountIndex: 4, marketId: 3 },
    ],
  },
  {
    title: "3 withdraws 2,000; 4's forced withdrawal of 1,000 (requested on L1) is served",
    advance: 60,
    forcedRequests: [[4, 1_000n * USDC]],
    ops: (s) => [devWithdrawal(s, 3, 2_000n * USDC), { type: "FORCED_WITHDRAW" }],
  },
];

/** Funding rates for a step: the perpetual pays funding in the steps that say so. */
export function stepRates(step: DemoStep, s: State): bigint[] {
  return step.funding ? perpRate(s) : s.global.markets.map(() => 0n);
}

/** A trade the risk rules refuse: 1 sells 5,000 BTC-PERP lots (300,000 USDC notional) to 4, each with 10,000 USDC. */
export function oversizedTrade(s: State): Op {
  return trade(
    devOrder(s, { accountIndex: 1, marketId: 1, isBuy: false, size: 5_000n, limitPrice: 60n * USDC }),
    devOrder(s, { accountIndex: 4, marketId: 1, isBuy: true, size: 5_000n, limitPrice: 60n * USDC }),
    5_000n,
  );
}
