/** One op slot's bytes: the uniform fields of protocol.md section 7. */
import { LayoutError, OP_CODE, OP_TYPES, MARKET_BITS, MARKET_ID_BITS, layoutFor, type LayoutParams, type OpType } from "./spec";
import type { WireOp, WireOpInput, WireTrade } from "./wire";
import { accountIndex, checkLength, checkUint, concat, readUint, uintBytes, writeUint } from "./bytes";

// ---------------------------------------------------------------------------------------
// Ops
// ---------------------------------------------------------------------------------------

/** The uniform slot fields an op type uses, and the op field each carries ("market": the type byte's low bits). */
type SlotField = "aIndex" | "bIndex" | "market" | "q" | "value" | "feeA" | "feeB";
/** In the order of an op's own fields: market after the indices. */
const OP_FIELD_ORDER: readonly SlotField[] = ["aIndex", "bIndex", "market", "q", "value", "feeA", "feeB"];
/** The fields with bytes of their own (the market is in the type byte). */
const SLOT_FIELDS = OP_FIELD_ORDER.filter((f): f is Exclude<SlotField, "market"> => f !== "market");
/** makerIsBuy, bit 4 of the type byte (TRADE only). */
const MAKER_IS_BUY = 1 << MARKET_ID_BITS;
export const SLOT_USES: Readonly<Record<OpType, Partial<Record<SlotField, string>>>> = {
  NOOP: {},
  DEPOSIT: {},
  TRADE: { aIndex: "makerIndex", bIndex: "takerIndex", market: "marketId", q: "q", value: "price", feeA: "makerFeeBps", feeB: "takerFeeBps" },
  WITHDRAW: { aIndex: "accountIndex", value: "amount" },
  LIQUIDATE: { aIndex: "liquidatee", bIndex: "liquidator", market: "marketId", q: "q" },
  SETTLE: { aIndex: "accountIndex", market: "marketId" },
  DELEVERAGE: { aIndex: "bankrupt", bIndex: "counterparty", market: "marketId", q: "q", value: "price" },
  FORCED_WITHDRAW: { aIndex: "accountIndex", value: "amount" },
};
/** Op fields decoded as numbers (the rest of the used fields are bigints). */
const NUMBER_FIELDS = new Set<SlotField>(["aIndex", "bIndex", "feeA", "feeB"]);

/**
 * Encodes one op slot: type‖market ‖ aIndex ‖ bIndex ‖ q ‖ value ‖ feeA ‖ feeB, the
 * fields the type does not use left zero (NOOP and DEPOSIT are their type bits then
 * zeros: a deposit's entry is on L1, in queue order).
 * @param params - the layout parameters
 * @param op - the op
 * @param name - the field prefix used in errors (e.g. `op[3]`)
 * @returns OP_BYTES bytes
 * @throws LayoutError naming the field and value that does not fit
 */
export function encodeOp(params: LayoutParams, op: WireOpInput, name = "op"): Uint8Array {
  const L = layoutFor(params);
  const out = new Uint8Array(L.OP_BYTES);
  const type = op?.type as OpType | undefined;
  if (type === undefined || !OP_TYPES.includes(type)) {
    throw new LayoutError("LAYOUT_OP_TYPE", `${name}.type`, (op as { type?: unknown })?.type, OP_TYPES.join(", "));
  }
  const uses = SLOT_USES[type];
  const record = op as unknown as Record<string, unknown>;
  let market = 0;
  if (uses.market !== undefined) {
    market = Number(checkUint(`${name}.${uses.market}`, record[uses.market], 1n << BigInt(MARKET_ID_BITS), `0 <= x < 2^${MARKET_ID_BITS}`));
    if (type === "TRADE") {
      const isBuy = record.makerIsBuy;
      if (typeof isBuy !== "boolean") throw new LayoutError("LAYOUT_FIELD_RANGE", `${name}.makerIsBuy`, isBuy, "a boolean");
      if (isBuy) market |= MAKER_IS_BUY;
    }
  }
  out[L.slot.type.offset] = (OP_CODE[type] << MARKET_BITS) | market;
  for (const f of SLOT_FIELDS) {
    const key = uses[f];
    if (key === undefined) continue;
    const s = L.slot[f];
    const field = `${name}.${key}`;
    const value = record[key];
    if (f === "aIndex" || f === "bIndex") writeUint(out, s.offset, s.width, accountIndex(field, value, L));
    else writeUint(out, s.offset, s.width, uintBytes(field, value, s.width));
  }
  return out;
}

