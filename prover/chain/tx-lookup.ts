/** Receipts, mempool lookups and revert replays for the transactions sent for one nonce. */
import type { AddressLike, Interface, Provider, TransactionReceipt } from "ethers";
import { confirmationsRule, isFinalBlock, type FinalityRule } from "./finality-rule";
import { UNKNOWN_REVERT, decodeRevert, type DecodedRevert } from "./submitter-errors";

/** The receipt of whichever of `hashes` was mined (at most one can be: they share a nonce). */
export async function receiptOf(provider: Provider, hashes: readonly string[]): Promise<TransactionReceipt | undefined> {
  for (const h of new Set(hashes)) {
    const r = await provider.getTransactionReceipt(h);
    if (r) return r;
  }
  return undefined;
}

/** Whether the node still knows any of `hashes` (pending or mined); false = dropped. */
export async function anyKnown(provider: Provider, hashes: readonly string[]): Promise<boolean> {
  for (const h of new Set(hashes)) if (await provider.getTransaction(h)) return true;
  return false;
}

/**
 * The receipt once final under the rule (a number: that many confirmations), or at once
 * where it reverted; undefined if a reorg removed it meanwhile.
 */
export async function awaitConfirmations(
  provider: Provider,
  receipt: TransactionReceipt,
  finality: number | FinalityRule,
  pause: () => Promise<void>,
): Promise<TransactionReceipt | undefined> {
  const rule = typeof finality === "number" ? confirmationsRule(finality) : finality;
  let blockHash = receipt.blockHash;
  for (;;) {
    const head = await provider.getBlockNumber();
    const seen = await provider.getTransactionReceipt(receipt.hash);
    if (!seen) return undefined;
    if (seen.status !== 1 || (seen.blockHash === blockHash && (await isFinalBlock(provider, seen.blockNumber, rule, head)))) return seen;
    blockHash = seen.blockHash;
    await pause();
  }
}

/** Decodes a mined revert by running the call again on the state after its block. */
export async function replay(
  provider: Provider,
  iface: Interface,
  call: { to: AddressLike; data: string },
  receipt: TransactionReceipt,
): Promise<DecodedRevert> {
  try {
    await provider.call({ ...call, from: receipt.from, blockTag: receipt.blockNumber });
  } catch (err) {
    return decodeRevert(iface, err) ?? UNKNOWN_REVERT;
  }
  return UNKNOWN_REVERT; // out of gas, or a state that no longer reverts
}
