/**
 * The genesis state as bytes, for the settlement contract's
 * `GenesisPublished(uint256 stateRoot, bytes genesis)` event: with it and the chain's
 * batch calldata and queue events, anyone rebuilds every state (issue 6, data
 * availability; `prover/chain/rebuild.ts`).
 *
 * Encoding: UTF-8 JSON of
 * ```
 * { "version": 1,
 *   "params": { accountDepth, positionSlots, markets, scenarios, batchSize, oracleKeys, oracleQuorum },
 *   "oracleTimestamp": "…",
 *   "markets": [{ kind, lotSize, expiry, strike, markPrice, fundingIndex, settlementPrice, settled }, …],
 *   "risk": { mmBps, penaltyBps, maxFundingRate, pnl: [["…", …], …] },
 *   "oracleKeys": [{ ax, ay }, …],
 *   "insurance": { ax, ay, collateral } }
 * ```
 * bigints as decimal strings (signed values with a minus sign), numbers and booleans as
 * themselves. A genesis state is account 0 (the insurance fund: key, collateral, nonce 0,
 * no positions) and nothing else, with no deposit consumed; `encodeGenesis` refuses
 * anything more.
 */
import { emptyAccount, isEmptySlot } from "./account";
import type { PublicKey } from "./crypto";
import type { GlobalState, Market, MarketKind, Risk } from "./global";
import { checkParams, type Params } from "./params";
import { State } from "./state";

/** The codec's format version. */
export const GENESIS_CODEC_VERSION = 1;

/** Thrown when bytes are not a genesis encoding, or a state is not a genesis state. */
export class GenesisCodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GenesisCodecError";
  }
}

interface GenesisJson {
  version: number;
  params: Params;
  oracleTimestamp: string;
  markets: {
    kind: number;
    lotSize: string;
    expiry: string;
    strike: string;
    markPrice: string;
    fundingIndex: string;
    settlementPrice: string;
    settled: boolean;
  }[];
  risk: { mmBps: string; penaltyBps: string; maxFundingRate: string; pnl: string[][] };
  oracleKeys: { ax: string; ay: string }[];
  insurance: { ax: string; ay: string; collateral: string };
}

/**
 * Encodes a genesis state.
 * @param state - account 0 only (nonce 0, no positions), depositHead 0, no deposit consumed
 * @returns UTF-8 JSON bytes
 * @throws GenesisCodecError when the state is not a genesis state
 */
export function encodeGenesis(state: State): Uint8Array {
  const g = state.global;
  const others = [...state.accounts.keys()].filter((i) => i !== 0);
  if (others.length > 0) throw new GenesisCodecError(`not a genesis state: accounts ${others.join(", ")} exist besides the insurance fund`);
  if (g.depositHead !== 0n || g.depositCount !== 0) throw new GenesisCodecError(`not a genesis state: ${g.depositCount} deposits consumed (depositHead ${g.depositHead})`);
  const fund = state.account(0);
  if (fund.ax === 0n) throw new GenesisCodecError("not a genesis state: account 0 (the insurance fund) is empty");
  if (fund.nonce !== 0n || !fund.positions.every(isEmptySlot)) throw new GenesisCodecError("not a genesis state: account 0 has a nonce or positions");
  const json: GenesisJson = {
    version: GENESIS_CODEC_VERSION,
    params: { ...state.params },
    oracleTimestamp: g.oracleTimestamp.toString(),
    markets: g.markets.map((m) => ({
      kind: m.kind,
      lotSize: m.lotSize.toString(),
      expiry: m.expiry.toString(),
      strike: m.strike.toString(),
      markPrice: m.markPrice.toString(),
      fundingIndex: m.fundingIndex.toString(),
      settlementPrice: m.settlementPrice.toString(),
      settled: m.settled,
    })),
    risk: {
      mmBps: g.risk.mmBps.toString(),
      penaltyBps: g.risk.penaltyBps.toString(),
      maxFundingRate: g.risk.maxFundingRate.toString(),
      pnl: g.risk.pnl.map((row) => row.map((x) => x.toString())),
    },
    oracleKeys: g.oracleKeys.map((k) => ({ ax: k.ax.toString(), ay: k.ay.toString() })),
    insurance: { ax: fund.ax.toString(), ay: fund.ay.toString(), collateral: fund.collateral.toString() },
  };
  return new TextEncoder().encode(JSON.stringify(json));
}

