/** The batch header bytes (protocol.md section 7). */
import { FUNDING_RATE_OFFSET, LayoutError, layoutFor, type LayoutParams } from "./spec";
import type { Header, HeaderInput } from "./wire";
import { checkLength, fieldElement, readUint, uintBytes, writeUint } from "./bytes";

// ---------------------------------------------------------------------------------------
// Header
// ---------------------------------------------------------------------------------------

/**
 * Encodes a header: timestamp uint32 ‖ for m = 0..M-1: price_m uint48 ‖ fundingRate_m + 2^23 uint24
 * ‖ riskHash (32 bytes).
 * @param params - the layout parameters
 * @param header - timestamp (unix seconds), exactly M prices and M signed funding rates (omitted: all 0),
 *   and the riskHash in force from this batch on (< r)
 * @returns HEADER_BYTES bytes
 * @throws LayoutError if a value does not fit or a count is not M
 */
export function encodeHeader(params: LayoutParams, header: HeaderInput): Uint8Array {
  const L = layoutFor(params);
  const out = new Uint8Array(L.HEADER_BYTES);
  const { timestamp, markPrice, fundingRate, stride } = L.header;
  writeUint(out, timestamp.offset, timestamp.width, uintBytes("header.timestamp", header.timestamp, timestamp.width));
  if (!Array.isArray(header.markPrices) || header.markPrices.length !== L.markets) {
    throw new LayoutError("LAYOUT_LENGTH", "header.markPrices", header.markPrices?.length, `${L.markets} prices (M)`);
  }
  const rates = header.fundingRates ?? Array.from({ length: L.markets }, () => 0n);
  if (!Array.isArray(rates) || rates.length !== L.markets) {
    throw new LayoutError("LAYOUT_LENGTH", "header.fundingRates", (rates as unknown[] | undefined)?.length, `${L.markets} rates (M)`);
  }
  header.markPrices.forEach((p, m) => {
    const v = uintBytes(`header.markPrices[${m}]`, p, markPrice.width);
    writeUint(out, markPrice.offset + m * stride, markPrice.width, v);
  });
  rates.forEach((r, m) => {
    const field = `header.fundingRates[${m}]`;
    const bound = "-2^23 < x < 2^23";
    let v: bigint;
    if (typeof r === "bigint") v = r;
    else if (typeof r === "number" && Number.isSafeInteger(r)) v = BigInt(r);
    else throw new LayoutError("LAYOUT_FIELD_RANGE", field, r, `an integer, ${bound}`);
    if (v <= -FUNDING_RATE_OFFSET || v >= FUNDING_RATE_OFFSET) throw new LayoutError("LAYOUT_FIELD_RANGE", field, r, bound);
    writeUint(out, fundingRate.offset + m * stride, fundingRate.width, v + FUNDING_RATE_OFFSET);
  });
  writeUint(out, L.header.riskHash.offset, L.header.riskHash.width, fieldElement("header.riskHash", header.riskHash));
  return out;
}

/**
 * Decodes a header (inverse of {@link encodeHeader}).
 * @throws LayoutError if the length is not HEADER_BYTES, a rate field is 0 (rate −2^23, outside the range)
 *   or riskHash is not below r (the circuit's strict decomposition admits no other encoding)
 */
export function decodeHeader(params: LayoutParams, bytes: Uint8Array): Header {
  const L = layoutFor(params);
  checkLength("header", bytes, L.HEADER_BYTES);
  const { timestamp, markPrice, fundingRate, stride } = L.header;
  const markPrices: bigint[] = [];
  const fundingRates: bigint[] = [];
  for (let m = 0; m < L.markets; m++) {
    markPrices.push(readUint(bytes, markPrice.offset + m * stride, markPrice.width));
    const raw = readUint(bytes, fundingRate.offset + m * stride, fundingRate.width);
    if (raw === 0n) throw new LayoutError("LAYOUT_FIELD_RANGE", `header.fundingRates[${m}]`, -FUNDING_RATE_OFFSET, "-2^23 < x < 2^23");
    fundingRates.push(raw - FUNDING_RATE_OFFSET);
  }
  const rh = L.header.riskHash;
  const riskHash = fieldElement("header.riskHash", readUint(bytes, rh.offset, rh.width));
  return { timestamp: Number(readUint(bytes, timestamp.offset, timestamp.width)), markPrices, fundingRates, riskHash };
}

