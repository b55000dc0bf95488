/**
 * The risk routes: current T, scan range and margin multiplier per market, the
 * accounts a tightening would make liquidatable, and the operator overrides with
 * their audit log, read from a `RiskSource` (prover/risk/source.ts; the service's is
 * prover/service/risk-loop.ts). buildApp registers them when it is given a source.
 *
 * ```
 * GET  /v1/risk             T (p50/p95/p99 and stages), the T used and what set it (window,
 *                           stall, upgrade, override), upgrade windows, the emergency flag,
 *                           the node's client version, per market σ, scan, multiplier
 * GET  /v1/risk/history     the last updates: T and per market target/applied scan, multiplier
 * GET  /v1/risk/at-risk     accounts that the next arrays would make liquidatable
 * GET  /v1/risk/overrides   the overrides in force and the audit log
 * POST /v1/risk/overrides   set or clear one override (write route: API key; who = the key's hash)
 * ```
 */
import type { FastifyPluginAsync } from "fastify";
import { hashApiKey, presentedKey } from "../auth";
import { writeAs, type AppContext } from "../context";
import { ApiError } from "../errors";
import { WRITE_HEADERS, errorResponses } from "../schemas";
import { sendIdempotent } from "./write";
import { OverrideError } from "../../risk/overrides";
import type { RiskPlan } from "../../risk/plan";
import type { ClientVersionView, RiskSource } from "../../risk/source";
import { readOf } from "../read-scope";
import type { AtRiskView, OverridesView, RiskHistoryView, RiskView } from "../wire-types";

export type { RiskSource } from "../../risk/source";

const num = { type: "number" } as const;
const q = { type: "object", properties: { p50: num, p95: num, p99: num, count: { type: "integer" } } } as const;
const str = { type: "string" } as const;
const nullableNum = { type: ["number", "null"] } as const;

/** The plan as JSON: bigints as decimal strings. */
export function planView(p: RiskPlan, client?: ClientVersionView): RiskView {
  return {
    timeToFinality: { p50: p.latency.p50, p95: p.latency.p95, p99: p.latency.p99, stages: p.latency.stages },
    T: p.T,
    horizon: p.horizon,
    upgrade: p.upgrade,
    emergency: p.emergency,
    clientVersion: client ?? null,
    percentile: p.percentile,
    z: p.z,
    mmBps: Number(p.next.mmBps),
    publish: p.publish,
    atRisk: p.atRisk.length,
    markets: p.markets,
  };
}

function notYet(): ApiError {
  return new ApiError("PRV_ERR_NOT_READY", "no risk update has been computed yet");
}

/**
 * The routes; see the file comment. With `ctx` (buildApp), the override route needs the
 * operator role and honours `Idempotency-Key`.
 */
