/**
 * Sequencer mode: signed orders, withdrawals, liquidations, settlements and L1
 * priority-queue entries one at a time, oracle headers, and a look at the book. Each
 * op is validated at once with the reference rules; a refused op changes nothing.
 */
import type { FastifyPluginAsync } from "fastify";
import { SequencerError, type Sequencer } from "../../service/sequencer";
import type { SequencerIntake } from "../../service/sequencer-intake";
import { sequencerWrite, type AppContext } from "../context";
import { ApiError } from "../errors";
import { WRITE_HEADERS, errorResponses, ref } from "../schemas";
import { withinTime } from "../store-timeout";
import { decodeHeader, decodeSubmitOp, type HeaderJson, type SubmitOpJson } from "../wire";
import { sendIdempotent } from "./write";
import { readOf } from "../read-scope";

const OP_RESULT = {
  type: "object",
  required: ["status", "pendingOps"],
  properties: {
    status: { type: "string", enum: ["filled", "resting", "accepted", "deleveraged"] },
    op: { type: "string", description: "the op type that went into the pending batch (not for a resting order)" },
    orderId: { type: "string", description: "an order's id (its order hash): GET /v1/ops/{orderId} says where it is" },
    opId: { type: "string", description: "a non-order op's id: GET /v1/ops/{opId} says where it is" },
    replaced: { type: "string" },
    trade: { type: "object", properties: { makerOrderId: { type: "string" }, q: { type: "string" }, price: { type: "string" } } },
    deleverage: {
      type: "object",
      properties: { bankrupt: { type: "integer" }, counterparty: { type: "integer" }, marketId: { type: "integer" }, q: { type: "string" }, price: { type: "string" } },
    },
    pendingOps: { type: "integer" },
  },
} as const;

function fromSequencer(e: unknown, retryAfter: number): unknown {
  if (!(e instanceof SequencerError)) return e;
  if (e.code === "BOOK_FULL") return new ApiError("PRV_ERR_BOOK_FULL", e.message, undefined, { "retry-after": String(retryAfter) });
  return new ApiError("PRV_ERR_NO_ORACLE_HEADER", e.message);
}

/**
 * Deposits and forced withdrawals are the L1 priority queue's: the service reads them
 * from the contract (deposit-feeder.ts). One posted here would be proven and then
 * refused on chain (DepositsOutOfRange), stalling every batch after it.
 */
function refuseL1Entries(body: SubmitOpJson): void {
  if (body.type === "DEPOSIT" || body.type === "FORCED_WITHDRAW") {
    throw new ApiError("PRV_ERR_L1_QUEUE_ONLY", `${body.type} comes only from the L1 priority queue (the service reads it from the contract); it cannot be posted`, { type: body.type });
  }
}

/**
 * A header the contract would refuse for its clock (timestamp > block.timestamp +
 * MAX_ORACLE_DRIFT) would be proven and never land: refused here against this clock.
 */
function checkOracleClock(timestamp: bigint, maxDriftS: number, nowMs = Date.now()): void {
  const limit = BigInt(Math.floor(nowMs / 1000) + maxDriftS);
  if (timestamp > limit) {
    throw new ApiError("PRV_ERR_ORACLE_DRIFT", `header timestamp ${timestamp} is later than now + ${maxDriftS} s (${limit}); the contract would refuse its batch`, { timestamp: timestamp.toString(), limit: limit.toString() });
  }
}

