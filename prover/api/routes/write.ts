/**
 * The shared tail of write routes: runs the handler once per `Idempotency-Key` and
 * sends its reply (header `Idempotent-Replayed: true` on a replay).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { AppContext } from "../context";
import { requestHash, type StoredReply } from "../idempotency";

export async function sendIdempotent(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, fn: () => Promise<StoredReply>): Promise<FastifyReply> {
  const key = req.headers["idempotency-key"];
  if (typeof key !== "string") {
    const r = await fn();
    return reply.code(r.statusCode).send(r.body);
  }
  const r = await ctx.idempotency.run(key, requestHash(`${req.method} ${req.routeOptions.url ?? ""} ${JSON.stringify(req.params)}`, req.body), fn);
  return reply.code(r.statusCode).header("idempotent-replayed", String(r.replayed)).send(r.body);
}
