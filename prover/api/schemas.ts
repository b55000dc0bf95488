/**
 * Shared JSON schemas of the API, added once with `addSchema({ $id })` and used by
 * `$ref` from the routes (and named in the OpenAPI document at /docs). Numbers the
 * protocol holds as bigints travel as decimal strings.
 */

/** A non-negative decimal integer of at most 78 digits (any field element fits). */
const UINT = { type: "string", pattern: "^(0|[1-9][0-9]{0,77})$", description: "non-negative decimal integer" } as const;
/** A signed decimal integer. */
const INT = { type: "string", pattern: "^(0|-?[1-9][0-9]{0,77})$", description: "signed decimal integer" } as const;
const INDEX = { type: "integer", minimum: 0, maximum: 4294967295 } as const;
/** A market id, 1..M (M ≤ 15). */
const MARKET = { type: "integer", minimum: 1, maximum: 15 } as const;

/** An op that is its type alone (NOOP, DEPOSIT, FORCED_WITHDRAW: the queue entry comes from `deposits`). */
function typeOnly<T extends string>(type: T) {
  return { type: "object", additionalProperties: false, required: ["type"], properties: { type: { const: type } } } as const;
}

/** TRADE: two signed orders, the fill and the fees. */
const TRADE_OP = {
  type: "object",
  additionalProperties: false,
  required: ["type", "maker", "taker", "q", "makerFeeBps", "takerFeeBps"],
  properties: { type: { const: "TRADE" }, maker: { $ref: "SignedOrder#" }, taker: { $ref: "SignedOrder#" }, q: UINT, makerFeeBps: UINT, takerFeeBps: UINT },
} as const;
/** WITHDRAW: the account's signature on withdrawalHash(accountIndex, amount, nonce). */
const WITHDRAW_OP = {
  type: "object",
  additionalProperties: false,
  required: ["type", "accountIndex", "amount", "nonce", "signature"],
  properties: { type: { const: "WITHDRAW" }, accountIndex: INDEX, amount: UINT, nonce: UINT, signature: { $ref: "Signature#" } },
} as const;
/** LIQUIDATE: the liquidator's signed message and the lots taken over. */
const LIQUIDATE_OP = {
  type: "object",
  additionalProperties: false,
  required: ["type", "liquidatee", "liquidator", "q"],
  properties: { type: { const: "LIQUIDATE" }, liquidatee: INDEX, liquidator: { $ref: "SignedLiquidation#" }, q: UINT },
} as const;
/** SETTLE: no signature. */
const SETTLE_OP = {
  type: "object",
  additionalProperties: false,
  required: ["type", "accountIndex", "marketId"],
  properties: { type: { const: "SETTLE" }, accountIndex: INDEX, marketId: MARKET },
} as const;
/** DELEVERAGE: the bankrupt account, its counterparty, the lots and the bankruptcy price. */
const DELEVERAGE_OP = {
  type: "object",
  additionalProperties: false,
  required: ["type", "bankrupt", "counterparty", "marketId", "q", "price"],
  properties: { type: { const: "DELEVERAGE" }, bankrupt: INDEX, counterparty: INDEX, marketId: MARKET, q: UINT, price: UINT },
} as const;

/** Every shared schema; `$id`s are referenced as `<id>#`. */
const FQ = { type: "string", pattern: "^(0|[1-9][0-9]{0,77})$" } as const;
const G1 = { type: "array", items: FQ, minItems: 3, maxItems: 3 } as const;

