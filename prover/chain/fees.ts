/** EIP-1559 fees for the submitter: the network's, and the bump of a replacement. */
import type { Provider } from "ethers";

export interface Fees {
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
}

/** The provider's EIP-1559 fees; undefined on a chain without them. */
export async function networkFees(provider: Provider): Promise<Fees | undefined> {
  const d = await provider.getFeeData();
  if (d.maxFeePerGas === null || d.maxPriorityFeePerGas === null) return undefined;
  return { maxFeePerGas: d.maxFeePerGas, maxPriorityFeePerGas: d.maxPriorityFeePerGas };
}

/** Both fees × (1 + percent / 100), rounded up (nodes want ≥ 10 % on both to replace). */
export function bumpFees(fees: Fees, percent: number): Fees {
  const bps = BigInt(Math.ceil(percent * 100));
  const up = (v: bigint) => (v * (10_000n + bps) + 9_999n) / 10_000n;
  return { maxFeePerGas: up(fees.maxFeePerGas), maxPriorityFeePerGas: up(fees.maxPriorityFeePerGas) };
}

/** The greater of each fee, with maxFeePerGas ≥ maxPriorityFeePerGas. */
export function maxFees(a: Fees, b: Fees): Fees {
  const big = (x: bigint, y: bigint) => (x > y ? x : y);
  const priority = big(a.maxPriorityFeePerGas, b.maxPriorityFeePerGas);
  return { maxFeePerGas: big(big(a.maxFeePerGas, b.maxFeePerGas), priority), maxPriorityFeePerGas: priority };
}
