/**
 * Batches for the service tests at `ci` parameters (N = 2): batch 1 opens accounts 1
 * and 2 with deposits, batch 2 has them trade, batch 3 tops account 1 up. Each batch is
 * planned on the state it follows (order nonces, oracle timestamp).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Batch } from "../../../prover/state/batch";
import type { State } from "../../../prover/state/state";
import { applyBatch } from "../../../prover/state/batch";
import { CI_PARAMS, depositNew, devGenesis, devOrder, signedHeader, topUp, trade } from "../../../prover/dev/fixtures";

export { CI_PARAMS, devGenesis };

const USDC = 1_000_000n;

/** The circuit build folder of the `ci` parameters (built by scripts/setup.ts). */
export const CI_CIRCUIT_DIR = path.resolve(__dirname, "../../../build/ci");

/** Batch k (1-based) of the scenario, planned on `state` (the state after batch k−1). */
export function scenarioBatch(state: State, k: number): Batch {
  const timestamp = state.global.oracleTimestamp + 10n;
  const header = signedHeader(state, timestamp);
  if (k === 1) return { header, ops: [{ type: "DEPOSIT" }, { type: "DEPOSIT" }], deposits: [depositNew(1, 10_000n * USDC), depositNew(2, 10_000n * USDC)] };
  if (k === 2) {
    const maker = devOrder(state, { accountIndex: 1, marketId: 1, isBuy: false, size: 5n, limitPrice: 60n * USDC, maxFeeBps: 5n });
    const taker = devOrder(state, { accountIndex: 2, marketId: 1, isBuy: true, size: 5n, limitPrice: 61n * USDC, maxFeeBps: 5n });
    return { header, ops: [trade(maker, taker, 5n, 2n, 5n)], deposits: [] };
  }
  return { header, ops: [{ type: "DEPOSIT" }], deposits: [topUp(1, (100n + BigInt(k)) * USDC)] };
}

/** The first `n` scenario batches, each planned on the state after the ones before. */
export function scenario(genesis: State, n: number): { batches: Batch[]; states: State[] } {
  const batches: Batch[] = [];
  const states = [genesis];
  for (let k = 1; k <= n; k++) {
    const b = scenarioBatch(states[k - 1], k);
    batches.push(b);
    states.push(applyBatch(states[k - 1], b).state);
  }
  return { batches, states };
}

/** A fresh temporary folder for one test's SQLite file. */
export function tempDir(prefix = "zksettle-svc-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The dev genesis at ci parameters. */
export function ciGenesis(): Promise<State> {
  return devGenesis(CI_PARAMS);
}
