/**
 * The leader lease (docs/operations.md, "Many machines"): of the `zksettle serve`
 * processes sharing one Redis, the one holding `<prefix>:leader` runs the sequencer,
 * cuts batches and submits them; the others serve reads. The lease is
 *
 * - taken with `SET <prefix>:leader <ownerId> NX PX ttl`;
 * - renewed every ttl/3 by a compare-and-pexpire script (only the owner extends it);
 * - given up on a graceful shutdown by a compare-and-del script that also publishes
 *   on `<prefix>:leader:released`, so a follower takes over at once instead of
 *   waiting for the key to expire.
 *
 * A leader steps down (`deposed`) when a renewal finds the key gone or someone else's,
 * or when it has not renewed for 0.8 × ttl (Redis unreachable): before the key can
 * expire and another process be elected, so two leaders never act at once while
 * clocks run at the same rate. A follower tries again every ttl/3, and right after
 * the key's remaining time when that is sooner, so a dead leader is replaced within
 * ttl (plus one round trip) of its last renewal.
 */
import { EventEmitter } from "node:events";
import Redis from "ioredis";

/** Options of `LeaderLease`. */
export interface LeaderLeaseOptions {
  /** `redis://host:port[/db]` of the deployment's Redis. */
  readonly url: string;
  /** The deployment's key prefix (`zksettle`). */
  readonly prefix: string;
  /** What the key holds while this process leads: unique per process, and names it to the others. */
  readonly ownerId: string;
  readonly ttlMs: number;
}

/** Events of the lease. */
export interface LeaderEvents {
  /** This process now holds the lease. */
  elected: [];
  /** This process no longer holds it (`reason` says why); it must stop acting at once. */
  deposed: [reason: string];
  /** A Redis error while trying or renewing (the lease goes on trying). */
  fault: [err: unknown];
}

/** Extends the lease only for its owner. KEYS: leader key. ARGV: owner, ttl. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
/** Deletes the lease only for its owner and tells the followers. KEYS: leader key, channel. ARGV: owner. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]); redis.call('PUBLISH', KEYS[2], ARGV[1]); return 1 end return 0`;

/** Share of the ttl after the last renewal at which a leader that cannot reach Redis steps down. */
const STEP_DOWN_AT = 0.8;

export class LeaderLease extends EventEmitter<LeaderEvents> {
  private readonly o: LeaderLeaseOptions;
  private readonly redis: Redis;
  private readonly sub: Redis;
  private readonly key: string;
  private readonly channel: string;
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();

  constructor(o: LeaderLeaseOptions) {
    super();
    if (!(o.ttlMs >= 300)) throw new RangeError(`leader ttl ${o.ttlMs} ms: at least 300 ms`);
    this.o = o;
    this.key = `${o.prefix}:leader`;
    this.channel = `${o.prefix}:leader:released`;
    // Lease commands fail fast instead of queueing while Redis is away: a renewal that
    // arrives late is worth nothing, and the step-down deadline needs an answer.
    const opts = { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: Math.max(100, Math.floor(o.ttlMs / 3)) };
    this.redis = new Redis(o.url, opts);
    this.sub = new Redis(o.url, { ...opts, commandTimeout: undefined });
    this.redis.on("error", (err: unknown) => this.emit("fault", err));
    this.sub.on("error", (err: unknown) => this.emit("fault", err));
  }

  /** The owner id this process writes into the lease. */
  get ownerId(): string {
    return this.o.ownerId;
  }

  /** True while this process holds the lease. */
  get isLeader(): boolean {
    return this.leading;
  }

  /** The current holder's owner id (undefined when nobody leads). */
  async leader(): Promise<string | undefined> {
    return (await this.redis.get(this.key)) ?? undefined;
  }

  /** Makes the first attempt (elected before it resolves, if the lease was free) and keeps trying. */
  async start(): Promise<void> {
    await Promise.all([waitReady(this.redis), waitReady(this.sub)]);
    await this.sub.subscribe(this.channel);
    this.sub.on("message", () => {
      if (!this.leading && !this.stopped) this.schedule(0);
    });
    await this.tick();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  /** One attempt or renewal, then the next one scheduled (never two at once). */
  private tick(): Promise<void> {
    this.ticking = this.ticking.then(async () => {
      if (this.stopped) return;
      let next = this.o.ttlMs / 3;
      const sentAt = Date.now();
      try {
        if (this.leading) {
          if (Number(await this.redis.eval(RENEW, 1, this.key, this.o.ownerId, this.o.ttlMs)) === 1) this.renewed(sentAt);
          else this.depose("the lease was lost (expired, or taken by another process)");
        } else if ((await this.redis.set(this.key, this.o.ownerId, "PX", this.o.ttlMs, "NX")) === "OK") {
          this.leading = true;
          this.renewed(sentAt);
          this.emit("elected");
        } else {
          const left = await this.redis.pttl(this.key);
          if (left > 0) next = Math.min(next, left + 5);
        }
      } catch (err) {
        this.emit("fault", err);
      }
      this.schedule(Math.round(next));
    });
    return this.ticking;
  }

  private renewed(sentAt: number): void {
    if (this.deadline !== undefined) clearTimeout(this.deadline);
    const ms = sentAt + this.o.ttlMs * STEP_DOWN_AT - Date.now();
    this.deadline = setTimeout(() => this.depose(`no renewal for ${STEP_DOWN_AT} × the ttl (${this.o.ttlMs} ms): Redis unreachable`), Math.max(0, ms));
  }

  private depose(reason: string): void {
    if (this.deadline !== undefined) clearTimeout(this.deadline);
    this.deadline = undefined;
    if (!this.leading) return;
    this.leading = false;
    this.emit("deposed", reason);
  }

  /** Stops trying; a leader deletes the lease (only if still its own) so a follower takes over at once. */
  async release(): Promise<void> {
    const wasLeading = this.leading;
    this.halt();
    await this.ticking;
    if (wasLeading) {
      this.depose("released");
      try {
        await this.redis.eval(RELEASE, 2, this.key, this.channel, this.o.ownerId);
      } catch (err) {
        this.emit("fault", err); // the key expires by itself within the ttl
      }
    }
    await Promise.all([this.redis.quit().catch(() => undefined), this.sub.quit().catch(() => undefined)]);
  }

  /**
   * Stops renewing and trying without releasing, and drops the connections: what a
   * killed process does (tests). The lease expires within the ttl.
   */
  abandon(): void {
    this.halt();
    this.leading = false;
    if (this.deadline !== undefined) clearTimeout(this.deadline);
    this.redis.disconnect();
    this.sub.disconnect();
  }

  private halt(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Resolves once the connection is ready (commands are not queued before that). */
function waitReady(r: Redis): Promise<void> {
  if (r.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onErr = (err: unknown): void => {
      if (r.status === "end") reject(err instanceof Error ? err : new Error(String(err)));
    };
    r.once("ready", () => {
      r.off("error", onErr);
      resolve();
    });
    r.on("error", onErr);
  });
}
