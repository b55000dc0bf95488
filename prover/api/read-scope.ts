/**
 * Private reads (issue 19 item 3, "trader: orders and own queries"). They apply once
 * any configured key is bound to accounts (`trader@3@7:<digest>`, auth.ts); a
 * deployment that binds none keeps its reads public, as before. Then each read route
 * that shows an account's data says what it reads (route option `read`):
 *
 * | scope     | routes                                            | who may                                                              |
 * |-----------|---------------------------------------------------|----------------------------------------------------------------------|
 * | `account` | GET /v1/accounts/{index}, /proof                  | operator, read-only; a trader for the accounts its key is bound to   |
 * | `by-id`   | GET /v1/ops/{id}, /v1/jobs/{id}, /v1/jobs/{id}/proof | any valid key                                                      |
 * | `all`     | GET /v1/jobs, /v1/risk/at-risk                     | operator, read-only                                                  |
 *
 * `by-id` needs no more than a valid key: an op id is the sha256 of the signed op and a
 * job id a random uuid, so only the client that posted the op learns them (in the
 * answer, then in its status); the lists that would show other ids are `all`. Market
 * data (the book), aggregates (/v1/risk, capacity) and probes stay public.
 */
import type { FastifyRequest } from "fastify";
import type { ApiKeys } from "./auth";
import { presentedKey } from "./auth";
import { ApiError } from "./errors";

/** What a read route shows (see the file comment). */
export type ReadScope = "account" | "by-id" | "all";

/** Route options `config` of a read route that shows account data. */
export const readOf = (read: ReadScope) => ({ read }) as const;

/**
 * @throws ApiError PRV_ERR_UNAUTHORIZED without a valid key, PRV_ERR_FORBIDDEN when the
 *   key may not read this (private reads only)
 */
export function checkRead(keys: ApiKeys, req: FastifyRequest, scope: ReadScope): void {
  if (!keys.bindsAccounts) return;
  const what = `${req.method} ${req.routeOptions.url ?? ""}`;
  const grant = keys.grant(presentedKey(req.headers));
  if (grant === undefined) throw new ApiError("PRV_ERR_UNAUTHORIZED", `${what} needs a valid API key: this deployment's reads are private (keys bound to accounts)`);
  if (grant.roles.has("operator") || grant.roles.has("read-only") || scope === "by-id") return;
  const roles = [...grant.roles].join(",");
  if (scope === "all") throw new ApiError("PRV_ERR_FORBIDDEN", `${what} shows every account's data: it needs an operator or read-only key`, { role: "read-only", roles });
  const index = Number((req.params as { index?: string }).index);
  if (!grant.roles.has("trader") || !grant.accounts.has(index)) {
    throw new ApiError("PRV_ERR_FORBIDDEN", `account ${index} is not bound to this key (bound: ${[...grant.accounts].join(", ") || "none"}); an operator or read-only key reads every account`, { role: "read-only", roles, account: index });
  }
}
