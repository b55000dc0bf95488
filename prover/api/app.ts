/**
 * The HTTP API (fastify): schema-first routes on shared `$id` schemas, OpenAPI at
 * /docs, API keys on write routes, the PRV_ERR_* catalogue for every error, request
 * metrics and logs. `buildApp` takes its collaborators, so tests pass fakes and
 * `zksettle serve` passes the engine, the ledger and (in sequencer mode) the sequencer.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from "fastify";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { Logger } from "pino";
import type { Config } from "../service/config";
import type { LeadershipPort } from "../service/leadership";
import type { ServiceMetrics } from "../service/metrics";
import type { Sequencer } from "../service/sequencer";
import type { SequencerIntake } from "../service/sequencer-intake";
import { ApiKeys, presentedKey, type Role } from "./auth";
import { ApiError, queueFull, toApiError } from "./errors";
import { IdempotencyCache } from "./idempotency";
import { withStoreTimeout } from "./store-timeout";
import { documentStatuses } from "./openapi-statuses";
import type { IdempotencyRecords } from "../store/records";
import type { EnginePort, LedgerPort } from "./ports";
import { pipelineStall, registerPipelineGauge } from "./pipeline-health";
import { SHARED_SCHEMAS } from "./schemas";
import { healthRoutes } from "./routes/health";
import { jobRoutes } from "./routes/jobs";
import { opRoutes } from "./routes/ops";
import { stateRoutes } from "./routes/state";
import { riskRoutes } from "./routes/risk";
import type { RiskSource } from "../risk/source";
import type { SignaturePool } from "../signatures/signature-pool";

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
  /** Tick of the sequencer's batch-interval timer, ms (default: a tenth of the interval, at most 1 s). */
  readonly tickMs?: number;
  /** Many machines (`--store redis://…`): writes only on the leader; absent on one machine. */
  readonly leadership?: LeadershipPort;
  /** Durable answers of idempotent writes (the job store's records); absent: memory only. */
  readonly records?: IdempotencyRecords;
  /** Sequencer mode: checks order signatures on worker threads; absent: on the event loop. */
  readonly signatures?: SignaturePool;
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
/** Probes and metrics: never refused by the client rate limit (a scraper or balancer must not be locked out). */
const RATE_LIMIT_EXEMPT = new Set(["/health", "/ready", "/metrics"]);

