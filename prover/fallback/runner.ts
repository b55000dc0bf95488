/**
 * The fallback prover's loop (docs/operations.md, "When the operator is gone"). Each
 * round reads the contract and does one thing:
 *
 * - frozen: stop (exits are the only way out now);
 * - queue empty: nothing to do (with `untilServed`, stop);
 * - not in fallback mode: if the oldest entry is older than FORCED_DEADLINE, call
 *   `enterFallback`, else wait for the operator's deadline;
 * - in fallback mode with entries pending: rebuild the state from the chain alone
 *   (prover/chain/rebuild.ts), take an oracle-signed header, serve the next
 *   min(N, pending) entries (plan.ts), prove with the deployment's public keys, submit.
 *
 * The loop keeps no state between rounds but the block and the nonce of its own last
 * mined transaction (floors for the rebuild and the next nonce): every round starts from
 * the chain, so a restarted prover
 * carries on where the chain is, and a round lost to a competing
 * prover (StateRootMismatch: the other batch moved the root first) or to a new entry
 * (FallbackQueueNotServed) ends in a rebuild and a retry.
 */
import { Contract, Interface, type Provider, type Signer } from "ethers";
import { rebuildState, type RebuildResult } from "../chain/rebuild";
import { applyBatch } from "../state/batch";
import { buildBatchInput } from "../circuit-input/batch-input";
import { batchOnChain } from "../circuit-input/batch-data";
import { FallbackError, StaleHeaderError } from "./errors";
import type { HeaderSource } from "./header-source";
import { planFallbackBatch } from "./plan";
import type { BatchProver } from "./prove";

/** The slice of the settlement contract's ABI the fallback prover uses, errors included (to name reverts). */
export const FALLBACK_ABI = [
  "function frozen() view returns (bool)",
  "function fallbackMode() view returns (bool)",
  "function operator() view returns (address)",
  "function stateRoot() view returns (uint256)",
  "function depositsConsumed() view returns (uint256)",
  "function depositCount() view returns (uint256)",
  "function queueEntries(uint256) view returns (address depositor, uint64 amount, uint32 queuedAt)",
  "function FORCED_DEADLINE() view returns (uint256)",
  "function enterFallback()",
  "function submitBatch(bytes data, uint256[8] proof)",
  "error StateRootMismatch(uint256 expected, uint256 given)",
  "error FallbackQueueNotServed(uint256 queueIndex, uint256 queuedAt)",
  "error FallbackOpBeforeQueue(uint256 slot, uint256 opType)",
  "error FallbackOpNotAllowed(uint256 slot, uint256 opType)",
  "error FallbackTooEarly(uint256 queueIndex, uint256 opensAt)",
  "error AlreadyInFallback()",
  "error NotOperator(address caller)",
  "error NothingPending()",
  "error Frozen()",
  "error InvalidProof()",
  "error OracleTimestampAhead(uint256 timestamp, uint256 limit)",
  "error DepositsOutOfRange(uint256 depositsEnd, uint256 depositsConsumed, uint256 queueLength)",
] as const;

/** Reverts after which a rebuild and a new batch may succeed: someone else moved the chain. */
const RETRYABLE = new Set(["StateRootMismatch", "FallbackQueueNotServed", "DepositsOutOfRange", "NotOperator", "Frozen", "AlreadyInFallback", "NothingPending"]);

/** What one round did. */
export type RoundOutcome =
  | { readonly kind: "frozen" }
  | { readonly kind: "idle" }
  | { readonly kind: "waiting"; readonly opensAt: bigint }
  | { readonly kind: "entered"; readonly txHash: string }
  | { readonly kind: "submitted"; readonly txHash: string; readonly batchNumber: number; readonly served: number; readonly gasUsed: bigint }
  | { readonly kind: "lost"; readonly reason: string };

