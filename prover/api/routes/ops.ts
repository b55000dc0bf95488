/**
 * Sequencer mode: signed orders and L1 deposits one at a time, oracle headers, and
 * a look at the book. Each op is validated at once with the reference rules; a
 * refused op changes nothing.
 */
import type { FastifyPluginAsync } from "fastify";
import { SequencerError, type Sequencer } from "../../service/sequencer";
import { SEQUENCER_WRITE, type AppContext } from "../app";
import { ApiError } from "../errors";
import { WRITE_HEADERS, errorResponses, ref } from "../schemas";
import { decodeDeposit, decodeHeader, decodeOrder, type HeaderJson, type SubmitOpJson } from "../wire";
import { sendIdempotent } from "./write";

const OP_RESULT = {
  type: "object",
  required: ["status", "pendingOps"],
  properties: {
    status: { type: "string", enum: ["filled", "resting", "accepted"] },
    orderId: { type: "string" },
    replaced: { type: "string" },
    trade: { type: "object", properties: { makerOrderId: { type: "string" }, q: { type: "string" }, price: { type: "string" } } },
    pendingOps: { type: "integer" },
  },
} as const;

function fromSequencer(e: unknown, retryAfter: number): unknown {
  if (!(e instanceof SequencerError)) return e;
  if (e.code === "BOOK_FULL") return new ApiError("PRV_ERR_BOOK_FULL", e.message, undefined, { "retry-after": String(retryAfter) });
  return new ApiError("PRV_ERR_NO_ORACLE_HEADER", e.message);
}

export function opRoutes(ctx: AppContext): FastifyPluginAsync {
  const seq = (): Sequencer => {
    ctx.requireMode("sequencer", "this route");
    return ctx.sequencer as Sequencer;
  };
  const afterAccept = (s: Sequencer): void => {
    if (s.outbox.length > 0 && ctx.pump !== undefined) void ctx.pump.flush();
  };

  return async (app) => {
    app.post<{ Body: SubmitOpJson }>(
      "/v1/ops",
      {
        config: SEQUENCER_WRITE,
        schema: {
          summary: "Sequencer mode: submit a signed order or an L1 deposit-queue entry",
          tags: ["sequencer"],
          security: [{ apiKey: [] }],
          headers: WRITE_HEADERS,
          body: ref("SubmitOp"),
          response: { 200: OP_RESULT, ...errorResponses(400, 401, 409, 413, 415, 422, 429, 503) },
        },
      },
      async (req, reply) => {
        const s = seq();
        return sendIdempotent(ctx, req, reply, async () => {
          await ctx.checkCapacity();
          try {
            const body = req.body;
            if (body.type === "DEPOSIT") {
              const r = s.submitDeposit(decodeDeposit(body.entry));
              afterAccept(s);
              return { statusCode: 200, body: { status: "accepted", pendingOps: r.pendingOps } };
            }
            const r = s.submitOrder(decodeOrder(body.order));
            afterAccept(s);
            const trade = r.trade && { makerOrderId: r.trade.makerOrderId, q: r.trade.q.toString(), price: r.trade.price.toString() };
            return { statusCode: 200, body: { status: r.status, orderId: r.orderId, replaced: r.replaced, trade, pendingOps: r.pendingOps } };
          } catch (e) {
            throw fromSequencer(e, ctx.config.retryAfter);
          }
        });
      },
    );

    app.post<{ Body: HeaderJson }>(
      "/v1/oracle/headers",
      {
        config: SEQUENCER_WRITE,
        schema: {
          summary: "Sequencer mode: the oracle's signed header for the next batch",
          tags: ["sequencer"],
          security: [{ apiKey: [] }],
          body: ref("Header"),
          response: {
            200: { type: "object", properties: { timestamp: { type: "string" }, cut: { type: "boolean" } } },
            ...errorResponses(400, 401, 409, 413, 415, 422),
          },
        },
      },
      async (req) => {
        const s = seq();
        const before = s.outbox.length;
        s.setHeader(decodeHeader(req.body));
        afterAccept(s);
        return { timestamp: req.body.timestamp, cut: s.outbox.length > before };
      },
    );

    app.get<{ Params: { marketId: string } }>(
      "/v1/markets/:marketId/book",
      {
        config: { mode: "sequencer" },
        schema: {
          summary: "Sequencer mode: the top of a market's book",
          tags: ["sequencer"],
          params: { type: "object", required: ["marketId"], properties: { marketId: { type: "string", pattern: "^([1-9]|1[0-5])$" } } },
          response: {
            200: { type: "object", properties: { marketId: { type: "integer" }, bid: { type: "string" }, ask: { type: "string" }, bids: { type: "integer" }, asks: { type: "integer" } } },
            ...errorResponses(400, 409),
          },
        },
      },
      async (req) => {
        const s = seq();
        const marketId = Number(req.params.marketId);
        if (marketId > s.pendingState().params.markets) {
          throw new ApiError("PRV_ERR_BAD_VALUE", `market ${marketId} outside 1..${s.pendingState().params.markets}`);
        }
        const t = s.book(marketId).top();
        return { marketId, bid: t.bid?.toString(), ask: t.ask?.toString(), bids: t.bids, asks: t.asks };
      },
    );
  };
}
