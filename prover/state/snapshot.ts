/**
 * A JSON snapshot of a state, as written to `out/demo/state.json` and read by auditors:
 * decimal strings, signed values with a minus sign (never in field encoding).
 */
import type { State } from "./state";

export interface StateSnapshot {
  accountsRoot: string;
  globalHash: string;
  stateRoot: string;
  accounts: {
    index: number;
    ax: string;
    ay: string;
    nonce: string;
    collateral: string;
    positions: { marketId: number; size: string; fundingSnapshot: string }[];
  }[];
  markets: {
    id: number;
    kind: number;
    lotSize: string;
    expiry: string;
    strike: string;
    markPrice: string;
    fundingIndex: string;
    settlementPrice: string;
    settled: boolean;
  }[];
  oracleTimestamp: string;
  depositHead: string;
  depositsConsumed: number;
  totals: { deposits: string; withdrawals: string };
}

/**
 * Snapshot of a state. Every account that is not empty is listed with all its P
 * position slots (empty slots as zeros), so that the leaf can be recomputed.
 * @param totals - deposits and withdrawals so far (they are L1 facts, not in the state)
 */
export function stateSnapshot(state: State, totals: { deposits: bigint; withdrawals: bigint }): StateSnapshot {
  const accounts = [...state.accounts.entries()]
    .filter(([, a]) => a.ax !== 0n)
    .sort(([i], [j]) => i - j)
    .map(([index, a]) => ({
      index,
      ax: a.ax.toString(),
      ay: a.ay.toString(),
      nonce: a.nonce.toString(),
      collateral: a.collateral.toString(),
      positions: a.positions.map((p) => ({ marketId: p.marketId, size: p.size.toString(), fundingSnapshot: p.fundingSnapshot.toString() })),
    }));
  const g = state.global;
  return {
    accountsRoot: state.accountsRoot().toString(),
    globalHash: state.globalHash().toString(),
    stateRoot: state.stateRoot().toString(),
    accounts,
    markets: g.markets.map((m, i) => ({
      id: i + 1,
      kind: m.kind,
      lotSize: m.lotSize.toString(),
      expiry: m.expiry.toString(),
      strike: m.strike.toString(),
      markPrice: m.markPrice.toString(),
      fundingIndex: m.fundingIndex.toString(),
      settlementPrice: m.settlementPrice.toString(),
      settled: m.settled,
    })),
    oracleTimestamp: g.oracleTimestamp.toString(),
    depositHead: g.depositHead.toString(),
    depositsConsumed: g.depositCount,
    totals: { deposits: totals.deposits.toString(), withdrawals: totals.withdrawals.toString() },
  };
}