/** Options of {@link FallbackProver}. */
export interface FallbackOptions {
  readonly provider: Provider;
  /** Pays for enterFallback and the batches. */
  readonly signer: Signer;
  readonly settlement: string;
  readonly prover: BatchProver;
  readonly headers: HeaderSource;
  /** First block of the rebuild's log reads (the deployment block is enough). */
  readonly fromBlock?: number;
  /** Pause between rounds that found nothing to do, ms. */
  readonly pollMs: number;
  readonly log: (line: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * The revert data in an ethers error. ethers decodes only Error(string) and Panic when a
 * send fails at estimateGas (`revert` is null, the custom error's bytes are in `data`); a
 * hardhat node that automines a reverting transaction fails eth_sendRawTransaction itself,
 * which ethers wraps as UNKNOWN_ERROR with the bytes at `error.data.data`.
 */
function revertData(e: unknown, depth = 0): string | undefined {
  if (typeof e === "string") return /^0x[0-9a-fA-F]{8}/.test(e) ? e : undefined;
  if (e === null || typeof e !== "object" || depth > 3) return undefined;
  const { data, error } = e as { data?: unknown; error?: unknown };
  return revertData(data, depth + 1) ?? revertData(error, depth + 1);
}

/** The revert's error name, when the contract's ABI can decode it. */
export function revertName(e: unknown, abi: Interface): string | undefined {
  const decoded = typeof e === "object" && e !== null ? (e as { revert?: { name?: string } | null }).revert?.name : undefined;
  if (decoded !== undefined) return decoded;
  const data = revertData(e);
  if (data === undefined) return undefined;
  try {
    return abi.parseError(data)?.name;
  } catch {
    return undefined; // a selector of the ABI with arguments it cannot decode: not ours to name
  }
}

export class FallbackProver {
  private readonly contract: Contract;
  private readonly sleep: (ms: number) => Promise<void>;
  /**
   * The block of this prover's last mined transaction. A rebuild reads at least up to it:
   * a provider may answer the head from before it (ethers caches getBlockNumber, and
   * fetches it while broadcasting), and a rebuild at that head would plan the batch just
   * submitted once more, on a root the chain has left.
   */
  private lastMinedBlock = 0;
  /**
   * One past the nonce of this prover's last mined transaction. The next send takes at
   * least it: ethers caches eth_getTransactionCount for 250 ms, and a provider behind a
   * cache or a load balancer may answer a count from before that transaction, so a send
   * right after a mined batch would reuse its nonce ("nonce too low").
   */
  private nextNonce = 0;

  constructor(private readonly o: FallbackOptions) {
    this.contract = new Contract(o.settlement, FALLBACK_ABI as unknown as string[], o.signer);
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** One round (see the file's notice). */
  async round(): Promise<RoundOutcome> {
    const c = this.contract;
    if ((await c.frozen()) as boolean) return { kind: "frozen" };
    const consumed = (await c.depositsConsumed()) as bigint;
    const length = (await c.depositCount()) as bigint;
    if (consumed >= length) return { kind: "idle" };
    if (!((await c.fallbackMode()) as boolean)) {
      const entry = (await c.queueEntries(consumed)) as { queuedAt: bigint };
      const opensAt = BigInt(entry.queuedAt) + ((await c.FORCED_DEADLINE()) as bigint) + 1n;
      if ((await this.now()) < opensAt) return { kind: "waiting", opensAt };
      return this.send("enterFallback", (overrides) => c.enterFallback(overrides), (txHash) => ({ kind: "entered", txHash }));
    }
    return this.serve();
  }

  /**
   * Runs rounds until the contract is frozen, or (with `untilServed`) the queue is empty,
   * or `signal` aborts.
   * @returns the last outcome
   */
  async run(opts: { untilServed?: boolean; signal?: AbortSignal } = {}): Promise<RoundOutcome> {
    for (;;) {
      let out: RoundOutcome;
      try {
        out = await this.round();
      } catch (e) {
        // No header newer than the last batch yet: the oracle signs the next one later.
        if (!(e instanceof StaleHeaderError)) throw e;
        out = { kind: "lost", reason: e.message };
      }
      this.o.log(describe(out));
      if (out.kind === "frozen" || (out.kind === "idle" && opts.untilServed === true)) return out;
      if (opts.signal?.aborted === true) return out;
      if (out.kind !== "submitted" && out.kind !== "entered") await this.sleep(out.kind === "lost" ? Math.min(this.o.pollMs, 1000) : this.o.pollMs);
    }
  }

  private async now(): Promise<bigint> {
    const block = await this.o.provider.getBlock("latest");
    if (block === null) throw new Error("the provider returned no latest block");
    return BigInt(block.timestamp);
  }

  private async serve(): Promise<RoundOutcome> {
    const rebuild = async (): Promise<RebuildResult> => {
      const toBlock = Math.max(await this.o.provider.getBlockNumber(), this.lastMinedBlock);
      return rebuildState(this.o.provider, this.o.settlement, { fromBlock: this.o.fromBlock, toBlock });
    };
    const rebuilt = await rebuild();
    if (!rebuilt.matchesChain) {
      // The chain may have moved between the reads; a second mismatch in a row is real.
      const again = await rebuild();
      if (!again.matchesChain) {
        throw new FallbackError("PRV_ERR_FALLBACK_REBUILD", `the rebuilt root ${again.state.stateRoot()} is not the contract's stateRoot ${again.chainStateRoot}`);
      }
      return { kind: "lost", reason: "the chain moved during the rebuild" };
    }
    const state = rebuilt.state;
    const pending = rebuilt.queue.slice(rebuilt.depositsConsumed);
    if (pending.length === 0) return { kind: "idle" };
    const header = await this.o.headers.next(state, await this.now());
    const batch = planFallbackBatch(state, pending, header);
    const applied = applyBatch(state, batch);
    const onChain = batchOnChain(state.params, applied.trace);
    this.o.log(`proving batch ${rebuilt.batches.length} on root ${state.stateRoot()}: ${batch.ops.map((op) => op.type).join(", ")}`);
    const { proof, publicSignals } = await this.o.prover.prove(buildBatchInput(state.params, applied.trace));
    if (publicSignals.length !== 1 || BigInt(publicSignals[0]) !== onChain.inputHash) {
      throw new FallbackError("PRV_ERR_FALLBACK_CIRCUIT", `the proof's public input ${publicSignals.join(",")} is not the batch's inputHash ${onChain.inputHash}: the circuit files are not the deployment's`);
    }
    return this.send(
      "submitBatch",
      (overrides) => this.contract.submitBatch(onChain.data, proof, overrides),
      (txHash, gasUsed) => ({ kind: "submitted", txHash, batchNumber: rebuilt.batches.length, served: batch.ops.length, gasUsed }),
    );
  }

  /** Sends a transaction; a revert that a rebuild can get past is a lost round, any other is thrown. */
  private async send(
    what: string,
    call: (overrides: { nonce: number }) => Promise<SentTransaction>,
    done: (txHash: string, gasUsed: bigint) => RoundOutcome,
  ): Promise<RoundOutcome> {
    let sent: SentTransaction | undefined;
    const mined = (blockNumber: number): void => {
      this.lastMinedBlock = Math.max(this.lastMinedBlock, blockNumber);
      if (sent !== undefined) this.nextNonce = Math.max(this.nextNonce, sent.nonce + 1);
    };
    try {
      const counted = await this.o.provider.getTransactionCount(await this.o.signer.getAddress(), "pending");
      sent = await call({ nonce: Math.max(counted, this.nextNonce) });
      const receipt = await sent.wait();
      if (receipt !== null) mined(receipt.blockNumber);
      if (receipt === null || receipt.status !== 1) return { kind: "lost", reason: `${what} was not mined successfully` };
      return done(receipt.hash, receipt.gasUsed);
    } catch (e) {
      const minedAt = (e as { receipt?: { blockNumber?: number } | null }).receipt?.blockNumber;
      if (minedAt !== undefined) mined(minedAt);
      const name = revertName(e, this.contract.interface);
      if (name !== undefined && RETRYABLE.has(name)) return { kind: "lost", reason: `${what} reverted ${name}` };
      // Mined but reverted (another batch landed between the estimate and the block): the receipt carries no reason.
      if (name === undefined && (e as { code?: string; receipt?: unknown }).code === "CALL_EXCEPTION" && (e as { receipt?: unknown }).receipt != null) {
        return { kind: "lost", reason: `${what} was mined and reverted` };
      }
      if (name !== undefined) throw new FallbackError("PRV_ERR_FALLBACK_REFUSED", `${what} reverted ${name}`, { cause: e });
      throw e;
    }
  }
}

/** The part of an ethers transaction response that {@link FallbackProver} reads. */
interface SentTransaction {
  readonly nonce: number;
  wait(): Promise<{ hash: string; blockNumber: number; gasUsed: bigint; status: number | null } | null>;
}

/** One log line per round. */
export function describe(out: RoundOutcome): string {
  switch (out.kind) {
    case "frozen":
      return "the contract is frozen: nothing more to prove (accounts exit with zk:exit)";
    case "idle":
      return "queue served: nothing pending";
    case "waiting":
      return `the operator still has time: fallback mode opens at ${out.opensAt}`;
    case "entered":
      return `entered fallback mode in ${out.txHash}`;
    case "submitted":
      return `batch ${out.batchNumber} finalized in ${out.txHash}: ${out.served} queue entries served, gas ${out.gasUsed}`;
    case "lost":
      return `round lost (${out.reason}): rebuilding and retrying`;
  }
}
