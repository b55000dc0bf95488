/**
 * Header checks (protocol.md section 5, "Header"): timestamp strictly increasing,
 * prices in range, Q valid oracle signatures from distinct committed keys in
 * strictly increasing key order, on `oracleHash(timestamp, prices, riskHash)`.
 */
import { verifyPoseidon } from "./crypto";
import { RuleError, formatUnits, requireOpenRange } from "./errors";
import { pow2 } from "./field";
import { riskHash, type GlobalState } from "./global";
import type { Params } from "./params";
import { oracleHash } from "./signing";
import type { BatchHeader } from "./trace";

/**
 * Checks a header against the state it applies to.
 * @returns the oracle message the signatures sign
 * @throws RuleError ORACLE_TIMESTAMP, RANGE, ORACLE_QUORUM, BAD_SIGNATURE
 */
export function checkHeader(params: Params, g: GlobalState, h: BatchHeader): bigint {
  if (h.timestamp <= g.oracleTimestamp) {
    throw new RuleError("ORACLE_TIMESTAMP", "HEADER", `timestamp ${h.timestamp} ≤ oracleTimestamp ${g.oracleTimestamp} of the state`, {
      timestamp: h.timestamp,
      oracleTimestamp: g.oracleTimestamp,
    });
  }
  requireOpenRange("HEADER", "timestamp", h.timestamp, -1n, pow2(32));
  if (h.markPrices.length !== params.markets) {
    throw new RuleError("RANGE", "HEADER", `${h.markPrices.length} mark prices for ${params.markets} markets`, {
      prices: h.markPrices.length,
      markets: params.markets,
    });
  }
  h.markPrices.forEach((p, m) => {
    if (p <= 0n || p >= pow2(48)) {
      throw new RuleError("RANGE", "HEADER", `markPrice of market ${m + 1} ${formatUnits(p)} outside 0 < markPrice < 2^48`, {
        marketId: m + 1,
        markPrice: p,
      });
    }
  });
  const Q = params.oracleQuorum;
  if (h.signatures.length !== Q) {
    throw new RuleError("ORACLE_QUORUM", "HEADER", `${h.signatures.length} oracle signatures, quorum needs exactly ${Q}`, {
      signatures: h.signatures.length,
      quorum: Q,
    });
  }
  const msg = oracleHash(h.timestamp, h.markPrices, riskHash(g.risk));
  let last = -1;
  for (const sig of h.signatures) {
    const k = sig.keyIndex;
    if (!Number.isInteger(k) || k <= last || k >= g.oracleKeys.length) {
      throw new RuleError("ORACLE_QUORUM", "HEADER", `oracle key index ${k} after ${last}: indices must be strictly increasing and below K = ${g.oracleKeys.length}`, {
        keyIndex: k,
        previous: last,
        oracleKeys: g.oracleKeys.length,
      });
    }
    if (!verifyPoseidon(msg, sig, g.oracleKeys[k])) {
      throw new RuleError("BAD_SIGNATURE", "HEADER", `oracle signature of key ${k} does not verify on oracleHash ${msg}`, {
        keyIndex: k,
        oracleHash: msg,
      });
    }
    last = k;
  }
  return msg;
}
