/**
 * The operator's state (docs/service.md, "Sequencer and ledger"): genesis plus every
 * batch that was cut, in order. The batches live in the job store's ledger table; on
 * open the state is rebuilt by replaying `applyBatch` over them, and each replayed root
 * is checked against the one recorded when the batch was cut.
 *
 * `append` applies a batch with the reference rules first: a refused batch throws the
 * RuleError and nothing is stored. An accepted batch and its job are stored in one
 * transaction, then the in-memory state moves on.
 *
 * The traces of batches that still have to be proven are kept in memory (the witness
 * is built from them); a trace that is needed again later (a failed job retried) is
 * rebuilt by replaying from genesis.
 *
 * The store is asynchronous, so `append`, `dropNewest` and `reload` run one at a time
 * (a chain of promises): two batches posted at once must not both be numbered
 * `height + 1` against the same state.
 */
import { applyBatch, type Batch } from "../state/batch";
import type { Account } from "../state/account";
import type { State } from "../state/state";
import type { BatchTrace } from "../state/trace";
import { batchOnChain } from "../circuit-input/batch-data";
import { JobConflictError, PROVING_STATES, type Job, type JobPatch, type JobState, type JobStore } from "../store/job-store";
import { parseBatch, serializeBatch } from "../codec/batch-codec";
import { CodedError } from "../errors/coded-error";

/** A Merkle proof of one account leaf against the ledger's state. */
export interface AccountProof {
  readonly index: number;
  readonly leaf: bigint;
  /** D levels from the leaf up, 3 siblings each in child order. */
  readonly siblings: readonly (readonly bigint[])[];
  readonly accountsRoot: bigint;
  readonly globalHash: bigint;
  readonly stateRoot: bigint;
}

/**
 * Lets timers and I/O run between two batches of a replay. A replay applies every batch
 * since genesis (seconds on a loaded machine); run in one piece, it starves the leader
 * lease's renewals, and a newly elected leader was deposed the moment it finished,
 * elected again, replayed again, and never led (found by the Redis SIGKILL e2e).
 */
const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The stored ledger does not replay to the roots it recorded (or a batch is refused now). */
export class LedgerReplayError extends CodedError<"PRV_ERR_LEDGER_REPLAY"> {
  constructor(
    readonly batchNumber: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super("PRV_ERR_LEDGER_REPLAY", `ledger batch ${batchNumber}: ${message}`, options);
    this.name = "LedgerReplayError";
  }
}

/** What `append` did. */
export interface AppendResult {
  readonly job: Job;
  /** False when the idempotency key already had this batch's job (nothing was applied). */
  readonly created: boolean;
}

function hex(data: Uint8Array): string {
  return "0x" + Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("hex");
}

