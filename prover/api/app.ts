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
import { ApiKeys, presentedKey } from "./auth";
import { checkRead } from "./read-scope";
import { ApiError, queueFull, toApiError } from "./errors";
import { IdempotencyCache } from "./idempotency";
import { withStoreTimeout } from "./store-timeout";
import { documentStatuses } from "./openapi-statuses";
import { pipelineStall, registerPipelineGauge } from "./pipeline-health";
import { SHARED_SCHEMAS } from "./schemas";
import { requireRole, type AppContext, type AppDeps } from "./context";
import { errorMessage } from "../errors/catalogue";
import { healthRoutes } from "./routes/health";
import { jobRoutes } from "./routes/jobs";
import { opRoutes } from "./routes/ops";
import { stateRoutes } from "./routes/state";
import { riskRoutes } from "./routes/risk";

// the context's types moved to context.ts; callers of buildApp name them from here
export type { AppDeps, AppContext } from "./context";

/** Probes and metrics: never refused by the client rate limit (a scraper or balancer must not be locked out). */
const RATE_LIMIT_EXEMPT = new Set(["/health", "/ready", "/metrics"]);

function routeLabel(req: FastifyRequest): string {
  return req.routeOptions.url ?? "unmatched";
}

/**
 * Builds the app (not listening). `app.close()` hands the cut batches to the engine
 * before it resolves (what it cannot hand over stays in the journal for the next start).
 * It cuts nothing by time itself: the run layer attaches the batch-cut timer
 * (run/cut-timer-hooks.ts), which stops before that last hand-over.
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
      if (config.mode !== mode) throw new ApiError("PRV_ERR_WRONG_MODE", errorMessage("PRV_ERR_WRONG_MODE", { what, mode, actual: config.mode }), { mode: config.mode });
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
  const notLeader = async (what: string): Promise<never> => {
    const leader = (await leadership?.leader()) ?? "";
    throw new ApiError("PRV_ERR_NOT_LEADER", `${what} ${leader === "" ? "(none is elected yet; retry shortly)" : leader}`, { leader });
  };
  app.addHook("onRequest", async (req) => {
    const { write, mode, role, read, leaderRead } = req.routeOptions.config;
    if (mode !== undefined) ctx.requireMode(mode, `${req.method} ${req.routeOptions.url ?? ""}`);
    if (read !== undefined) checkRead(ctx.keys, req, read);
    // a follower's sequencer is empty: "unknown op" from it would be a lie
    if (leaderRead === true && leadership !== undefined && !leadership.isLeader()) await notLeader("this process is a follower: ask the leader");
    if (write !== true) return;
    if (ctx.lifecycle.shuttingDown) throw new ApiError("PRV_ERR_NOT_READY", "the service is shutting down");
    const roles = ctx.keys.roles(presentedKey(req.headers));
    if (roles === undefined) {
      throw new ApiError("PRV_ERR_UNAUTHORIZED", "write routes need a valid API key (Authorization: Bearer <key> or X-API-Key)");
    }
    req.apiRoles = roles;
    if (role !== undefined) requireRole(roles, role, `${req.method} ${req.routeOptions.url ?? ""}`);
    // a follower changes nothing: only the leader cuts batches and moves jobs (GET /v1/auth/check changes nothing)
    if (leadership !== undefined && req.method !== "GET" && !leadership.isLeader()) await notLeader("this process is a follower: send writes to the leader");
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
    // every acknowledged op is in the journal already: this only stores what it can now
    await intake?.drainAll().catch((err: unknown) => log.error({ err }, "cut batches stay in the journal for the next start"));
  });
  return app;
}
