/**
 * Rebuilds the full state from the chain alone (issue 6, data availability): every
 * state change of a batch is recoverable from its calldata.
 *
 * Reads ONLY the settlement contract's events and transactions:
 * 1. `GenesisPublished(stateRoot, genesis)`: the genesis state (prover/state/genesis-codec.ts),
 *    checked against the logged root;
 * 2. `DepositQueued(queueIndex, accountIndex, ax, ay, amount, head)`: the L1 priority
 *    queue (deposits, and forced-withdrawal requests with key (0, 1)), in queue order,
 *    each entry checked against its logged chain head;
 * 3. for each `BatchFinalized(batchNumber, oldStateRoot, newStateRoot, depositsEnd, inputHash)`:
 *    the transaction's calldata (`submitBatch(bytes data, uint256[8] proof)`), decoded
 *    with `layout.decodeBatchData` and replayed with `replayBatch` (no signatures: the
 *    proof the contract verified vouches for them) on the queue entries it consumed;
 *    when the header's riskHash changes, the calldata's risk tail (which the contract
 *    does not check) puts its arrays in force if they hash to it; if it is missing or
 *    does not, the batch still replays (nothing but margin needs the arrays) and the
 *    risk is marked `unpublished` (decisions.md, "A rebuild never needs the risk
 *    arrays"); the replayed roots must equal the event's and the calldata's.
 * Finally the rebuilt root is compared with the contract's `stateRoot()`.
 *
 * Plain ethers v6 (any `Provider`); no artifacts needed.
 */
import { Interface, getAddress, type Log, type Provider } from "ethers";
import { initCrypto } from "../state/crypto";
import { decodeGenesis } from "../state/genesis-codec";
import { decodeBatchData } from "../state/layout";
import { depositChainStep, type DepositEntry } from "../state/ops/deposit";
import { isForcedRequest } from "../state/ops/forced-withdraw";
import type { Params } from "../state/params";
import { replayBatchDetailed } from "../state/replay";
import type { State } from "../state/state";

/** The slice of the settlement contract's ABI the rebuild reads. */
export const REBUILD_ABI = [
  "event GenesisPublished(uint256 stateRoot, bytes genesis)",
  "event DepositQueued(uint256 indexed queueIndex, uint256 indexed accountIndex, uint256 ax, uint256 ay, uint256 amount, uint256 head)",
  "event BatchFinalized(uint256 indexed batchNumber, uint256 oldStateRoot, uint256 newStateRoot, uint256 depositsEnd, uint256 inputHash)",
  "function submitBatch(bytes data, uint256[8] proof)",
  "function stateRoot() view returns (uint256)",
  "function ACCOUNT_DEPTH() view returns (uint256)",
  "function MARKETS() view returns (uint256)",
  "function BATCH_SIZE() view returns (uint256)",
] as const;

const iface = new Interface(REBUILD_ABI as unknown as string[]);

/** A rebuild that cannot go on: names the batch (and its transaction) where the chain and the replay part. */
export class RebuildError extends Error {
  constructor(
    message: string,
    /** The batch number (0-based), when the error belongs to a batch. */
    readonly batchNumber?: number,
    /** The batch's transaction. */
    readonly txHash?: string,
  ) {
    super(message);
    this.name = "RebuildError";
  }
}

