/**
 * What a `zksettle serve` process does as the lease changes hands (leader.ts;
 * docs/operations.md, "Many machines"):
 *
 * - elected: rebuild the ledger from the store (the previous leader wrote it), then
 *   `engine.resume()` (jobs caught mid-proof are re-queued; a remote prover keys its
 *   queue by job id, so a proof still running on a worker is not started twice), then
 *   the extra roles (sequencer, L1 deposit feed, reorg watch);
 * - deposed: at once, and before anything else, the engine stands down (no more job
 *   writes, no submission), then the extra roles stop.
 *
 * Role changes run one after the other: a deposal during an election's ledger rebuild
 * waits for it and then stands the engine down.
 */
import type { Logger } from "pino";
import type { Engine } from "./engine";
import type { LeaderLease } from "./leader";
import type { Ledger } from "./ledger";

/** Roles beyond the engine's that only the leader plays. */
export interface LeaderRoles {
  /** Starts them (after the ledger is rebuilt and the engine resumed). */
  lead?(): Promise<void> | void;
  /** Stops them at once (after the engine stood down). */
  follow?(reason: string): Promise<void> | void;
}

/** What the HTTP layer asks (write routes answer PRV_ERR_NOT_LEADER on a follower). */
export interface LeadershipPort {
  isLeader(): boolean;
  /** The current leader's owner id, if any. */
  leader(): Promise<string | undefined>;
}

export class Leadership implements LeadershipPort {
  private changes: Promise<void> = Promise.resolve();
  /** The roles of the last election are running (set at the end of `lead`). */
  private leading = false;

  constructor(
    private readonly lease: LeaderLease,
    private readonly engine: Engine,
    private readonly ledger: Ledger,
    private readonly log: Logger,
    private readonly roles: LeaderRoles = {},
  ) {
    lease.on("elected", () => this.change(() => this.lead()));
    lease.on("deposed", (reason) => {
      // stop writing now, not after the queued changes: a deposed leader must not act
      this.leading = false;
      engine.standDown();
      this.change(() => this.follow(reason));
    });
    lease.on("fault", (err) => log.warn({ err }, "leader lease: Redis error (retrying)"));
  }

  /**
   * True once this process holds the lease and its roles run (the sequencer restored
   * from the journal): until then a request would meet an empty sequencer.
   */
  isLeader(): boolean {
    return this.lease.isLeader && this.engine.ready() && this.leading;
  }

  leader(): Promise<string | undefined> {
    return this.lease.leader();
  }

  /** Resolves when every role change so far has been carried out. */
  settled(): Promise<void> {
    return this.changes;
  }

  /** Starts competing for the lease. */
  async start(): Promise<void> {
    await this.lease.start();
    await this.settled();
  }

  /** Releases the lease (a follower takes over at once) and stops the roles. */
  async stop(): Promise<void> {
    await this.lease.release();
    await this.settled();
  }

  private change(f: () => Promise<void>): void {
    this.changes = this.changes.then(f).catch((err: unknown) => this.log.error({ err }, "leader role change failed"));
  }

  private async lead(): Promise<void> {
    if (!this.lease.isLeader) return; // deposed again before this ran
    this.log.info({ owner: this.lease.ownerId }, "elected leader: rebuilding the ledger from the store");
    await this.ledger.reload();
    if (!this.lease.isLeader) return;
    await this.engine.resume();
    await this.roles.lead?.();
    this.leading = this.lease.isLeader;
    this.log.info({ height: this.ledger.height }, "leading: sequencer and submission running");
  }

  private async follow(reason: string): Promise<void> {
    this.leading = false;
    this.engine.standDown();
    this.log.warn({ reason }, "no longer the leader: stopped submitting and sequencing");
    await this.roles.follow?.(reason);
  }
}