export function riskRoutes(source: RiskSource, ctx?: AppContext): FastifyPluginAsync {
  // the shared `Error` schema exists in buildApp's app; a bare app (tests) has none to point at
  const errors = (...statuses: number[]) => (ctx === undefined ? {} : errorResponses(...statuses));
  return async (app) => {
    app.get(
      "/v1/risk",
      {
        schema: {
          summary: "Current time to finality, scan range and margin multiplier per market",
          tags: ["risk"],
          response: {
            200: {
              type: "object",
              properties: {
                timeToFinality: { type: "object", properties: { p50: num, p95: num, p99: num, stages: { type: "object", additionalProperties: q } } },
                T: num,
                horizon: {
                  type: "object",
                  description: "T and what set it: the window's quantile (plus recent reorgs), a live stall, an upgrade window's latency, or an override",
                  properties: { T: num, windowSeconds: num, stallSeconds: num, reorgSeconds: num, upgradeSeconds: num, source: { type: "string", enum: ["window", "stall", "upgrade", "override"] } },
                },
                upgrade: {
                  type: "object",
                  description: "Upgrade windows of the risk config that are near (ahead) or open, with the scan multiplier and latency floor they apply",
                  properties: { multiplier: num, latencySeconds: num, windows: { type: "array", items: { type: "object", properties: { name: str, phase: { type: "string", enum: ["ahead", "open"] } } } } },
                },
                emergency: { type: "boolean", description: "The named emergency override is on: rows move to their targets without the step bound" },
                clientVersion: {
                  type: ["object", "null"],
                  description: "The settlement node's web3_clientVersion; previous and changedAt once it changed",
                  properties: { current: str, previous: str, changedAt: { type: "integer" } },
                },
                percentile: str,
                z: num,
                mmBps: { type: "integer" },
                publish: { type: "boolean" },
                atRisk: { type: "integer" },
                markets: {
                  type: "array",
                  items: { type: "object", properties: { market: { type: "integer" }, sigmaAnnual: num, targetScan: num, appliedScan: num, multiplier: num, pinned: { type: "boolean" } } },
                },
              },
            },
          },
        },
      },
      async () => {
        const p = source.plan();
        if (p === undefined) throw notYet();
        return planView(p, source.clientVersion?.());
      },
    );

    app.get(
      "/v1/risk/history",
      {
        schema: {
          summary: "The last risk updates, oldest first: T and per market the target and applied scan range and the margin multiplier",
          tags: ["risk"],
          response: {
            200: {
              type: "object",
              properties: {
                points: {
                  type: "array",
                  items: {
                    type: "object",
                    properties: {
                      at: { type: "integer" },
                      T: num,
                      publish: { type: "boolean" },
                      markets: { type: "array", items: { type: "object", properties: { market: { type: "integer" }, targetScan: num, appliedScan: num, multiplier: num } } },
                    },
                  },
                },
              },
            },
          },
        },
      },
      async (): Promise<RiskHistoryView> => ({ points: source.history?.() ?? [] }),
    );

    app.get(
      "/v1/risk/at-risk",
      {
        config: readOf("all"),
        schema: {
          summary: "Accounts that meet maintenance now and would not under the next risk arrays",
          tags: ["risk"],
          response: {
            200: {
              type: "object",
              properties: {
                accounts: {
                  type: "array",
                  items: { type: "object", properties: { index: { type: "integer" }, equity: str, maintenanceNow: str, maintenanceNext: str, shortfall: str } },
                },
              },
            },
          },
        },
      },
      async (): Promise<AtRiskView> => {
        const p = source.plan();
        if (p === undefined) throw notYet();
        return {
          accounts: p.atRisk.map((a) => ({ index: a.index, equity: String(a.equity), maintenanceNow: String(a.maintenanceNow), maintenanceNext: String(a.maintenanceNext), shortfall: String(a.shortfall) })),
        };
      },
    );

    const overridesSchema = {
      type: "object",
      properties: {
        values: { type: "object", additionalProperties: num },
        log: {
          type: "array",
          items: { type: "object", properties: { seq: { type: "integer" }, who: str, when: { type: "integer" }, key: str, previous: nullableNum, value: nullableNum, reason: str } },
        },
      },
    } as const;

    app.get("/v1/risk/overrides", { schema: { summary: "Operator overrides in force and their audit log", tags: ["risk"], response: { 200: overridesSchema, ...errors(429, 503) } } }, async (): Promise<OverridesView> => {
      await source.refreshOverrides?.(); // another serve on the same store may have changed them
      return source.overrides();
    });

    app.post<{ Body: { key: string; value: number | null; reason: string; operator?: string } }>(
      "/v1/risk/overrides",
      {
        config: writeAs("operator"),
        schema: {
          summary: "Set (value) or clear (null) one risk override (operator); logged with who, when, the previous value and the reason",
          tags: ["risk"],
          security: [{ apiKey: [] }],
          headers: WRITE_HEADERS,
          body: {
            type: "object",
            required: ["key", "value", "reason"],
            additionalProperties: false,
            properties: {
              key: { type: "string", maxLength: 64 },
              value: nullableNum,
              reason: { type: "string", minLength: 1, maxLength: 500 },
              operator: { type: "string", maxLength: 100 },
            },
          },
          response: { 200: overridesSchema, ...errors(400, 401, 403, 413, 415, 422, 429, 503) },
        },
      },
      async (req, reply) => {
        // The audit log names the API key by its hash prefix, never the key itself.
        const key = presentedKey(req.headers);
        const id = key === undefined ? "anonymous" : `key ${hashApiKey(key).slice(0, 12)}`;
        const who = req.body.operator === undefined ? id : `${req.body.operator} (${id})`;
        const set = async () => {
          try {
            return { statusCode: 200, body: await source.setOverride({ who, when: source.now?.() ?? Date.now(), key: req.body.key, value: req.body.value, reason: req.body.reason }) };
          } catch (e) {
            if (e instanceof OverrideError) throw new ApiError("PRV_ERR_BAD_VALUE", e.message, { key: req.body.key });
            throw e;
          }
        };
        if (ctx === undefined) {
          const r = await set();
          return reply.code(r.statusCode).send(r.body);
        }
        return sendIdempotent(ctx, req, reply, set);
      },
    );
  };
}