/**
 * Decodes one op slot (inverse of {@link encodeOp}). Only canonical encodings are
 * accepted: zero in every field the type does not use (the type byte's market bits
 * included), account indices below 4^D, makerIsBuy only in a TRADE.
 * @param params - the layout parameters
 * @param bytes - exactly OP_BYTES bytes
 * @param name - the field prefix used in errors
 * @throws LayoutError on a wrong length, an unknown type, non-zero padding or an index out of range
 */
export function decodeOp(params: LayoutParams, bytes: Uint8Array, name = "op"): WireOp {
  const L = layoutFor(params);
  checkLength(name, bytes, L.OP_BYTES);
  const head = bytes[L.slot.type.offset];
  const code = head >> MARKET_BITS;
  // every 3-bit code is a type (OP_CODE is 0..7)
  const type = OP_TYPES.find((t) => OP_CODE[t] === code) as OpType;
  const uses = SLOT_USES[type];
  const op: Record<string, unknown> = { type };
  const market = head & ((1 << MARKET_BITS) - 1);
  if (uses.market === undefined && market !== 0) {
    throw new LayoutError("LAYOUT_PADDING", `${name}[${L.slot.type.offset}]`, head, `0 in the market bits (0-4), which ${type} does not use`);
  }
  for (const f of OP_FIELD_ORDER) {
    const key = uses[f];
    if (f === "market") {
      if (key === undefined) continue;
      if (type !== "TRADE" && market & MAKER_IS_BUY) {
        throw new LayoutError("LAYOUT_FIELD_RANGE", `${name}.marketId`, market, `0 <= x < 2^${MARKET_ID_BITS} (bit ${MARKET_ID_BITS} is makerIsBuy, TRADE only)`);
      }
      op.marketId = market & (MAKER_IS_BUY - 1);
      if (type === "TRADE") op.makerIsBuy = (market & MAKER_IS_BUY) !== 0;
      continue;
    }
    const s = L.slot[f];
    if (key === undefined) {
      for (let i = s.offset; i < s.offset + s.width; i++) {
        if (bytes[i] !== 0) throw new LayoutError("LAYOUT_PADDING", `${name}[${i}]`, bytes[i], `0 in field ${f}, which ${type} does not use`);
      }
      continue;
    }
    const raw = readUint(bytes, s.offset, s.width);
    if (f === "aIndex" || f === "bIndex") op[key] = Number(accountIndex(`${name}.${key}`, raw, L));
    else op[key] = NUMBER_FIELDS.has(f) ? Number(raw) : raw;
  }
  if (type === "TRADE") {
    // the key order of WireTrade
    const { makerIndex, takerIndex, marketId, makerIsBuy, q, price, makerFeeBps, takerFeeBps } = op;
    return { type, makerIndex, takerIndex, marketId, makerIsBuy, q, price, makerFeeBps, takerFeeBps } as WireTrade;
  }
  return op as unknown as WireOp;
}

/**
 * Encodes the op data: N slots, `ops` padded with NOOPs.
 * @throws LayoutError if there are more than N ops or an op does not fit
 */
export function encodeOps(params: LayoutParams, ops: readonly WireOpInput[]): Uint8Array {
  const L = layoutFor(params);
  if (!Array.isArray(ops) || ops.length > L.batchSize) {
    throw new LayoutError("LAYOUT_LENGTH", "ops", ops?.length, `at most ${L.batchSize} ops (N)`);
  }
  const slots = ops.map((op, i) => encodeOp(params, op, `op[${i}]`));
  while (slots.length < L.batchSize) slots.push(encodeOp(params, { type: "NOOP" }));
  return concat(slots);
}

/** Decodes N op slots (inverse of {@link encodeOps}; padding NOOPs are kept). */
export function decodeOps(params: LayoutParams, bytes: Uint8Array): WireOp[] {
  const L = layoutFor(params);
  checkLength("ops", bytes, L.OP_DATA_BYTES);
  const ops: WireOp[] = [];
  for (let i = 0; i < L.batchSize; i++) ops.push(decodeOp(params, bytes.subarray(i * L.OP_BYTES, (i + 1) * L.OP_BYTES), `op[${i}]`));
  return ops;
}

