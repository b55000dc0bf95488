/**
 * Test helper process for sqlite-store.test.ts: writes three jobs and some transitions
 * to the store named on the command line, reports their ids and waits to be killed
 * (SIGKILL), so the database is never closed cleanly.
 */
import { SqliteJobStore } from "../../../prover/store/sqlite-store";
import type { SerializedBatch } from "../../../prover/codec/batch-codec";

async function main(file: string): Promise<void> {
  const batch: SerializedBatch = { header: { timestamp: "1", markPrices: [], fundingRates: [], signatures: [] }, ops: [], deposits: [] };
  const store = new SqliteJobStore(file);
  const ids: string[] = [];
  for (const n of [1, 2, 3]) ids.push((await store.create({ batchNumber: n, batch, batchData: "0x", oldStateRoot: "0", newStateRoot: "0", inputHash: "0" })).id);
  await store.transition(ids[0], ["queued"], "confirmed");
  await store.transition(ids[1], ["queued"], "proving");
  await store.transition(ids[2], ["queued"], "submitting", { proof: { pi_a: [], pi_b: [], pi_c: [], protocol: "groth16", curve: "bn128" } });
  process.send?.(JSON.stringify(ids));
  setInterval(() => undefined, 1000);
}

// `hardhat test` loads every .ts under test/: only run when started as the child process
if (require.main === module) void main(process.argv[2]);
