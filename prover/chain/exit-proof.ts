/**
 * Exit proofs of the escape hatch (docs/security.md): everything
 * `Settlement.exit(proof)` needs to recompute the last finalized state root from one
 * account on chain (contracts/settlement/ExitVerifier.sol), built from a State, and the
 * equity the account is paid (protocol.md section 6, floored at 0):
 *
 * ```
 * equity = collateral + Σ_j size_j · markPrice_m − Σ_j size_j · (fundingIndex_m − fundingSnapshot_j)
 * ```
 *
 * Signed values are field-encoded (x < 0 → r + x), as the leaves hash them.
 */
import type { Provider } from "ethers";
import { mod } from "../state/field";
import { oracleKeysHash, riskHash } from "../state/global";
import { accountEquity } from "../state/margin";
import type { State } from "../state/state";
import { rebuildState, type RebuildOptions } from "./rebuild";

/** A position slot as the contract takes it. */
export interface ExitPosition {
  marketId: bigint;
  size: bigint;
  fundingSnapshot: bigint;
}

/** A market leaf's fields as the contract takes them. */
export interface ExitMarket {
  kind: bigint;
  lotSize: bigint;
  expiry: bigint;
  strike: bigint;
  markPrice: bigint;
  fundingIndex: bigint;
  settlementPrice: bigint;
  settled: bigint;
}

/** `IExitVerifier.ExitProof`: pass it as the one argument of `Settlement.exit`. */
export interface ExitProof {
  accountIndex: bigint;
  ax: bigint;
  ay: bigint;
  nonce: bigint;
  collateral: bigint;
  /** P slots. */
  positions: ExitPosition[];
  /** D levels, leaf level first; each the three other children in child order. */
  siblings: [bigint, bigint, bigint][];
  /** M markets. */
  markets: ExitMarket[];
  oracleTimestamp: bigint;
  riskHash: bigint;
  oracleKeysHash: bigint;
  depositHead: bigint;
}

/**
 * Builds the exit proof of one account against `state` (which must be the state whose
 * root the contract stores, i.e. the last finalized one).
 * @param state - the last finalized state
 * @param accountIndex - the account, 0..4^D − 1
 * @throws RangeError when the index is outside the tree or the account is empty
 */
export function buildExitProof(state: State, accountIndex: number): ExitProof {
  if (!Number.isInteger(accountIndex) || accountIndex < 0 || accountIndex >= state.capacity) {
    throw new RangeError(`account index ${accountIndex} outside 0..${state.capacity - 1}`);
  }
  const a = state.account(accountIndex);
  if (a.ax === 0n) throw new RangeError(`account ${accountIndex} is empty: nothing to exit`);
  const g = state.global;
  return {
    accountIndex: BigInt(accountIndex),
    ax: a.ax,
    ay: a.ay,
    nonce: a.nonce,
    collateral: mod(a.collateral),
    positions: a.positions.map((s) => ({ marketId: BigInt(s.marketId), size: mod(s.size), fundingSnapshot: mod(s.fundingSnapshot) })),
    siblings: state.tree.siblings(accountIndex).map((s) => [s[0], s[1], s[2]] as [bigint, bigint, bigint]),
    markets: g.markets.map((m) => ({
      kind: BigInt(m.kind),
      lotSize: m.lotSize,
      expiry: m.expiry,
      strike: m.strike,
      markPrice: m.markPrice,
      fundingIndex: mod(m.fundingIndex),
      settlementPrice: m.settlementPrice,
      settled: m.settled ? 1n : 0n,
    })),
    oracleTimestamp: g.oracleTimestamp,
    riskHash: riskHash(g.risk),
    oracleKeysHash: oracleKeysHash(g.oracleKeys),
    depositHead: g.depositHead,
  };
}

/**
 * What an exit pays: the account's equity at the committed marks, less unapplied
 * funding, floored at 0 (the TypeScript mirror of ExitVerifier's equity).
 */
export function exitEquity(state: State, accountIndex: number): bigint {
  const e = accountEquity(state.account(accountIndex), state.global.markets);
  return e > 0n ? e : 0n;
}

/** A JSON-friendly copy of an exit proof (decimal strings). */
export function exitProofToJson(p: ExitProof): unknown {
  return JSON.parse(JSON.stringify(p, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
}

/**
 * Builds an exit proof from chain data alone: rebuilds the last finalized state from
 * the contract's GenesisPublished event, the queue's DepositQueued events and the
 * calldata of every finalized batch (`rebuildState` of prover/chain/rebuild.ts), checks
 * that its root is the contract's stateRoot, then proves the account against it.
 * @param provider - a provider of the chain
 * @param settlementAddress - the settlement contract
 * @param accountIndex - the account
 * @param opts - passed to rebuildState (e.g. `genesis` when the deployment published none)
 * @returns the proof, the rebuilt state and the equity the exit pays
 * @throws Error when the rebuilt root is not the contract's stored root
 */
export async function buildExitProofFromChain(
  provider: Provider,
  settlementAddress: string,
  accountIndex: number,
  opts: RebuildOptions = {},
): Promise<{ proof: ExitProof; state: State; equity: bigint }> {
  const rebuilt = await rebuildState(provider, settlementAddress, opts);
  if (!rebuilt.matchesChain) {
    throw new Error(`rebuilt state root ${rebuilt.state.stateRoot()} is not the contract's stateRoot ${rebuilt.chainStateRoot}`);
  }
  const state = rebuilt.state;
  return { proof: buildExitProof(state, accountIndex), state, equity: exitEquity(state, accountIndex) };
}
