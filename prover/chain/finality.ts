/**
 * What the chain says about finalized batches: the settlement contract's
 * `BatchFinalized` events and its `batchCount` view, read on the canonical chain.
 *
 * Numbering: the contract counts batches from 0 (`BatchFinalized.batchNumber` = 0 for the
 * first batch after genesis); zksettle's jobs count from 1. Everything exported here
 * takes and returns the job's 1-based number: on-chain number = job number − 1.
 */
import type { Contract, EventLog, Log, Provider } from "ethers";

/** A batch the service holds as finalized: its job's number (1-based) and new root. */
export interface ExpectedBatch {
  readonly batchNumber: number;
  readonly newStateRoot: bigint;
  /**
   * The block its finalization was seen in. While the node's head is below it, the node
   * is behind (a lagging or load-balanced RPC endpoint), which is no evidence of a reorg:
   * the batch is judged once the head reaches that height again.
   */
  readonly blockNumber?: number;
}

/** A `BatchFinalized` event on the canonical chain. */
export interface Finalization {
  /** The job's batch number (1-based): the event's batchNumber + 1. */
  readonly batchNumber: number;
  readonly oldStateRoot: bigint;
  readonly newStateRoot: bigint;
  readonly depositsEnd: bigint;
  readonly inputHash: bigint;
  readonly txHash: string;
  readonly blockNumber: number;
  readonly blockHash: string;
  /** head − blockNumber + 1 when read (1 = in the latest block). */
  readonly confirmations: number;
}

/** The on-chain (0-based) number of a job's (1-based) batch. */
export function onChainBatchNumber(batchNumber: number): bigint {
  if (!Number.isSafeInteger(batchNumber) || batchNumber < 1) throw new RangeError(`batch number ${batchNumber} is not ≥ 1`);
  return BigInt(batchNumber - 1);
}

/** Reads finalizations from a settlement contract (a handle connected to a provider). */
export class FinalityReader {
  /**
   * @param contract - the settlement contract, with its ABI
   * @param provider - where to read
   * @param fromBlock - the first block to scan for events (the contract's deployment block)
   */
  constructor(
    private readonly contract: Contract,
    private readonly provider: Provider,
    private readonly fromBlock: number,
  ) {}

  /** Every finalization the canonical chain holds up to `head`, by 1-based batch number. */
  private async scan(head: number, batchNumber?: number): Promise<Map<number, Finalization>> {
    const filter =
      batchNumber === undefined
        ? this.contract.filters.BatchFinalized()
        : this.contract.filters.BatchFinalized(onChainBatchNumber(batchNumber));
    const logs = (await this.contract.queryFilter(filter, this.fromBlock, head)) as (EventLog | Log)[];
    const found = new Map<number, Finalization>();
    for (const log of logs) {
      if (log.removed) continue;
      const parsed = this.contract.interface.parseLog(log);
      if (!parsed || parsed.name !== "BatchFinalized") continue;
      const [n, oldStateRoot, newStateRoot, depositsEnd, inputHash] = parsed.args as unknown as bigint[];
      found.set(Number(n) + 1, {
        batchNumber: Number(n) + 1,
        oldStateRoot,
        newStateRoot,
        depositsEnd,
        inputHash,
        txHash: log.transactionHash,
        blockNumber: log.blockNumber,
        blockHash: log.blockHash,
        confirmations: head - log.blockNumber + 1,
      });
    }
    return found;
  }

  /** The finalization of a job's batch, at any depth; undefined where the chain has none. */
  async find(batchNumber: number): Promise<Finalization | undefined> {
    const head = await this.provider.getBlockNumber();
    return (await this.scan(head, batchNumber)).get(batchNumber);
  }

  /**
   * The batches of `expected` the chain no longer holds as given: no `BatchFinalized`
   * event for the number, an event with another new root, or `batchCount` below it
   * (a reorg took them back). A batch whose `blockNumber` is above the node's head is not
   * judged yet (see ExpectedBatch). Ascending 1-based batch numbers.
   */
  async missing(expected: readonly ExpectedBatch[]): Promise<number[]> {
    if (expected.length === 0) return [];
    const head = await this.provider.getBlockNumber();
    const [found, count] = await Promise.all([
      this.scan(head),
      this.contract.getFunction("batchCount").staticCall({ blockTag: head }) as Promise<bigint>,
    ]);
    return expected
      .filter((e) => e.blockNumber === undefined || e.blockNumber <= head)
      .filter((e) => {
        const f = found.get(e.batchNumber);
        return !f || f.newStateRoot !== e.newStateRoot || BigInt(e.batchNumber) > count;
      })
      .map((e) => e.batchNumber)
      .sort((a, b) => a - b);
  }
}
