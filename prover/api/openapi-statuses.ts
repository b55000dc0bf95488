/**
 * The answers every route can give besides its own, added to its response schema as
 * it is registered, so the OpenAPI document lists each status a route can answer:
 *
 * | Status | When | Routes |
 * |---|---|---|
 * | 400 | schema or codec refusal | with params, query, headers or a body |
 * | 401, 403 | no valid key; a key without the role (or an L1-only op); private reads (read-scope.ts) | write routes; reads of account data |
 * | 409 | the other mode | routes of one mode |
 * | 413, 415 | body too large; not JSON | with a body |
 * | 429 | the client rate limit | all but /health, /ready, /metrics |
 * | 500 | a bug | all |
 * | 503 | shutting down, the store not answering, a follower | all |
 *
 * Each is the shared `Error` body (docs/api.md, "Errors").
 */
import type { RouteOptions } from "fastify";
import { ref } from "./schemas";

interface RouteSchema {
  hide?: boolean;
  params?: unknown;
  querystring?: unknown;
  headers?: unknown;
  body?: unknown;
  response?: Record<string | number, unknown>;
}

/** Adds the common statuses to `route`'s response schema (routes hidden from the document are left alone). */
export function documentStatuses(route: RouteOptions, exemptFromRateLimit: ReadonlySet<string>): void {
  const schema = route.schema as RouteSchema | undefined;
  if (schema === undefined || schema.hide === true) return;
  const config = (route.config ?? {}) as { write?: boolean; mode?: string; read?: string };
  const statuses = [500, 503];
  if (!exemptFromRateLimit.has(route.url)) statuses.push(429);
  if (schema.params !== undefined || schema.querystring !== undefined || schema.headers !== undefined || schema.body !== undefined) statuses.push(400);
  if (config.write === true || config.read !== undefined) statuses.push(401, 403);
  if (config.mode !== undefined) statuses.push(409);
  if (schema.body !== undefined) statuses.push(400, 413, 415);
  const response = { ...(schema.response ?? {}) };
  for (const s of statuses) if (response[s] === undefined) response[s] = ref("Error");
  route.schema = { ...schema, response } as RouteOptions["schema"];
}
