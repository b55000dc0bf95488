/**
 * bench/report/prover-gate.ts: held, no proof starts until released; slowed down, a
 * proof starts only after its wait; released or back to 0, proofs go straight through.
 * Order of events only, no wall-clock assertions.
 */
import { expect } from "chai";
import { gateProver } from "../../bench/report/prover-gate";
import type { Engine } from "../../prover/service/engine";

function fakeEngine(): { engine: Engine; started: string[] } {
  const started: string[] = [];
  const pool = {
    threads: 1,
    busy: 0,
    prove: async (dir: string) => {
      started.push(dir);
      return {} as never;
    },
  };
  return { engine: { o: { pool } } as unknown as Engine, started };
}
const prove = (e: Engine, dir: string): Promise<unknown> => (e as unknown as { o: { pool: { prove(d: string, i: unknown): Promise<unknown> } } }).o.pool.prove(dir, {});
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe("bench latency: prover gate", () => {
  it("holds every proof until released", async () => {
    const { engine, started } = fakeEngine();
    const gate = gateProver(engine);
    gate.hold();
    const a = prove(engine, "a");
    const b = prove(engine, "b");
    await tick();
    expect(started).to.deep.equal([]);
    gate.release();
    await Promise.all([a, b]);
    expect(started).to.deep.equal(["a", "b"]);
  });

  it("lets proofs through at once when not held, and after a slowdown only once it is over", async () => {
    const { engine, started } = fakeEngine();
    const gate = gateProver(engine);
    await prove(engine, "free");
    gate.slowDown(30);
    const slow = prove(engine, "slow");
    await tick();
    expect(started).to.deep.equal(["free"]);
    await slow;
    expect(started).to.deep.equal(["free", "slow"]);
    gate.slowDown(0);
    const p = prove(engine, "again");
    await tick();
    expect(started).to.deep.equal(["free", "slow", "again"]);
    await p;
  });
});
