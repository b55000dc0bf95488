/**
 * Accounts and their leaves (protocol.md section 3, "Accounts").
 *
 * ```
 * pairHash_k = Poseidon(marketId_2k, size_2k, fundingSnapshot_2k,
 *                       marketId_2k+1, size_2k+1, fundingSnapshot_2k+1)    k < ceil(P/2)
 * leaf       = Poseidon(ax, ay, nonce, collateral, pairHash_0, …)          if ax ≠ 0
 * leaf       = 0                                                           if ax = 0
 * ```
 * A slot past the last (odd P) hashes as the empty slot (0, 0, 0).
 * Signed values (`collateral`, `size`) are kept as signed bigints and encoded mod r
 * when hashed.
 */
import { poseidon } from "./crypto";

/** One position slot; (0, 0, 0) is empty. `marketId` is 1..M (market index + 1). */
export interface PositionSlot {
  readonly marketId: number;
  /** Signed, in lots: long > 0. */
  readonly size: bigint;
  readonly fundingSnapshot: bigint;
}

/** An account leaf's fields. Empty iff `ax = 0` (and then every field is 0). */
export interface Account {
  readonly ax: bigint;
  readonly ay: bigint;
  readonly nonce: bigint;
  /** Signed, in collateral units (6 decimals). */
  readonly collateral: bigint;
  /** Exactly P slots. */
  readonly positions: readonly PositionSlot[];
}

/** The empty slot (0, 0, 0). */
export const EMPTY_SLOT: PositionSlot = Object.freeze({ marketId: 0, size: 0n, fundingSnapshot: 0n });

/** An empty account with P empty slots. */
export function emptyAccount(P: number): Account {
  return { ax: 0n, ay: 0n, nonce: 0n, collateral: 0n, positions: Array.from({ length: P }, () => EMPTY_SLOT) };
}

/** True iff the account is empty (ax = 0). */
export function isEmptyAccount(a: Account): boolean {
  return a.ax === 0n;
}

/** True iff the slot is (0, 0, 0). */
export function isEmptySlot(s: PositionSlot): boolean {
  return s.marketId === 0 && s.size === 0n && s.fundingSnapshot === 0n;
}

/** The fields of a slot as hashed: marketId, size, fundingSnapshot. */
const slotFields = (s: PositionSlot): bigint[] => [BigInt(s.marketId), s.size, s.fundingSnapshot];

/** `pairHash_k` of the positions, k = 0 .. ceil(P/2) − 1: two slots per Poseidon(6). */
export function pairHashes(positions: readonly PositionSlot[]): bigint[] {
  const out: bigint[] = [];
  for (let j = 0; j < positions.length; j += 2) out.push(poseidon([...slotFields(positions[j]), ...slotFields(positions[j + 1] ?? EMPTY_SLOT)]));
  return out;
}

/** The account's leaf: 0 when empty, else Poseidon(ax, ay, nonce, collateral, pairHash_0, …). */
export function accountLeaf(a: Account): bigint {
  if (isEmptyAccount(a)) return 0n;
  return poseidon([a.ax, a.ay, a.nonce, a.collateral, ...pairHashes(a.positions)]);
}

/**
 * The slot a trade in `marketId` uses: the slot holding the market, else the lowest
 * empty slot, else -1 (protocol.md section 3, canonical slot rule).
 */
export function findSlot(a: Account, marketId: number): number {
  const held = a.positions.findIndex((s) => s.marketId === marketId);
  if (held >= 0) return held;
  return a.positions.findIndex(isEmptySlot);
}

/** The signed size the account holds in a market (0 if no slot holds it). */
export function sizeIn(a: Account, marketId: number): bigint {
  const s = a.positions.find((p) => p.marketId === marketId);
  return s === undefined ? 0n : s.size;
}

/** Structural equality of two accounts. */
export function accountsEqual(x: Account, y: Account): boolean {
  if (x.ax !== y.ax || x.ay !== y.ay || x.nonce !== y.nonce || x.collateral !== y.collateral) return false;
  if (x.positions.length !== y.positions.length) return false;
  return x.positions.every((s, j) => {
    const t = y.positions[j];
    return s.marketId === t.marketId && s.size === t.size && s.fundingSnapshot === t.fundingSnapshot;
  });
}