/** Options of {@link rebuildState}. */
export interface RebuildOptions {
  /** The parameter set the genesis must carry (default: whatever it carries, checked against the contract's D, M, N). */
  readonly params?: Params;
  /**
   * The genesis encoding to use when GenesisPublished carries none (it may be empty);
   * its root must still equal the logged genesis root.
   */
  readonly genesis?: Uint8Array;
  /** First block to read logs from (default 0; the deployment block is enough). */
  readonly fromBlock?: number;
  /** Last block (default "latest"); the contract's stateRoot is read at the same block. */
  readonly toBlock?: number;
  /** Blocks per getLogs call, for RPCs that cap the range (default: one call). */
  readonly logChunk?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** One replayed batch. */
export interface RebuiltBatch {
  readonly batchNumber: number;
  readonly txHash: string;
  readonly blockNumber: number;
  readonly oldStateRoot: bigint;
  readonly newStateRoot: bigint;
  readonly depositsEnd: number;
  readonly inputHash: bigint;
  /** Op types of the N slots. */
  readonly ops: readonly string[];
  /** WITHDRAW and FORCED_WITHDRAW amounts credited to L1 owners. */
  readonly withdrawals: readonly { readonly accountIndex: number; readonly amount: bigint }[];
  /**
   * The risk arrays in force after the batch: `known` (published by this or an earlier
   * batch, or the genesis's), or `unpublished` (riskHash changed without a valid tail).
   */
  readonly riskArrays: "known" | "unpublished";
}

/** A queue entry as the chain logged it. */
export interface QueueEntry extends DepositEntry {
  readonly queueIndex: number;
  /** The chain head after this entry. */
  readonly head: bigint;
  readonly blockNumber: number;
}

/** What {@link rebuildState} returns. */
export interface RebuildResult {
  /** The state after the last finalized batch. */
  readonly state: State;
  readonly genesisRoot: bigint;
  readonly batches: readonly RebuiltBatch[];
  /** Queue entries consumed by finalized batches (the contract's depositsConsumed). */
  readonly depositsConsumed: number;
  /** Every queue entry logged, consumed or not. */
  readonly queue: readonly QueueEntry[];
  /** The contract's stateRoot() at `toBlock`. */
  readonly chainStateRoot: bigint;
  /** The rebuilt root equals the contract's stateRoot(). */
  readonly matchesChain: boolean;
  /** Deposits consumed (amounts of consumed entries that are not forced-withdrawal requests) and withdrawals credited. */
  readonly totals: { readonly deposits: bigint; readonly withdrawals: bigint };
}

async function getLogs(provider: Provider, address: string, topic: string, from: number, to: number, chunk?: number): Promise<Log[]> {
  if (chunk === undefined || chunk <= 0) return provider.getLogs({ address, topics: [topic], fromBlock: from, toBlock: to });
  const out: Log[] = [];
  for (let a = from; a <= to; a += chunk) {
    out.push(...(await provider.getLogs({ address, topics: [topic], fromBlock: a, toBlock: Math.min(to, a + chunk - 1) })));
  }
  return out;
}

const byPosition = (x: Log, y: Log): number => x.blockNumber - y.blockNumber || x.index - y.index;

/** Reads the L1 queue from DepositQueued logs, in queue order, each entry checked against its chain head. */
function readQueue(logs: Log[]): QueueEntry[] {
  const entries = logs.sort(byPosition).map((l) => {
    const e = iface.parseLog(l)!;
    const [queueIndex, accountIndex, ax, ay, amount, head] = e.args as unknown as bigint[];
    return { queueIndex: Number(queueIndex), accountIndex: Number(accountIndex), ax, ay, amount, head, blockNumber: l.blockNumber };
  });
  entries.sort((a, b) => a.queueIndex - b.queueIndex);
  let head = 0n;
  entries.forEach((e, i) => {
    if (e.queueIndex !== i) throw new RebuildError(`DepositQueued logs have a gap: queue index ${e.queueIndex} where ${i} was expected`);
    head = depositChainStep(head, e);
    if (head !== e.head) {
      throw new RebuildError(`DepositQueued ${i} (account ${e.accountIndex}, amount ${e.amount}) logs head ${e.head}, but the chain of the logged entries gives ${head}`);
    }
  });
  return entries;
}

/**
 * Rebuilds the state of a settlement contract from the chain alone.
 * @param provider - any ethers provider (JSON-RPC, Hardhat's)
 * @param settlementAddress - the settlement contract
 * @param opts - see {@link RebuildOptions}
 * @returns the rebuilt state, the replayed batches and whether the root equals the contract's
 * @throws RebuildError naming the batch (and transaction) where the replay diverges from the chain
 */
export async function rebuildState(provider: Provider, settlementAddress: string, opts: RebuildOptions = {}): Promise<RebuildResult> {
  await initCrypto();
  const log = opts.log ?? (() => undefined);
  const address = getAddress(settlementAddress);
  const from = opts.fromBlock ?? 0;
  const to = opts.toBlock ?? (await provider.getBlockNumber());
  const call = async (name: string): Promise<bigint> => {
    const data = await provider.call({ to: address, data: iface.encodeFunctionData(name), blockTag: to });
    return iface.decodeFunctionResult(name, data)[0] as bigint;
  };
  const topic = (name: string): string => iface.getEvent(name)!.topicHash;
  const logs = (name: string): Promise<Log[]> => getLogs(provider, address, topic(name), from, to, opts.logChunk);

  // 1. genesis
  const genesisLogs = await logs("GenesisPublished");
  if (genesisLogs.length !== 1) {
    throw new RebuildError(`expected one GenesisPublished log from ${address} in blocks ${from}..${to}, found ${genesisLogs.length} (is it the settlement contract, and fromBlock at or before its deployment?)`);
  }
  const g = iface.parseLog(genesisLogs[0])!;
  const genesisRoot = g.args[0] as bigint;
  const published = Uint8Array.from(Buffer.from((g.args[1] as string).slice(2), "hex"));
  const encoding = published.length > 0 ? published : opts.genesis;
  if (encoding === undefined) {
    throw new RebuildError(`GenesisPublished of ${address} carries no genesis encoding (deployed without one); pass the genesis bytes in opts.genesis`);
  }
  let state = decodeGenesis(encoding, opts.params);
  if (state.stateRoot() !== genesisRoot) {
    throw new RebuildError(`the genesis ${published.length > 0 ? "published" : "supplied"} has root ${state.stateRoot()}, GenesisPublished logs ${genesisRoot}`);
  }
  const p = state.params;
  const [D, M, N] = await Promise.all([call("ACCOUNT_DEPTH"), call("MARKETS"), call("BATCH_SIZE")]);
  if (Number(D) !== p.accountDepth || Number(M) !== p.markets || Number(N) !== p.batchSize) {
    throw new RebuildError(`the genesis parameters (D ${p.accountDepth}, M ${p.markets}, N ${p.batchSize}) are not the contract's (D ${D}, M ${M}, N ${N})`);
  }
  log(`genesis root ${genesisRoot} (D ${p.accountDepth}, P ${p.positionSlots}, M ${p.markets}, N ${p.batchSize})`);

  // 2. the L1 queue
  const queue = readQueue(await logs("DepositQueued"));
  log(`${queue.length} queue entries`);

  // 3. the batches
  const finalized = (await logs("BatchFinalized")).sort(byPosition);
  const batches: RebuiltBatch[] = [];
  let deposits = 0n;
  let withdrawals = 0n;
  for (const [k, l] of finalized.entries()) {
    const ev = iface.parseLog(l)!;
    const [batchNumberRaw, oldRoot, newRoot, depositsEndRaw, inputHash] = ev.args as unknown as bigint[];
    const batchNumber = Number(batchNumberRaw);
    const depositsEnd = Number(depositsEndRaw);
    const txHash = l.transactionHash;
    const fail = (why: string): never => {
      throw new RebuildError(`batch ${batchNumber} (tx ${txHash}, block ${l.blockNumber}): ${why}`, batchNumber, txHash);
    };
    if (batchNumber !== k) fail(`BatchFinalized numbers are not consecutive: batch ${batchNumber} where ${k} was expected`);
    if (oldRoot !== state.stateRoot()) fail(`BatchFinalized oldStateRoot ${oldRoot} ≠ the rebuilt root ${state.stateRoot()}`);

    const tx = await provider.getTransaction(txHash);
    if (tx === null) fail("transaction not found");
    if (tx!.to === null || getAddress(tx!.to) !== address) {
      fail(`submitted through ${tx!.to ?? "a contract creation"}, not by a direct call to ${address}: its calldata cannot be read from the transaction`);
    }
    let data: Uint8Array;
    try {
      const decoded = iface.decodeFunctionData("submitBatch", tx!.data);
      data = Uint8Array.from(Buffer.from((decoded[0] as string).slice(2), "hex"));
    } catch (e) {
      return fail(`the transaction is not a submitBatch call: ${(e as Error).message}`);
    }
    let batch;
    try {
      batch = decodeBatchData(p, data);
    } catch (e) {
      return fail(`calldata does not decode: ${(e as Error).message}`);
    }
    if (batch.oldStateRoot !== oldRoot) fail(`calldata oldStateRoot ${batch.oldStateRoot} ≠ BatchFinalized oldStateRoot ${oldRoot}`);
    if (batch.depositsEnd !== depositsEnd) fail(`calldata depositsEnd ${batch.depositsEnd} ≠ BatchFinalized depositsEnd ${depositsEnd}`);
    const start = state.global.depositCount;
    if (depositsEnd < start || depositsEnd > queue.length) fail(`depositsEnd ${depositsEnd} outside the queue (${start} consumed, ${queue.length} logged)`);
    const entries = queue.slice(start, depositsEnd);
    let r;
    try {
      r = replayBatchDetailed(state, { header: batch.header, ops: batch.ops, queueEntries: entries, pnl: batch.pnl });
    } catch (e) {
      return fail(`replay diverges: ${(e as Error).message}`);
    }
    if (r.consumed !== entries.length) fail(`consumes ${r.consumed} queue entries but depositsEnd moves by ${entries.length}`);
    const root = r.state.stateRoot();
    if (root !== newRoot) fail(`replayed root ${root} ≠ BatchFinalized newStateRoot ${newRoot}`);
    if (batch.newStateRoot !== newRoot) fail(`calldata newStateRoot ${batch.newStateRoot} ≠ BatchFinalized newStateRoot ${newRoot}`);
    deposits += entries.filter((e) => !isForcedRequest(e)).reduce((a, e) => a + e.amount, 0n);
    withdrawals += r.withdrawals.reduce((a, w) => a + w.amount, 0n);
    state = r.state;
    batches.push({
      batchNumber,
      txHash,
      blockNumber: l.blockNumber,
      oldStateRoot: oldRoot,
      newStateRoot: newRoot,
      depositsEnd,
      inputHash,
      ops: batch.ops.map((o) => o.type),
      withdrawals: r.withdrawals.map(({ accountIndex, amount }) => ({ accountIndex, amount })),
      riskArrays: state.global.risk.unpublished === undefined ? "known" : "unpublished",
    });
    log(`batch ${batchNumber}: ${batch.ops.map((o) => o.type).join(", ")} → ${root}`);
    if (state.global.risk.unpublished !== undefined && !(batches.length > 1 && batches[batches.length - 2].riskArrays === "unpublished")) {
      log(`batch ${batchNumber}: riskHash ${state.global.risk.unpublished} in force without published arrays (tail ${batch.pnl === undefined ? "missing" : "does not hash to it"}): replay and exits go on, margin cannot be computed`);
    }
  }

  const chainStateRoot = await call("stateRoot");
  return {
    state,
    genesisRoot,
    batches,
    depositsConsumed: state.global.depositCount,
    queue,
    chainStateRoot,
    matchesChain: chainStateRoot === state.stateRoot(),
    totals: { deposits, withdrawals },
  };
}
