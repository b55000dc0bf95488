/**
 * Where a fallback prover gets the oracle-signed header every batch needs (protocol.md
 * section 5: a strictly newer timestamp and Q signatures of the genesis oracle keys;
 * docs/security.md, "What fallback mode can do without a fresh header"). The operator
 * is gone but the oracle is a separate party: it publishes its signed headers, in the
 * JSON of `POST /v1/oracle/headers` (docs/api.md), as a file or at a URL.
 */
import fs from "node:fs";
import { publicKey } from "../state/crypto";
import { markPrices } from "../state/global";
import type { State } from "../state/state";
import type { BatchHeader } from "../state/trace";
import { parseHeader } from "../codec/batch-codec";
import { INSECURE_DEV_ORACLE_KEYS, signedHeader } from "../dev/fixtures";
import { FallbackError, StaleHeaderError } from "./errors";

/** A source of oracle-signed headers. */
export interface HeaderSource {
  /** For logs: where the headers come from. */
  readonly describe: string;
  /**
   * A header for the batch after `state`.
   * @param state - the last finalized state
   * @param now - the chain's latest block timestamp
   * @throws FallbackError PRV_ERR_FALLBACK_HEADER when none newer than the state's oracle timestamp is available
   */
  next(state: State, now: bigint): Promise<BatchHeader>;
}

function fresh(state: State, h: BatchHeader, where: string): BatchHeader {
  const last = state.global.oracleTimestamp;
  if (h.timestamp <= last) {
    throw new StaleHeaderError(`the header from ${where} has timestamp ${h.timestamp}, not after the last batch's ${last}: wait for the oracle's next header`);
  }
  return h;
}

function parse(text: string, where: string): BatchHeader {
  try {
    return parseHeader(JSON.parse(text), where);
  } catch (e) {
    throw new FallbackError("PRV_ERR_FALLBACK_HEADER", `${where}: not a signed header (${(e as Error).message})`, { cause: e });
  }
}

/** The oracle's latest header as a JSON file (re-read for every batch). */
export function fileHeaderSource(file: string): HeaderSource {
  return {
    describe: `file ${file}`,
    async next(state) {
      let text: string;
      try {
        text = await fs.promises.readFile(file, "utf8");
      } catch (e) {
        throw new FallbackError("PRV_ERR_FALLBACK_HEADER", `cannot read the header file ${file}: ${(e as Error).message}`, { cause: e });
      }
      return fresh(state, parse(text, file), file);
    },
  };
}

/** The oracle's latest header from an HTTP GET (JSON body). */
export function urlHeaderSource(url: string, fetchFn: typeof fetch = fetch): HeaderSource {
  return {
    describe: `url ${url}`,
    async next(state) {
      let text: string;
      try {
        const res = await fetchFn(url, { signal: AbortSignal.timeout(10_000) });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        text = await res.text();
      } catch (e) {
        throw new FallbackError("PRV_ERR_FALLBACK_HEADER", `cannot fetch the header from ${url}: ${(e as Error).message}`, { cause: e });
      }
      return fresh(state, parse(text, url), url);
    },
  };
}

/**
 * INSECURE, dev deployments only: signs, with the public dev oracle keys, a header that
 * repeats the last mark prices (funding rates 0, no new risk arrays) at the chain's time.
 * Refuses a state whose oracle keys are not the dev keys.
 */
export function insecureDevOracle(): HeaderSource {
  return {
    describe: "the INSECURE dev oracle keys",
    async next(state, now) {
      const keys = state.global.oracleKeys;
      const dev = INSECURE_DEV_ORACLE_KEYS.slice(0, keys.length).map((k) => publicKey(k));
      if (dev.length !== keys.length || keys.some((k, i) => k.ax !== dev[i].ax || k.ay !== dev[i].ay)) {
        throw new FallbackError("PRV_ERR_FALLBACK_HEADER", "the deployment's oracle keys are not the dev keys: pass --header-file or --header-url with the oracle's signed headers");
      }
      const last = state.global.oracleTimestamp;
      const timestamp = now > last ? now : last + 1n;
      return signedHeader(state, timestamp, markPrices(state.global));
    },
  };
}
