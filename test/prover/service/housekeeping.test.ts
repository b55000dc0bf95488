/**
 * The service's chores on its store (housekeeping.ts): prune by the retention, read
 * the overrides again, and with the store not answering never pile calls up.
 */
import { expect } from "chai";
import { createLogger } from "../../../prover/log/logger";
import { pruneOnce, startHousekeeping } from "../../../prover/service/housekeeping";
import { MemoryRecords } from "../../../prover/store/records";

const log = createLogger("silent");

describe("prover/service: housekeeping", function () {
  it("prunes idempotency records older than the retention and keeps everything with retention 0", async function () {
    const r = new MemoryRecords();
    await r.putReply("old", { bodyHash: "h", statusCode: 200, body: {}, at: 1_000 });
    await r.putReply("new", { bodyHash: "h", statusCode: 200, body: {}, at: 9_000 });
    expect(await pruneOnce(r, 0, 1e12)).to.deep.equal({ jobs: 0, replies: 0 });
    expect(await pruneOnce(r, 5, 10_000)).to.deep.equal({ jobs: 0, replies: 1 });
    expect(await r.getReply("old")).to.equal(undefined);
    expect(await r.getReply("new")).to.not.equal(undefined);
  });

  it("runs one overrides refresh at a time while the store does not answer, and goes on when it does", async function () {
    let calls = 0;
    let release: (() => void) | undefined;
    const chores = startHousekeeping({
      records: new MemoryRecords(),
      retentionS: 0,
      refreshMs: 5,
      log,
      refreshOverrides: () => {
        calls++;
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    try {
      await new Promise((r) => setTimeout(r, 80));
      expect(calls, "a stuck refresh is not called again").to.equal(1);
      release!();
      await new Promise((r) => setTimeout(r, 80));
      expect(calls).to.be.above(1);
    } finally {
      chores.stop();
      release?.();
    }
  });
});