declare module "fastify" {
  interface FastifyContextConfig {
    /** Needs an API key. */
    write?: boolean;
    /** The key must carry this role (PRV_ERR_FORBIDDEN otherwise). */
    role?: Role;
    /** Only in this mode (PRV_ERR_WRONG_MODE otherwise, before the body is read). */
    mode?: "sequencer" | "batch";
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

function routeLabel(req: FastifyRequest): string {
  return req.routeOptions.url ?? "unmatched";
}

/**
 * Builds the app (not listening). `app.close()` stops the sequencer's timer and hands
 * the cut batches to the engine before it resolves (what it cannot hand over stays in
 * the journal for the next start).
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, metrics, intake } = deps;
  if (config.mode === "sequencer" && intake === undefined) throw new Error("buildApp: mode sequencer needs the sequencer's intake");
  const sequencer = intake?.sequencer;
  const log = deps.logger.child({ component: "api" });
  // what a request awaits from the store answers within --store-timeout (503 + Retry-After otherwise)
  const bounded = <T extends object>(t: T): T => withStoreTimeout(t, config.storeTimeout, config.retryAfter);
  const engine = bounded(deps.engine);
  const leadership = deps.leadership && bounded(deps.leadership);
  const ctx: AppContext = {
    ...deps,
    engine,
    leadership,
    sequencer,
    keys: new ApiKeys(config.apiKeyHashes),
    idempotency: new IdempotencyCache(config.idempotencyCache, deps.records && bounded(deps.records)),
    lifecycle: { shuttingDown: false },
    async checkCapacity() {
      const c = await engine.capacity();
      const queued = c.queued + (sequencer?.outbox.length ?? 0);
      if (queued >= Math.min(c.maxQueued, config.maxQueue)) throw queueFull(queued, Math.min(c.maxQueued, config.maxQueue), config.retryAfter);
    },
    requireMode(mode, what) {
      if (config.mode !== mode) throw new ApiError("PRV_ERR_WRONG_MODE", `${what} needs mode ${mode}; this service runs in mode ${config.mode}`, { mode: config.mode });
    },
  };
  sequencer?.onCut((batch) => metrics.opLatency.cut(batch));
  intake?.onStored((batch, batchNumber) => metrics.opLatency.handedOver(batch, batchNumber));
  metrics.bind({
    counts: () => engine.counts(),
    capacity: () => engine.capacity(),
    sequencer: sequencer && (() => ({ pendingOps: sequencer.pendingOps, restingOrders: sequencer.restingOrders, outbox: sequencer.outbox.length })),
    leader: leadership && (() => leadership.isLeader()),
  });
  registerPipelineGauge(metrics.registry, async () => leadership?.isLeader() !== false && (await pipelineStall(engine, intake)) !== undefined);

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimit,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false, discriminator: true } },
  });
  for (const s of SHARED_SCHEMAS) app.addSchema(s);
  app.addHook("onRoute", (route) => documentStatuses(route, RATE_LIMIT_EXEMPT));

  app.setErrorHandler((err, req, reply) => {
    const e = toApiError(err, config.retryAfter);
    metrics.error(e.code);
    if (e.statusCode >= 500) req.log.error({ err, reqId: req.id }, "request failed");
    else req.log.debug({ code: e.code, msg: e.message, reqId: req.id }, "request refused");
    void reply.code(e.statusCode).headers(e.headers).send(e.body());
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new ApiError("PRV_ERR_NOT_FOUND", `no route ${req.method} ${req.url.split("?")[0]}`);
    metrics.error(e.code);
    void reply.code(404).send(e.body());
  });
  app.addHook("onRequest", async (req) => {
    const { write, mode, role } = req.routeOptions.config;
    if (mode !== undefined) ctx.requireMode(mode, `${req.method} ${req.routeOptions.url ?? ""}`);
    if (write !== true) return;
    if (ctx.lifecycle.shuttingDown) throw new ApiError("PRV_ERR_NOT_READY", "the service is shutting down");
    const roles = ctx.keys.roles(presentedKey(req.headers));
    if (roles === undefined) {
      throw new ApiError("PRV_ERR_UNAUTHORIZED", "write routes need a valid API key (Authorization: Bearer <key> or X-API-Key)");
    }
    req.apiRoles = roles;
    if (role !== undefined) requireRole(roles, role, `${req.method} ${req.routeOptions.url ?? ""}`);
    // a follower changes nothing: only the leader cuts batches and moves jobs (GET /v1/auth/check changes nothing)
    if (leadership !== undefined && req.method !== "GET" && !leadership.isLeader()) {
      const leader = (await leadership.leader()) ?? "";
      throw new ApiError("PRV_ERR_NOT_LEADER", `this process is a follower: send writes to the leader ${leader === "" ? "(none is elected yet; retry shortly)" : leader}`, { leader });
    }
  });
  app.addHook("onResponse", async (req, reply) => {
    const route = routeLabel(req);
    metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.httpSeconds.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    req.log.info({ reqId: req.id, method: req.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, "request");
  });

  if (config.rateLimit > 0) {
    await app.register(rateLimit, {
      max: config.rateLimit,
      timeWindow: 60_000,
      allowList: (req) => RATE_LIMIT_EXEMPT.has(req.routeOptions.url ?? ""),
      errorResponseBuilder: (_req, c) => new ApiError("PRV_ERR_RATE_LIMITED", `rate limit of ${c.max} requests per minute reached; retry in ${Math.ceil(c.ttl / 1000)} s`, undefined, { "retry-after": String(Math.ceil(c.ttl / 1000)) }),
    });
  }
  await app.register(swagger, {
    openapi: {
      info: { title: "zksettle prover service", version: "0.1.0", description: "docs/api.md" },
      components: { securitySchemes: { apiKey: { type: "http", scheme: "bearer" } } },
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => (typeof json.$id === "string" ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  await app.register(healthRoutes(ctx));
  await app.register(jobRoutes(ctx));
  await app.register(opRoutes(ctx));
  await app.register(stateRoutes(ctx));
  if (deps.risk !== undefined) await app.register(riskRoutes(bounded(deps.risk), ctx));
  await app.register((await import("./routes/ui")).uiRoutes(ctx)); // operator dashboard at /ui (docs/ui.md)

  app.addHook("onClose", async () => {
    ctx.lifecycle.shuttingDown = true;
    if (timer !== undefined) clearInterval(timer);
    // every acknowledged op is in the journal already: this only stores what it can now
    await intake?.drainAll().catch((err: unknown) => log.error({ err }, "cut batches stay in the journal for the next start"));
  });
  let timer: NodeJS.Timeout | undefined;
  if (intake !== undefined) {
    const every = deps.tickMs ?? Math.min(1000, Math.max(10, (config.batchInterval * 1000) / 10));
    app.addHook("onReady", async () => {
      timer = setInterval(() => void intake.tick(), every);
      timer.unref();
    });
  }
  return app;
}