export const SHARED_SCHEMAS = [
  {
    $id: "Groth16Proof",
    description: "a Groth16 proof as snarkjs writes it (projective coordinates, decimal strings)",
    type: "object",
    required: ["pi_a", "pi_b", "pi_c", "protocol", "curve"],
    properties: {
      pi_a: G1,
      pi_b: { type: "array", items: { type: "array", items: FQ, minItems: 2, maxItems: 2 }, minItems: 3, maxItems: 3 },
      pi_c: G1,
      protocol: { type: "string", const: "groth16" },
      curve: { type: "string", const: "bn128" },
    },
  },
  { $id: "Uint", ...UINT },
  { $id: "Int", ...INT },
  {
    $id: "Error",
    type: "object",
    required: ["statusCode", "code", "error", "message"],
    properties: {
      statusCode: { type: "integer" },
      code: { type: "string", description: "PRV_ERR_* (docs/api.md)" },
      error: { type: "string" },
      message: { type: "string" },
      details: { type: "object", additionalProperties: { type: ["string", "number", "boolean"] } },
    },
  },
  {
    $id: "SignedOrder",
    type: "object",
    additionalProperties: false,
    required: ["accountIndex", "marketId", "isBuy", "size", "limitPrice", "expiry", "nonce", "maxFeeBps", "R8x", "R8y", "S"],
    properties: {
      accountIndex: INDEX,
      marketId: MARKET,
      isBuy: { type: "boolean" },
      size: UINT,
      limitPrice: UINT,
      expiry: UINT,
      nonce: UINT,
      maxFeeBps: UINT,
      R8x: UINT,
      R8y: UINT,
      S: UINT,
    },
  },
  {
    $id: "Signature",
    type: "object",
    additionalProperties: false,
    required: ["R8x", "R8y", "S"],
    properties: { R8x: UINT, R8y: UINT, S: UINT },
  },
  {
    $id: "SignedLiquidation",
    type: "object",
    additionalProperties: false,
    required: ["liquidatorIndex", "liquidateeIndex", "marketId", "maxSize", "expiry", "nonce", "R8x", "R8y", "S"],
    properties: {
      liquidatorIndex: INDEX,
      liquidateeIndex: INDEX,
      marketId: MARKET,
      maxSize: UINT,
      expiry: UINT,
      nonce: UINT,
      R8x: UINT,
      R8y: UINT,
      S: UINT,
    },
  },
  {
    $id: "OracleSignature",
    type: "object",
    additionalProperties: false,
    required: ["keyIndex", "R8x", "R8y", "S"],
    properties: { keyIndex: { type: "integer", minimum: 0, maximum: 15 }, R8x: UINT, R8y: UINT, S: UINT },
  },
  {
    $id: "Header",
    type: "object",
    additionalProperties: false,
    required: ["timestamp", "markPrices", "fundingRates", "signatures"],
    properties: {
      timestamp: UINT,
      markPrices: { type: "array", minItems: 1, maxItems: 15, items: UINT, description: "one per market, collateral units per lot" },
      fundingRates: { type: "array", minItems: 1, maxItems: 15, items: INT, description: "one per market, signed, 10^-12 per second; 0 but for a live perpetual" },
      pnl: {
        type: "array",
        minItems: 1,
        maxItems: 15,
        items: { type: "array", minItems: 1, maxItems: 16, items: INT },
        description:
          "optional: new risk arrays, one row per market of one signed value per scenario (collateral units per lot, |pnl| < 2^62), in force from this header's batch on; the signatures sign their riskHash. Absent: unchanged",
      },
      signatures: { type: "array", minItems: 1, maxItems: 16, items: { $ref: "OracleSignature#" } },
    },
  },
  {
    $id: "DepositEntry",
    type: "object",
    additionalProperties: false,
    required: ["accountIndex", "ax", "ay", "amount"],
    description: "an L1 priority-queue entry: key (0, 0) tops up, key (0, 1) is a forced-withdrawal request, any other key opens the account",
    properties: { accountIndex: INDEX, ax: UINT, ay: UINT, amount: UINT },
  },
  {
    $id: "BatchOp",
    type: "object",
    required: ["type"],
    discriminator: { propertyName: "type" },
    oneOf: [typeOnly("NOOP"), typeOnly("DEPOSIT"), TRADE_OP, WITHDRAW_OP, LIQUIDATE_OP, SETTLE_OP, DELEVERAGE_OP, typeOnly("FORCED_WITHDRAW")],
  },
  {
    $id: "Batch",
    type: "object",
    additionalProperties: false,
    required: ["header", "ops", "deposits"],
    properties: {
      header: { $ref: "Header#" },
      ops: { type: "array", maxItems: 1024, items: { $ref: "BatchOp#" } },
      deposits: { type: "array", maxItems: 1024, items: { $ref: "DepositEntry#" } },
    },
  },
  {
    $id: "SubmitOp",
    type: "object",
    required: ["type"],
    discriminator: { propertyName: "type" },
    oneOf: [
      { type: "object", additionalProperties: false, required: ["type", "order"], properties: { type: { const: "ORDER" }, order: { $ref: "SignedOrder#" } } },
      { type: "object", additionalProperties: false, required: ["type", "entry"], properties: { type: { const: "DEPOSIT" }, entry: { $ref: "DepositEntry#" } } },
      { type: "object", additionalProperties: false, required: ["type", "entry"], properties: { type: { const: "FORCED_WITHDRAW" }, entry: { $ref: "DepositEntry#" } } },
      WITHDRAW_OP,
      LIQUIDATE_OP,
      SETTLE_OP,
    ],
  },
  {
    $id: "Job",
    type: "object",
    required: ["id", "batchNumber", "state", "progress", "attempts", "oldStateRoot", "newStateRoot", "inputHash", "createdAt", "updatedAt", "stageMs"],
    properties: {
      id: { type: "string" },
      batchNumber: { type: "integer" },
      state: { type: "string", enum: ["queued", "witness", "proving", "verifying", "submitting", "confirmed", "failed", "cancelled"] },
      progress: { type: "number" },
      attempts: { type: "integer" },
      idempotencyKey: { type: "string" },
      oldStateRoot: { type: "string" },
      newStateRoot: { type: "string" },
      inputHash: { type: "string" },
      hasProof: { type: "boolean" },
      txHash: { type: "string" },
      blockNumber: { type: "integer" },
      gasUsed: { type: "string" },
      error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" } } },
      createdAt: { type: "integer" },
      updatedAt: { type: "integer" },
      stageMs: { type: "object", additionalProperties: { type: "number" } },
    },
  },
  {
    $id: "Account",
    type: "object",
    required: ["index", "exists", "ax", "ay", "nonce", "collateral", "positions"],
    properties: {
      index: { type: "integer" },
      exists: { type: "boolean" },
      ax: UINT,
      ay: UINT,
      nonce: UINT,
      collateral: INT,
      positions: {
        type: "array",
        items: { type: "object", properties: { marketId: { type: "integer" }, size: INT, fundingSnapshot: INT } },
      },
    },
  },
] as const;

/** `{ $ref: "<id>#" }`. */
export function ref(id: string): { $ref: string } {
  return { $ref: `${id}#` };
}

/** Error responses a route can give, all with the shared `Error` body. */
export function errorResponses(...statuses: number[]): Record<number, { $ref: string }> {
  return Object.fromEntries(statuses.map((s) => [s, ref("Error")]));
}

/** Path parameter: a job id (uuid or any short token). */
export const JOB_ID_PARAMS = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_-]+$" } },
} as const;

/** Path parameter: an account index as decimal digits. */
export const ACCOUNT_PARAMS = {
  type: "object",
  required: ["index"],
  properties: { index: { type: "string", pattern: "^(0|[1-9][0-9]{0,9})$" } },
} as const;

/** The `Idempotency-Key` header (optional) and the API key header. */
export const WRITE_HEADERS = {
  type: "object",
  properties: {
    "idempotency-key": { type: "string", minLength: 1, maxLength: 128, pattern: "^[\\x21-\\x7e]+$" },
  },
} as const;