function big(field: string, v: unknown): bigint {
  if (typeof v !== "string" || !/^-?[0-9]+$/.test(v)) throw new GenesisCodecError(`genesis ${field} = ${JSON.stringify(v)} is not a decimal integer string`);
  return BigInt(v);
}

function obj(field: string, v: unknown): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new GenesisCodecError(`genesis ${field} is not an object`);
  return v as Record<string, unknown>;
}

function list(field: string, v: unknown, length: number): unknown[] {
  if (!Array.isArray(v)) throw new GenesisCodecError(`genesis ${field} is not a list`);
  if (v.length !== length) throw new GenesisCodecError(`genesis ${field} has ${v.length} entries, the parameters say ${length}`);
  return v;
}

/**
 * Decodes a genesis state (inverse of {@link encodeGenesis}).
 * @param bytes - the encoding (e.g. the `genesis` of the `GenesisPublished` event)
 * @param params - when given, the parameters the encoding must carry
 * @returns the genesis state; its `stateRoot()` is the genesis root
 * @throws GenesisCodecError naming the field that does not decode or does not fit
 */
export function decodeGenesis(bytes: Uint8Array, params?: Params): State {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new GenesisCodecError(`genesis bytes are not UTF-8 JSON: ${(e as Error).message}`);
  }
  const j = obj("", raw);
  if (j.version !== GENESIS_CODEC_VERSION) throw new GenesisCodecError(`genesis version ${JSON.stringify(j.version)}, this codec reads ${GENESIS_CODEC_VERSION}`);
  let p: Params;
  try {
    p = checkParams(obj("params", j.params));
  } catch (e) {
    throw new GenesisCodecError(`genesis params: ${(e as Error).message}`);
  }
  if (params !== undefined) {
    for (const k of Object.keys(p) as (keyof Params)[]) {
      if (p[k] !== params[k]) throw new GenesisCodecError(`genesis params.${k} = ${p[k]}, expected ${params[k]}`);
    }
  }
  const markets: Market[] = list("markets", j.markets, p.markets).map((x, m) => {
    const o = obj(`markets[${m}]`, x);
    const kind = o.kind;
    if (kind !== 0 && kind !== 1 && kind !== 2 && kind !== 3) throw new GenesisCodecError(`genesis markets[${m}].kind = ${JSON.stringify(kind)} is not 0..3`);
    if (typeof o.settled !== "boolean") throw new GenesisCodecError(`genesis markets[${m}].settled is not a boolean`);
    return {
      kind: kind as MarketKind,
      lotSize: big(`markets[${m}].lotSize`, o.lotSize),
      expiry: big(`markets[${m}].expiry`, o.expiry),
      strike: big(`markets[${m}].strike`, o.strike),
      markPrice: big(`markets[${m}].markPrice`, o.markPrice),
      fundingIndex: big(`markets[${m}].fundingIndex`, o.fundingIndex),
      settlementPrice: big(`markets[${m}].settlementPrice`, o.settlementPrice),
      settled: o.settled,
    };
  });
  const r = obj("risk", j.risk);
  const risk: Risk = {
    mmBps: big("risk.mmBps", r.mmBps),
    penaltyBps: big("risk.penaltyBps", r.penaltyBps),
    maxFundingRate: big("risk.maxFundingRate", r.maxFundingRate),
    pnl: list("risk.pnl", r.pnl, p.markets).map((row, m) => list(`risk.pnl[${m}]`, row, p.scenarios).map((x, s) => big(`risk.pnl[${m}][${s}]`, x))),
  };
  const oracleKeys: PublicKey[] = list("oracleKeys", j.oracleKeys, p.oracleKeys).map((x, k) => {
    const o = obj(`oracleKeys[${k}]`, x);
    return { ax: big(`oracleKeys[${k}].ax`, o.ax), ay: big(`oracleKeys[${k}].ay`, o.ay) };
  });
  const ins = obj("insurance", j.insurance);
  const fundKey = { ax: big("insurance.ax", ins.ax), ay: big("insurance.ay", ins.ay) };
  if (fundKey.ax === 0n) throw new GenesisCodecError("genesis insurance.ax = 0: not a key");
  const global: GlobalState = {
    oracleTimestamp: big("oracleTimestamp", j.oracleTimestamp),
    markets,
    risk,
    oracleKeys,
    depositHead: 0n,
    depositCount: 0,
  };
  const state = new State(p, global);
  state.setAccount(0, { ...emptyAccount(p.positionSlots), ...fundKey, collateral: big("insurance.collateral", ins.collateral) });
  return state;
}
