/** Liveness, readiness, capacity and the Prometheus exposition. */
import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../context";
import { ApiError } from "../errors";
import { pipelineStall } from "../pipeline-health";
import { errorResponses } from "../schemas";
import type { CapacityView } from "../wire-types";

export function healthRoutes(ctx: AppContext): FastifyPluginAsync {
  const started = Date.now();
  return async (app) => {
    app.get(
      "/health",
      {
        schema: {
          summary: "Liveness: the process answers",
          tags: ["ops"],
          response: { 200: { type: "object", properties: { status: { type: "string" }, uptimeS: { type: "number" } } } },
        },
      },
      async () => ({ status: "ok", uptimeS: (Date.now() - started) / 1000 }),
    );

    app.get(
      "/ready",
      {
        schema: {
          summary: "Readiness: the engine is ready, the pipeline can make progress (no failed job, cut batches stored) and the service is not shutting down",
          tags: ["ops"],
          response: { 200: { type: "object", properties: { ready: { type: "boolean" } } }, ...errorResponses(503) },
        },
      },
      async (_req, reply) => {
        // a follower is ready: it serves the read routes (and answers writes with PRV_ERR_NOT_LEADER)
        const follower = ctx.leadership !== undefined && !ctx.leadership.isLeader();
        const ready = !ctx.lifecycle.shuttingDown && (follower || ctx.engine.ready === undefined || (await ctx.engine.ready()));
        if (!ready) throw new ApiError("PRV_ERR_NOT_READY", ctx.lifecycle.shuttingDown ? "the service is shutting down" : "the engine is not ready");
        const stall = follower ? undefined : await pipelineStall(ctx.engine, ctx.intake);
        if (stall !== undefined) throw new ApiError("PRV_ERR_NOT_READY", `the pipeline cannot make progress: ${stall}`);
        return reply.send({ ready: true });
      },
    );

    app.get(
      "/v1/capacity",
      {
        schema: {
          summary: "How full the service is",
          tags: ["ops"],
          response: {
            200: {
              type: "object",
              properties: {
                queued: { type: "integer" },
                maxQueued: { type: "integer" },
                workers: { type: "integer" },
                busy: { type: "integer" },
                backend: { type: "string", description: "prover backend of this process's threads: native (arkworks addon) or snarkjs" },
                accepting: { type: "boolean" },
                mode: { type: "string" },
                role: { type: "string", enum: ["single", "leader", "follower"], description: "single: one machine; leader/follower: many machines (--store redis://…)" },
                provers: {
                  type: "array",
                  description: "many machines: the prover workers on the shared queue",
                  items: {
                    type: "object",
                    properties: { id: { type: "string" }, host: { type: "string" }, threads: { type: "integer" }, busy: { type: "integer" }, proofs: { type: "integer" }, lastSeen: { type: "integer" }, backend: { type: "string" } },
                  },
                },
                sequencer: {
                  type: "object",
                  properties: { pendingOps: { type: "integer" }, batchSize: { type: "integer" }, restingOrders: { type: "integer" }, outbox: { type: "integer" } },
                },
              },
            },
          },
        },
      },
      async () => {
        const c = await ctx.engine.capacity();
        const s = ctx.sequencer;
        const outbox = s?.outbox.length ?? 0;
        const maxQueued = Math.min(c.maxQueued, ctx.config.maxQueue);
        return {
          ...c,
          maxQueued,
          accepting: !ctx.lifecycle.shuttingDown && c.queued + outbox < maxQueued && ctx.leadership?.isLeader() !== false,
          mode: ctx.config.mode,
          role: ctx.leadership === undefined ? "single" : ctx.leadership.isLeader() ? "leader" : "follower",
          sequencer: s && { pendingOps: s.pendingOps, batchSize: s.batchSize, restingOrders: s.restingOrders, outbox },
        } satisfies CapacityView;
      },
    );

    app.get(
      "/metrics",
      {
        schema: {
          summary: "Prometheus metrics (text exposition)",
          tags: ["ops"],
          produces: ["text/plain"],
          response: { 200: { description: "Prometheus text exposition format 0.0.4", content: { "text/plain": { schema: { type: "string" } } } } },
        },
      },
      async (_req, reply) => reply.type(ctx.metrics.contentType).send(await ctx.metrics.text()),
    );
  };
}
