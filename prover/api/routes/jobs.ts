/**
 * Batch mode and jobs: submit a whole batch (→ a job), job status with progress,
 * proof download (snarkjs JSON or Solidity calldata), cancel.
 */
import type { FastifyPluginAsync } from "fastify";
import { toSolidityCalldata } from "../../zk/prover";
import { BATCH_WRITE, writeAs, type AppContext } from "../context";
import { ApiError } from "../errors";
import type { Job } from "../../service/engine-port";
import { JOB_ID_PARAMS, WRITE_HEADERS, errorResponses, ref } from "../schemas";
import { decodeBatch, jobView, type BatchJson } from "../wire";
import { sendIdempotent } from "./write";
import { readOf } from "../read-scope";

const hex = (v: bigint | string): string => "0x" + BigInt(v).toString(16).padStart(64, "0");

export function jobRoutes(ctx: AppContext): FastifyPluginAsync {
  const { engine } = ctx;

  async function jobOr404(id: string): Promise<Job> {
    const job = await engine.getJob(id);
    if (job === undefined) throw new ApiError("PRV_ERR_JOB_NOT_FOUND", `no job ${JSON.stringify(id)}`, { id });
    return job;
  }

  return async (app) => {
    app.post<{ Body: BatchJson }>(
      "/v1/batches",
      {
        config: BATCH_WRITE,
        schema: {
          summary: "Batch mode: submit a whole batch; returns its job",
          tags: ["jobs"],
          security: [{ apiKey: [] }],
          headers: WRITE_HEADERS,
          body: ref("Batch"),
          response: { 202: ref("Job"), ...errorResponses(400, 401, 409, 413, 415, 422, 429, 503) },
        },
      },
      async (req, reply) => {
        return sendIdempotent(ctx, req, reply, async () => {
          await ctx.checkCapacity();
          const key = req.headers["idempotency-key"];
          const job = await engine.submitBatch(decodeBatch(req.body), typeof key === "string" ? key : undefined);
          return { statusCode: 202, body: jobView(job) };
        });
      },
    );

    app.get<{ Params: { id: string } }>(
      "/v1/jobs/:id",
      {
        config: readOf("by-id"),
        schema: {
          summary: "Job status and progress",
          tags: ["jobs"],
          params: JOB_ID_PARAMS,
          response: { 200: ref("Job"), ...errorResponses(400, 404) },
        },
      },
      async (req) => jobView(await jobOr404(req.params.id)),
    );

    app.get<{ Params: { id: string }; Querystring: { format?: "snarkjs" | "calldata" } }>(
      "/v1/jobs/:id/proof",
      {
        config: readOf("by-id"),
        schema: {
          summary: "Proof download: snarkjs JSON (default) or the uint256[8] of the Solidity verifier",
          tags: ["jobs"],
          params: JOB_ID_PARAMS,
          querystring: { type: "object", additionalProperties: false, properties: { format: { type: "string", enum: ["snarkjs", "calldata"] } } },
          response: {
            200: {
              type: "object",
              required: ["format", "proof", "publicSignals"],
              properties: {
                format: { type: "string", enum: ["snarkjs", "calldata"] },
                proof: {
                  description: "snarkjs: the proof object; calldata: the uint256[8] of the Solidity verifier, 0x-hex",
                  oneOf: [ref("Groth16Proof"), { type: "array", items: { type: "string", pattern: "^0x[0-9a-f]{64}$" }, minItems: 8, maxItems: 8 }],
                },
                publicSignals: { type: "array", items: { type: "string" }, description: "snarkjs: decimal strings; calldata: 0x-hex" },
                calldata: { type: "string", description: "calldata only: [proof],[publicSignals] as a Solidity call argument list" },
              },
            },
            ...errorResponses(400, 404, 409),
          },
        },
      },
      async (req) => {
        const job = await jobOr404(req.params.id);
        if (job.proof === undefined || job.publicSignals === undefined) {
          throw new ApiError("PRV_ERR_PROOF_NOT_READY", `job ${job.id} has no proof yet (state ${job.state})`, { state: job.state });
        }
        if (req.query.format === "calldata") {
          const words = toSolidityCalldata(job.proof).map(hex);
          const pub = job.publicSignals.map(hex);
          return { format: "calldata", proof: words, publicSignals: pub, calldata: `[${words.join(",")}],[${pub.join(",")}]` };
        }
        return { format: "snarkjs", proof: job.proof, publicSignals: job.publicSignals };
      },
    );

    app.post<{ Params: { id: string } }>(
      "/v1/jobs/:id/cancel",
      {
        config: writeAs("operator"),
        schema: {
          summary: "Cancel a job that is not final (operator)",
          tags: ["jobs"],
          security: [{ apiKey: [] }],
          headers: WRITE_HEADERS,
          params: JOB_ID_PARAMS,
          response: { 200: ref("Job"), ...errorResponses(400, 401, 403, 404, 409, 422, 503) },
        },
      },
      async (req, reply) =>
        sendIdempotent(ctx, req, reply, async () => {
          const before = await jobOr404(req.params.id);
          if (before.state === "cancelled") return { statusCode: 200, body: jobView(before) }; // cancelling twice is harmless
          if (before.state === "confirmed") throw new ApiError("PRV_ERR_JOB_FINAL", `job ${before.id} is confirmed; it cannot be cancelled`, { state: before.state });
          const after = (await engine.cancel(before.id)) ?? before;
          if (after.state !== "cancelled") {
            throw new ApiError("PRV_ERR_JOB_FINAL", `job ${after.id} is ${after.state}; it could not be cancelled`, { state: after.state });
          }
          return { statusCode: 200, body: jobView(after) };
        }),
    );
  };
}
