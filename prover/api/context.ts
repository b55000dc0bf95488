/**
 * What the route modules share with buildApp (app.ts): the app's collaborators, the
 * context built from them, the route option helpers and the fastify route options they
 * set. Its own file so routes/* import it and app.ts imports the routes, one way
 * (test/architecture/layers.test.ts: no import loop inside prover/api).
 */
import type { Logger } from "pino";
import type { Config } from "../service/config";
import type { LeadershipPort } from "../service/leadership";
import type { ServiceMetrics } from "../service/metrics";
import type { Sequencer } from "../service/sequencer";
import type { SequencerIntake } from "../service/sequencer-intake";
import type { EnginePort, LedgerPort } from "../service/engine-port";
import type { IdempotencyRecords } from "../store/records";
import type { RiskSource } from "../risk/source";
import type { ApiKeys, Role } from "./auth";
import type { ReadScope } from "./read-scope";
import type { IdempotencyCache } from "./idempotency";
import { ApiError } from "./errors";
import type { SignatureChecker } from "../signatures/checker";

/** What `buildApp` needs. */
export interface AppDeps {
  readonly engine: EnginePort;
  readonly ledger: LedgerPort;
  /** Required in sequencer mode: the sequencer with its durable journal (its `sequencer` is the one the routes read). */
  readonly intake?: SequencerIntake;
  /** Set from `intake`. */
  readonly sequencer?: Sequencer;
  readonly config: Config;
  readonly metrics: ServiceMetrics;
  readonly logger: Logger;
  /** The risk loop (GET /v1/risk…); without it those routes answer 404. */
  readonly risk?: RiskSource;
  /** Many machines (`--store redis://…`): writes only on the leader; absent on one machine. */
  readonly leadership?: LeadershipPort;
  /** Sequencer mode: checks order signatures off the event loop; absent: on it. */
  readonly signatures?: SignatureChecker;
  /** Durable answers of idempotent writes (the job store's records); absent: memory only. */
  readonly records?: IdempotencyRecords;
}

/** Shared by the route modules. */
export interface AppContext extends AppDeps {
  readonly keys: ApiKeys;
  readonly idempotency: IdempotencyCache;
  readonly lifecycle: { shuttingDown: boolean };
  /** Throws PRV_ERR_QUEUE_FULL when the engine (plus cut batches not yet handed over) is full. */
  checkCapacity(): Promise<void>;
  /** Throws PRV_ERR_WRONG_MODE unless the service runs in `mode`. */
  requireMode(mode: Config["mode"], what: string): void;
}

/** Route options `config` of a route that needs any valid API key. */
export const WRITE = { write: true } as const;
/** Route options `config` of a write route for the role (auth.ts). */
export const writeAs = (role: Role) => ({ write: true, role }) as const;
/** Route options `config` of a sequencer-mode write route for the role. */
export const sequencerWrite = (role: Role) => ({ write: true, mode: "sequencer", role }) as const;
/** Route options `config` of a batch-mode write route (the operator's). */
export const BATCH_WRITE = { write: true, mode: "batch", role: "operator" } as const;
declare module "fastify" {
  interface FastifyContextConfig {
    /** Needs an API key. */
    write?: boolean;
    /** The key must carry this role (PRV_ERR_FORBIDDEN otherwise). */
    role?: Role;
    /** Only in this mode (PRV_ERR_WRONG_MODE otherwise, before the body is read). */
    mode?: "sequencer" | "batch";
    /** A read of account data: who may, once reads are private (read-scope.ts). */
    read?: ReadScope;
    /** A read of the sequencer's memory, which only the leader has: a follower answers PRV_ERR_NOT_LEADER. */
    leaderRead?: boolean;
  }
  interface FastifyRequest {
    /** The roles of the presented API key (write routes, once checked). */
    apiRoles?: ReadonlySet<Role>;
  }
}

/** @throws ApiError PRV_ERR_FORBIDDEN when `roles` lacks `role` */
export function requireRole(roles: ReadonlySet<Role>, role: Role, what: string): void {
  if (!roles.has(role)) {
    throw new ApiError("PRV_ERR_FORBIDDEN", `${what} needs an API key with the role ${role}; this key has ${[...roles].join(", ") || "no role"}`, { role, roles: [...roles].join(",") });
  }
}