export class Ledger {
  private current: State;
  private newest = 0;
  private readonly traces = new Map<number, BatchTrace>();
  /** The tail of the one-at-a-time chain of writes (see the file comment). */
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly store: JobStore,
    private readonly genesis: State,
  ) {
    this.current = genesis;
  }

  /**
   * Rebuilds the state from genesis and the store's ledger.
   * @param genesis - the genesis state (not mutated)
   * @throws LedgerReplayError when a stored batch is refused or gives another root
   */
  static async open(store: JobStore, genesis: State): Promise<Ledger> {
    const ledger = new Ledger(store, genesis);
    await ledger.replay();
    return ledger;
  }

  /** Runs `f` after every earlier write of this ledger has settled. */
  private exclusive<T>(f: () => Promise<T>): Promise<T> {
    const run = this.writes.then(f);
    this.writes = run.catch(() => undefined);
    return run;
  }

  /**
   * Rebuilds the state from the store's ledger, for a process that did not write it:
   * a newly elected leader, or a follower that serves the state routes (docs/operations.md,
   * "Many machines").
   * @throws LedgerReplayError
   */
  reload(): Promise<void> {
    return this.exclusive(async () => void (await this.replay()));
  }

  /**
   * Catches up with batches another process appended (a follower serving the state
   * routes): applies only the new ones when the stored ledger extends this one, else
   * replays it all (a cancel elsewhere took a batch back).
   * @returns true when the state changed
   * @throws LedgerReplayError
   */
  sync(): Promise<boolean> {
    return this.exclusive(async () => {
      const entries = await this.store.ledger();
      const last = entries[entries.length - 1];
      const root = this.current.stateRoot().toString();
      if ((last?.batchNumber ?? 0) === this.newest && (last === undefined || last.newStateRoot === root)) return false;
      const mine = this.newest === 0 ? undefined : entries[this.newest - 1];
      if (this.newest > 0 && (mine?.batchNumber !== this.newest || mine.newStateRoot !== root)) {
        await this.replay();
        return true;
      }
      let state = this.current;
      for (const entry of entries.slice(this.newest)) {
        if (entry.batchNumber !== this.newest + 1) throw new LedgerReplayError(entry.batchNumber, `follows batch ${this.newest}: the ledger has a gap`);
        const r = applyBatch(state, parseBatch(entry.batch));
        if (r.trace.newStateRoot.toString() !== entry.newStateRoot) throw new LedgerReplayError(entry.batchNumber, `replays to root ${r.trace.newStateRoot}, recorded ${entry.newStateRoot}`);
        state = r.state;
        this.current = state;
        this.newest = entry.batchNumber;
        await breathe();
      }
      return true;
    });
  }

  private async replay(upTo = Number.POSITIVE_INFINITY): Promise<Map<number, BatchTrace>> {
    const [unfinished, entries] = await Promise.all([this.store.unfinished(), this.store.ledger()]);
    const unproven = new Set(unfinished.filter((j) => j.state === "queued" || PROVING_STATES.includes(j.state)).map((j) => j.batchNumber));
    const traces = new Map<number, BatchTrace>();
    let state = this.genesis;
    let n = 0;
    for (const entry of entries) {
      if (entry.batchNumber > upTo) break;
      if (entry.batchNumber !== n + 1) throw new LedgerReplayError(entry.batchNumber, `follows batch ${n}: the ledger has a gap`);
      let r;
      try {
        r = applyBatch(state, parseBatch(entry.batch));
      } catch (err) {
        throw new LedgerReplayError(entry.batchNumber, `refused on replay: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      if (r.trace.newStateRoot.toString() !== entry.newStateRoot) {
        throw new LedgerReplayError(entry.batchNumber, `replays to root ${r.trace.newStateRoot}, recorded ${entry.newStateRoot}`);
      }
      if (unproven.has(entry.batchNumber) || entry.batchNumber === upTo) traces.set(entry.batchNumber, r.trace);
      state = r.state;
      n = entry.batchNumber;
      await breathe();
    }
    if (upTo === Number.POSITIVE_INFINITY) {
      this.current = state;
      this.newest = n;
      this.traces.clear();
      for (const [k, t] of traces) this.traces.set(k, t);
    }
    return traces;
  }

  /** The newest batch number (0 at genesis). */
  get height(): number {
    return this.newest;
  }

  /** The state after every recorded batch (a copy: the caller may not change the ledger). */
  pendingState(): State {
    return this.current.clone();
  }

  /** The state root after every recorded batch. */
  stateRoot(): bigint {
    return this.current.stateRoot();
  }

  /** The account at index i after every recorded batch. */
  account(i: number): Account {
    return this.current.account(i);
  }

  /** A Merkle proof of account i against the current state. */
  accountProof(i: number): AccountProof {
    const s = this.current;
    return { index: i, leaf: s.tree.get(i), siblings: s.tree.siblings(i), accountsRoot: s.accountsRoot(), globalHash: s.globalHash(), stateRoot: s.stateRoot() };
  }

  /**
   * Applies a batch with the rules and records it with a new job (state `queued`).
   * With an idempotency key that already has a job for the same batch, returns that job.
   * @throws RuleError when the rules refuse the batch (nothing stored);
   *   JobConflictError PRV_ERR_IDEMPOTENCY_KEY_REUSED when the key has another batch
   */
  append(batch: Batch, opts: { idempotencyKey?: string } = {}): Promise<AppendResult> {
    return this.exclusive(() => this.appendNow(batch, opts));
  }

  private async appendNow(batch: Batch, opts: { idempotencyKey?: string }): Promise<AppendResult> {
    const serialized = serializeBatch(batch);
    if (opts.idempotencyKey !== undefined) {
      const existing = await this.store.findByIdempotencyKey(opts.idempotencyKey);
      if (existing) {
        if (JSON.stringify(existing.batch) !== JSON.stringify(serialized)) {
          throw new JobConflictError("PRV_ERR_IDEMPOTENCY_KEY_REUSED", `idempotency key ${opts.idempotencyKey} was used for another batch (job ${existing.id})`, existing);
        }
        return { job: existing, created: false };
      }
    }
    const { state, trace } = applyBatch(this.current, batch);
    const onChain = batchOnChain(state.params, trace);
    const job = await this.store.create({
      batchNumber: this.newest + 1,
      idempotencyKey: opts.idempotencyKey,
      batch: serialized,
      batchData: hex(onChain.data),
      oldStateRoot: trace.oldStateRoot.toString(),
      newStateRoot: trace.newStateRoot.toString(),
      inputHash: onChain.inputHash.toString(),
    });
    this.current = state;
    this.newest = job.batchNumber;
    this.traces.set(job.batchNumber, trace);
    return { job, created: true };
  }

  /** The trace of a recorded batch (from memory, or rebuilt by replaying up to it). */
  async trace(batchNumber: number): Promise<BatchTrace> {
    const cached = this.traces.get(batchNumber);
    if (cached) return cached;
    if (batchNumber < 1 || batchNumber > this.newest) throw new RangeError(`no batch ${batchNumber} in the ledger (1..${this.newest})`);
    const t = (await this.replay(batchNumber)).get(batchNumber);
    if (!t) throw new LedgerReplayError(batchNumber, "missing from the ledger");
    return t;
  }

  /** Drops a trace that is no longer needed (its batch is proven). */
  forgetTrace(batchNumber: number): void {
    this.traces.delete(batchNumber);
  }

  /**
   * Cancels the job of the newest batch and takes the batch out of the ledger (one
   * store transaction), then rebuilds the state without it.
   * @throws JobConflictError PRV_ERR_NOT_NEWEST_BATCH / PRV_ERR_JOB_STATE_CONFLICT
   */
  dropNewest(jobId: string, from: readonly JobState[], patch?: JobPatch): Promise<Job> {
    return this.exclusive(async () => {
      const job = await this.store.cancelNewest(jobId, from, patch);
      // Replaying from genesis is the simple, certainly-right way back one batch; a
      // cancel is rare. (Checkpoints of the state would make this and `open` cheaper.)
      await this.replay();
      return job;
    });
  }
}
