/**
 * When a block is final, as the chain defines it (docs/risk.md section 1): the node's
 * `finalized` or `safe` block tag where it serves one, N confirmations where it does
 * not, and never fewer than a minimum depth. Proof-of-stake Ethereum and most rollups
 * serve the tags; a chain or a node that answers them with an error or null falls back
 * to confirmations (the answer is read on every check: a node behind a load balancer may
 * serve the tag on one backend and not on the next).
 */
import type { Provider } from "ethers";

/** The finality rule of the submitter (the service takes it from the risk config). */
export interface FinalityRule {
  /** The block tag that says final; absent: confirmations only. */
  readonly tag?: "finalized" | "safe";
  /** Depth (head − block + 1) that counts as final where the node does not serve the tag. */
  readonly confirmations: number;
  /** Depth every final block has, whatever the tag says (≥ 1). */
  readonly minConfirmations: number;
}

/** N confirmations and nothing else. */
export function confirmationsRule(n: number): FinalityRule {
  return { confirmations: n, minConfirmations: n };
}

/** The block number the node's tag points at; undefined where the node does not serve it. */
export async function taggedBlock(provider: Provider, tag: "finalized" | "safe"): Promise<number | undefined> {
  try {
    const b = await provider.getBlock(tag);
    return b === null ? undefined : b.number;
  } catch {
    return undefined;
  }
}

/**
 * Whether `blockNumber` is final under `rule`.
 * @param head - the node's head, when the caller has just read it
 */
export async function isFinalBlock(provider: Provider, blockNumber: number, rule: FinalityRule, head?: number): Promise<boolean> {
  const depth = (head ?? (await provider.getBlockNumber())) - blockNumber + 1;
  if (depth < rule.minConfirmations) return false;
  const tagged = rule.tag === undefined ? undefined : await taggedBlock(provider, rule.tag);
  return tagged !== undefined ? blockNumber <= tagged : depth >= rule.confirmations;
}
