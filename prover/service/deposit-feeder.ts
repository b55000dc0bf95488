/**
 * Sequencer mode: the L1 priority queue as ops (docs/api.md, "Sequencer mode",
 * "Deposits and forced withdrawals"). Every poll reads the settlement contract's
 * `DepositQueued` entries (deposits, and forced-withdrawal requests, which the contract
 * logs there too with key (0, 1)) from the first one the sequencer has not taken (the
 * pending state's `depositCount`, which counts the ledger, the cut batches and the
 * pending batch) and adds, in queue order, a DEPOSIT op for a deposit and a
 * FORCED_WITHDRAW op for a request to the batch being filled. They share the N op
 * slots with trades and fill a batch like any op. Without an oracle header (and no
 * --dev-oracle) they wait for the next header; an entry the rules refuse stops the feed
 * (the circuit consumes the queue in order) and is reported as PRV_ERR_DEPOSIT_REFUSED.
 */
import type { Logger } from "pino";
import { readDepositQueue, type QueuedDeposit } from "../chain/settlement-client";
import type { DeployedContract } from "../chain/deploy";
import { RuleError } from "../state/errors";
import { isForcedRequest } from "../state/ops/forced-withdraw";
import type { ServiceMetrics } from "./metrics";
import { SequencerError, type Sequencer } from "./sequencer";

export class DepositFeeder {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Queue entries (deposits and forced-withdrawal requests) handed to the sequencer so far. */
  fed = 0;
  /** Of them, forced-withdrawal requests. */
  forcedFed = 0;

  constructor(
    private readonly sequencer: Sequencer,
    settlement: DeployedContract,
    private readonly log: Logger,
    private readonly metrics: ServiceMetrics,
    /** Reads the queue (tests may pass their own). */
    private readonly read: (fromIndex: number) => Promise<QueuedDeposit[]> = (from) => readDepositQueue(settlement, from),
  ) {}

  /** Reads the queue once and feeds what is new; resolves when done. */
  poll(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.feed().finally(() => (this.running = undefined));
    return this.running;
  }

  private async feed(): Promise<void> {
    const from = this.sequencer.pendingState().global.depositCount;
    let entries: QueuedDeposit[];
    try {
      entries = await this.read(from);
    } catch (err) {
      this.metrics.error("PRV_ERR_DEPOSIT_QUEUE");
      this.log.warn({ err }, "cannot read the deposit queue; retrying at the next poll");
      return;
    }
    for (const e of entries) {
      if (this.stopped) return;
      // the sequencer may have moved on while the queue was read (an operator's DEPOSIT op)
      if (e.queueIndex !== this.sequencer.pendingState().global.depositCount) continue;
      const forced = isForcedRequest(e);
      const what = forced ? "forced-withdrawal request" : "deposit";
      try {
        this.sequencer.submitQueueEntry({ accountIndex: e.accountIndex, ax: e.ax, ay: e.ay, amount: e.amount });
        this.fed++;
        if (forced) this.forcedFed++;
        this.log.info(
          { queueIndex: e.queueIndex, op: forced ? "FORCED_WITHDRAW" : "DEPOSIT", accountIndex: e.accountIndex, amount: String(e.amount), pendingOps: this.sequencer.pendingOps },
          `L1 ${what} added to the pending batch`,
        );
      } catch (err) {
        if (err instanceof SequencerError) {
          this.log.debug({ queueIndex: e.queueIndex, code: err.code }, `${what} waits for an oracle header`);
          return;
        }
        if (err instanceof RuleError) {
          this.metrics.error("PRV_ERR_DEPOSIT_REFUSED");
          this.log.error({ queueIndex: e.queueIndex, rule: err.code, msg: err.message }, `the rules refuse the next L1 ${what}; the queue feed stops here`);
          return;
        }
        throw err;
      }
    }
  }

  /** Polls every `everyMs` until `stop`. */
  start(everyMs: number): void {
    this.stopped = false;
    const tick = (): void => {
      this.timer = setTimeout(() => {
        void this.poll().finally(() => {
          if (!this.stopped) tick();
        });
      }, everyMs);
      this.timer.unref();
    };
    void this.poll().finally(() => {
      if (!this.stopped) tick();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
