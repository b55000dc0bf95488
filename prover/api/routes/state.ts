/**
 * Account state and Merkle proofs: from the ledger (every batch recorded), or with
 * `?view=pending` in sequencer mode, from the pending state (plus the ops accepted
 * for the next batch; no proof, as that root is not final).
 */
import type { FastifyPluginAsync } from "fastify";
import type { AppContext } from "../context";
import { ApiError } from "../errors";
import { ACCOUNT_PARAMS, errorResponses, ref } from "../schemas";
import { encodeAccount, encodeAccountProof } from "../wire";
import { readOf } from "../read-scope";

const VIEW_QUERY = { type: "object", additionalProperties: false, properties: { view: { type: "string", enum: ["ledger", "pending"] } } } as const;

export function stateRoutes(ctx: AppContext): FastifyPluginAsync {
  const capacity = (): number => ctx.ledger.pendingState().capacity;
  const index = (raw: string): number => {
    const i = Number(raw);
    const cap = capacity();
    if (i >= cap) throw new ApiError("PRV_ERR_BAD_VALUE", `account index ${i} outside the tree (0..${cap - 1})`, { index: i, capacity: cap });
    return i;
  };

  return async (app) => {
    app.get<{ Params: { index: string }; Querystring: { view?: "ledger" | "pending" } }>(
      "/v1/accounts/:index",
      {
        config: readOf("account"),
        schema: {
          summary: "An account's state",
          tags: ["state"],
          params: ACCOUNT_PARAMS,
          querystring: VIEW_QUERY,
          response: { 200: ref("Account"), ...errorResponses(400, 409) },
        },
      },
      async (req) => {
        const i = index(req.params.index);
        if (req.query.view === "pending") {
          ctx.requireMode("sequencer", "view=pending");
          const pending = ctx.sequencer?.pendingState() ?? ctx.ledger.pendingState();
          return encodeAccount(i, pending.account(i));
        }
        return encodeAccount(i, ctx.ledger.account(i));
      },
    );

    app.get<{ Params: { index: string } }>(
      "/v1/accounts/:index/proof",
      {
        config: readOf("account"),
        schema: {
          summary: "Merkle proof of an account leaf against the ledger's state root",
          tags: ["state"],
          params: ACCOUNT_PARAMS,
          response: {
            200: {
              type: "object",
              properties: {
                index: { type: "integer" },
                leaf: { type: "string" },
                siblings: { type: "array", items: { type: "array", items: { type: "string" } } },
                accountsRoot: { type: "string" },
                globalHash: { type: "string" },
                stateRoot: { type: "string" },
              },
            },
            ...errorResponses(400),
          },
        },
      },
      async (req) => encodeAccountProof(ctx.ledger.accountProof(index(req.params.index))),
    );
  };
}
