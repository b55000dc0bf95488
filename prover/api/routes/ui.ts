/**
 * The operator dashboard (docs/ui.md): the Vite + React build of ui/ served at /ui
 * from build/ui (scripts/build-ui.ts makes it), plus the two read-only helpers the
 * page needs that the other routes lack:
 *
 * ```
 * GET /ui, /ui/*         the dashboard (503 text naming the build command when build/ui is missing)
 * GET /v1/jobs?limit=N   the newest N jobs (default 20, at most 200), newest batch first, with an op summary
 * GET /v1/auth/check     200 {valid: true} with a valid API key, else 401 PRV_ERR_UNAUTHORIZED (changes nothing)
 * ```
 *
 * The job list comes from the engine's optional `listJobs(limit)` when it has one;
 * otherwise from the ids the engine's `job` events named since this app was built
 * (the real Engine is an EventEmitter), read back with `getJob`.
 */
import fs from "node:fs";
import path from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync } from "fastify";
import { WRITE, type AppContext } from "../context";
import type { Job } from "../../service/engine-port";
import { errorResponses, ref } from "../schemas";
import { jobView } from "../wire";
import type { JobList, OpSummary } from "../wire-types";
import { readOf } from "../read-scope";
import { packagePath } from "../../package/root";

/** Where scripts/build-ui.ts writes the dashboard. */
export const UI_BUILD_DIR = packagePath("build", "ui");
/** The command that builds it (named in the 503 answer). */
export const UI_BUILD_COMMAND = "npx ts-node scripts/build-ui.ts";

/** An engine that can list its newest jobs (the real store has `list`). */
export interface JobLister {
  listJobs(limit: number): readonly Job[] | Promise<readonly Job[]>;
}

interface JobEvents {
  on(event: "job", fn: (job: Job) => void): unknown;
}

const MAX_TRACKED = 500;

/** Counts of a job's ops by type, when the engine's job carries its batch. */
function opSummary(job: Job): OpSummary | undefined {
  const batch = (job as { batch?: { ops?: unknown; deposits?: unknown } }).batch;
  if (batch === undefined || !Array.isArray(batch.ops)) return undefined;
  const byType: Record<string, number> = {};
  let total = 0;
  for (const op of batch.ops as { type?: unknown }[]) {
    const t = typeof op?.type === "string" ? op.type : "?";
    byType[t] = (byType[t] ?? 0) + 1;
    if (t !== "NOOP") total++;
  }
  return { total, byType, deposits: Array.isArray(batch.deposits) ? batch.deposits.length : 0 };
}

function jobLister(ctx: AppContext): (limit: number) => Promise<readonly Job[]> {
  const engine = ctx.engine as AppContext["engine"] & Partial<JobLister> & Partial<JobEvents>;
  if (typeof engine.listJobs === "function") return async (limit) => engine.listJobs!(limit);
  // The ids the engine's events named, most recently changed last.
  const seen = new Map<string, number>();
  if (typeof engine.on === "function") {
    engine.on("job", (job: Job) => {
      seen.delete(job.id);
      seen.set(job.id, job.batchNumber);
      if (seen.size > MAX_TRACKED) seen.delete(seen.keys().next().value as string);
    });
  }
  return async (limit) => {
    const jobs: Job[] = [];
    for (const id of seen.keys()) {
      const j = await engine.getJob(id);
      if (j !== undefined) jobs.push(j);
    }
    return jobs.sort((a, b) => b.batchNumber - a.batchNumber || b.createdAt - a.createdAt).slice(0, limit);
  };
}

const NOT_BUILT = `The dashboard is not built: build/ui/index.html is missing.\nRun \`${UI_BUILD_COMMAND}\` in the repository, then reload /ui.\n`;

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

/** The routes; see the file comment. `dir` overrides build/ui (tests). */
export function uiRoutes(ctx: AppContext, opts: { dir?: string } = {}): FastifyPluginAsync {
  const dir = opts.dir ?? UI_BUILD_DIR;
  const list = jobLister(ctx);
  return async (app) => {
    // serve: false — files are sent by the handler below, which checks at each request
    // that the build is there (so a build made after the start is picked up).
    await app.register(fastifyStatic, { root: dir, serve: false });

    const page = { schema: { hide: true } } as const;
    const sendUi = async (rel: string, reply: import("fastify").FastifyReply) => {
      if (!fs.existsSync(path.join(dir, "index.html"))) {
        return reply.code(503).type("text/plain; charset=utf-8").header("cache-control", "no-store").send(NOT_BUILT);
      }
      const clean = path.posix.normalize("/" + rel).slice(1);
      const file = clean !== "" && fs.existsSync(path.join(dir, clean)) && fs.statSync(path.join(dir, clean)).isFile() ? clean : "index.html";
      const type = TYPES[path.extname(file)];
      if (type !== undefined) reply.type(type);
      // Hashed assets may be cached; the page itself is always revalidated.
      reply.header("cache-control", file.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache");
      return reply.sendFile(file);
    };
    app.get("/ui", page, async (_req, reply) => reply.redirect("/ui/"));
    app.get<{ Params: { "*": string } }>("/ui/*", page, async (req, reply) => sendUi(req.params["*"] ?? "", reply));

    app.get<{ Querystring: { limit?: string } }>(
      "/v1/jobs",
      {
        config: readOf("all"),
        schema: {
          summary: "The newest jobs (dashboard), newest batch first, with a summary of each batch's ops",
          tags: ["jobs"],
          // The API does not coerce types: the limit is a string of 1..200.
          querystring: { type: "object", additionalProperties: false, properties: { limit: { type: "string", pattern: "^(?:[1-9][0-9]?|1[0-9][0-9]|200)$" } } },
          response: {
            200: {
              type: "object",
              properties: {
                jobs: {
                  type: "array",
                  items: ref("Job"),
                },
                ops: {
                  type: "object",
                  description: "by job id: {total (non-NOOP), byType, deposits}",
                  additionalProperties: { type: "object", properties: { total: { type: "integer" }, byType: { type: "object", additionalProperties: { type: "integer" } }, deposits: { type: "integer" } } },
                },
              },
            },
            ...errorResponses(400),
          },
        },
      },
      async (req) => {
        const jobs = await list(req.query.limit === undefined ? 20 : Number(req.query.limit));
        const ops: Record<string, OpSummary> = {};
        for (const j of jobs) {
          const s = opSummary(j);
          if (s !== undefined) ops[j.id] = s;
        }
        return { jobs: jobs.map(jobView), ops } satisfies JobList;
      },
    );

    app.get(
      "/v1/auth/check",
      {
        config: WRITE,
        schema: {
          summary: "Checks the presented API key (changes nothing)",
          tags: ["ops"],
          security: [{ apiKey: [] }],
          response: { 200: { type: "object", properties: { valid: { type: "boolean" }, roles: { type: "array", items: { type: "string" } } } }, ...errorResponses(401, 429, 503) },
        },
      },
      async (req) => ({ valid: true, roles: [...(req.apiRoles ?? [])] }),
    );
  };
}
