/**
 * Whether two states hold the same content, without hashing: the accounts, the global
 * state (what the state root commits to) and the deposit count (which it does not).
 * Two states with the same content have the same roots. Accounts are immutable values
 * shared between a state and its clones, so accounts no batch touched compare by
 * identity and the cost is one pointer comparison each.
 */
import type { State } from "./state";

export function sameState(a: State, b: State): boolean {
  if (a.params !== b.params && !sameValue(a.params, b.params)) return false;
  if (!sameValue(a.global, b.global)) return false;
  if (a.accounts.size !== b.accounts.size) return false;
  for (const [i, account] of a.accounts) {
    const other = b.accounts.get(i);
    if (other === undefined || (other !== account && !sameValue(account, other))) return false;
  }
  return true;
}

/** Structural equality of plain data (bigints, numbers, strings, booleans, arrays, records); an absent key equals undefined. */
function sameValue(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== "object" || typeof y !== "object" || x === null || y === null) return false;
  if (Array.isArray(x) || Array.isArray(y)) {
    return Array.isArray(x) && Array.isArray(y) && x.length === y.length && x.every((v, i) => sameValue(v, y[i]));
  }
  const xr = x as Record<string, unknown>;
  const yr = y as Record<string, unknown>;
  for (const k of new Set([...Object.keys(xr), ...Object.keys(yr)])) if (!sameValue(xr[k], yr[k])) return false;
  return true;
}