export function opRoutes(ctx: AppContext): FastifyPluginAsync {
  const seq = (): Sequencer => {
    ctx.requireMode("sequencer", "this route");
    return ctx.sequencer as Sequencer;
  };
  const intake = (): SequencerIntake => {
    ctx.requireMode("sequencer", "this route");
    return ctx.intake as SequencerIntake;
  };
  /** Applies `f` and waits for its journal write, within --store-timeout (503 PRV_ERR_STORE_UNAVAILABLE otherwise). */
  const durable = <T>(desk: SequencerIntake, f: (s: Sequencer) => T): Promise<T> =>
    withinTime(desk.run(f), "the sequencer journal write", ctx.config.storeTimeout, ctx.config.retryAfter);

  return async (app) => {
    app.post<{ Body: SubmitOpJson }>(
      "/v1/ops",
      {
        config: sequencerWrite("trader"),
        schema: {
          summary: "Sequencer mode: submit one op: a signed order, withdrawal or liquidation, a settlement, or the next L1 priority-queue entry",
          tags: ["sequencer"],
          security: [{ apiKey: [] }],
          headers: WRITE_HEADERS,
          body: ref("SubmitOp"),
          response: { 200: OP_RESULT, ...errorResponses(400, 401, 403, 409, 413, 415, 422, 429, 503) },
        },
      },
      async (req, reply) => {
        const desk = intake();
        refuseL1Entries(req.body);
        return sendIdempotent(ctx, req, reply, async () => {
          await ctx.checkCapacity();
          const mark = ctx.metrics.opLatency.mark();
          try {
            const op = decodeSubmitOp(req.body);
            // answered only once the journal holds the op (and a batch it completes is a job)
            if (op.kind === "ORDER") {
              // the signature is checked on a worker thread once they run (the sequencer finds the
              // verdict); before that, on the event loop by the sequencer, as without threads
              if (ctx.signatures?.ready === true) await ctx.signatures.verifyOrder(op.order, desk.sequencer.pendingAccount(op.order.accountIndex));
              const r = await durable(desk, (s) => s.submitOrder(op.order));
              if (r.status === "filled") ctx.metrics.opLatency.acknowledged(mark);
              const trade = r.trade && { makerOrderId: r.trade.makerOrderId, q: r.trade.q.toString(), price: r.trade.price.toString() };
              const body = { status: r.status, op: r.status === "filled" ? "TRADE" : undefined, orderId: r.orderId, replaced: r.replaced, trade, pendingOps: r.pendingOps };
              return { statusCode: 200, body };
            }
            const r = await durable(desk, (s) =>
              op.kind === "DEPOSIT"
                ? s.submitDeposit(op.entry)
                : op.kind === "FORCED_WITHDRAW"
                  ? s.submitForcedWithdraw(op.entry)
                  : op.kind === "WITHDRAW"
                    ? s.submitWithdraw(op.op)
                    : op.kind === "LIQUIDATE"
                      ? s.submitLiquidate(op.op)
                      : s.submitSettle(op.op),
            );
            ctx.metrics.opLatency.acknowledged(mark);
            const d = r.deleverage;
            const deleverage = d && { bankrupt: d.bankrupt, counterparty: d.counterparty, marketId: d.marketId, q: d.q.toString(), price: d.price.toString() };
            return { statusCode: 200, body: { status: r.status, op: r.op, opId: r.opId, deleverage, pendingOps: r.pendingOps } };
          } catch (e) {
            throw fromSequencer(e, ctx.config.retryAfter);
          }
        });
      },
    );

    app.post<{ Body: HeaderJson }>(
      "/v1/oracle/headers",
      {
        config: sequencerWrite("oracle"),
        schema: {
          summary: "Sequencer mode: the oracle's signed header (timestamp, mark prices, funding rates) for the next batch; checked (signatures, quorum, ranges, clock) before it is accepted",
          tags: ["sequencer"],
          security: [{ apiKey: [] }],
          headers: WRITE_HEADERS,
          body: ref("Header"),
          response: {
            200: { type: "object", properties: { timestamp: { type: "string" }, cut: { type: "boolean" } } },
            ...errorResponses(400, 401, 403, 409, 413, 415, 422, 429, 503),
          },
        },
      },
      async (req, reply) => {
        const desk = intake();
        return sendIdempotent(ctx, req, reply, async () => {
          const header = decodeHeader(req.body);
          checkOracleClock(header.timestamp, ctx.config.maxOracleDrift);
          const before = desk.submitted + desk.sequencer.outbox.length;
          // setHeader checks it with the reference rules (prover/state/header.ts): signatures, quorum, ranges
          await durable(desk, (s) => s.setHeader(header)); // fundingRates included: one signed rate per market
          return { statusCode: 200, body: { timestamp: req.body.timestamp, cut: desk.submitted + desk.sequencer.outbox.length > before } };
        });
      },
    );

    app.get<{ Params: { id: string } }>(
      "/v1/ops/:id",
      {
        config: { mode: "sequencer", leaderRead: true, ...readOf("by-id") },
        schema: {
          summary: "Sequencer mode: where an acknowledged op is: resting, pending (in a batch not yet a job), batched (with its job), or cancelled / rejected with the reason",
          tags: ["sequencer"],
          params: { type: "object", required: ["id"], properties: { id: { type: "string", pattern: "^0x[0-9a-f]{64}$" } } },
          response: {
            200: {
              type: "object",
              required: ["id", "status"],
              properties: {
                id: { type: "string" },
                status: { type: "string", enum: ["resting", "pending", "batched", "cancelled", "rejected"] },
                batchNumber: { type: "integer" },
                jobId: { type: "string" },
                code: { type: "string", description: "cancelled / rejected: the rule or reason code" },
                reason: { type: "string" },
              },
            },
            ...errorResponses(400, 404, 409),
          },
        },
      },
      async (req) => {
        const st = intake().status(req.params.id);
        if (st === undefined) throw new ApiError("PRV_ERR_NOT_FOUND", `no op ${req.params.id} is known to this sequencer`);
        return { id: req.params.id, ...st };
      },
    );

    app.get<{ Params: { marketId: string } }>(
      "/v1/markets/:marketId/book",
      {
        config: { mode: "sequencer", leaderRead: true },
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
