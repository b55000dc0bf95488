/**
 * The bridge from the engine's rewinds to the sequencer (prover/service/rebase-on-rewind.ts):
 * the dropped batches' ops go to the rebase oldest first, as one list, with the reason of
 * the oldest; and a rewind that comes before the sequencer is restored waits for it.
 */
import { EventEmitter } from "node:events";
import { expect } from "chai";
import pino from "pino";
import { lostOps, rebaseOnRewind, rewindReason } from "../../../prover/service/rebase-on-rewind";
import type { Engine } from "../../../prover/service/engine";
import type { SequencerIntake } from "../../../prover/service/sequencer-intake";
import { serializeBatch } from "../../../prover/codec/batch-codec";
import type { Batch } from "../../../prover/state/batch";
import type { Job } from "../../../prover/store/job-store";
import { ciGenesis, scenario } from "./fixtures";

describe("prover/service: rebase on rewind", function () {
  let batches: Batch[];
  const job = (n: number, error?: Job["error"]): Job => ({ id: `j${n}`, batchNumber: n, batch: serializeBatch(batches[n - 1]), error }) as Job;

  before(async function () {
    batches = scenario(await ciGenesis(), 2).batches;
  });

  it("hands the dropped batches' ops and queue entries over oldest first, with the oldest's header and reason", function () {
    const dropped = [job(1, { code: "PRV_ERR_BATCH_REFUSED", message: "the contract refuses batch 1 for good: DepositsOutOfRange(3, 2, 2)" }), job(2, { code: "PRV_ERR_BATCH_REFUSED", message: "built on batch 1" })];
    const lost = lostOps(dropped)!;
    expect(serializeBatch(lost)).to.deep.equal(serializeBatch({ header: batches[0].header, ops: [...batches[0].ops, ...batches[1].ops], deposits: [...batches[0].deposits, ...batches[1].deposits] }));
    expect(rewindReason(dropped)).to.equal("batches 1..2 were cancelled (PRV_ERR_BATCH_REFUSED: the contract refuses batch 1 for good: DepositsOutOfRange(3, 2, 2))");
    expect(rewindReason([job(2)])).to.equal("batch 2 was cancelled");
    expect(lostOps([])).to.equal(undefined);
  });

  it("holds a rewind until the sequencer is restored, then rebases in order; after a hold, waits again", async function () {
    const engine = new EventEmitter();
    const calls: string[] = [];
    const intake = { rebase: async (why: string) => (calls.push(why), []) } as unknown as SequencerIntake;
    const gate = rebaseOnRewind(engine as unknown as Engine, intake, pino({ level: "silent" }));
    engine.emit("rewound", 1, [job(2)]);
    engine.emit("rewound", 0, [job(1)]);
    await new Promise((r) => setImmediate(r));
    expect(calls, "not restored yet").to.deep.equal([]);
    gate.release();
    await new Promise((r) => setImmediate(r));
    expect(calls).to.deep.equal(["batch 2 was cancelled", "batch 1 was cancelled"]);
    gate.hold();
    engine.emit("rewound", 0, [job(1)]);
    await new Promise((r) => setImmediate(r));
    expect(calls).to.have.length(2);
    gate.release();
    await new Promise((r) => setImmediate(r));
    expect(calls).to.have.length(3);
  });
});
