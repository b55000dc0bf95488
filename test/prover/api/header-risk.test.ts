/**
 * `POST /v1/oracle/headers` with new risk arrays (issue 9): the optional `pnl` travels as
 * signed decimal strings through the one batch codec, a header with arrays of the wrong
 * shape is refused with 400 naming the field (or 422 naming the rule when only the
 * parameters tell), and the arrays reach the batch the sequencer cuts.
 */
import { expect } from "chai";
import { encodeHeader } from "../../../prover/api/wire";
import { depositNew, signedHeader } from "../../../prover/dev/fixtures";
import { parseBatch, serializeBatch } from "../../../prover/codec/batch-codec";
import { AUTH, testService } from "./fakes";

const USDC = 1_000_000n;

describe("# api oracle header with risk arrays", function () {
  it("round-trips pnl through the batch codec (signed decimals; absent stays absent)", async function () {
    const { app, genesis } = await testService();
    try {
      const pnl = genesis.global.risk.pnl.map((row) => row.map((x) => -3n * x));
      const header = signedHeader(genesis, 2000n, undefined, undefined, undefined, pnl);
      const batch = { header, ops: [], deposits: [] };
      const json = serializeBatch(batch);
      expect(json.header.pnl?.[0][0]).to.match(/^-?[0-9]+$/);
      expect(parseBatch(JSON.parse(JSON.stringify(json)))).to.deep.equal(batch);
      const plain = serializeBatch({ header: signedHeader(genesis, 2000n), ops: [], deposits: [] });
      expect(plain.header).to.not.have.property("pnl");
      expect(parseBatch(JSON.parse(JSON.stringify(plain))).header).to.not.have.property("pnl");
    } finally {
      await app.close();
    }
  });

  it("accepts new arrays, puts them in the cut batch, and refuses bad shapes naming the field", async function () {
    const { app, engine, genesis, sequencer } = await testService({ mode: "sequencer" });
    const postHeader = (payload: object) => app.inject({ method: "POST", url: "/v1/oracle/headers", payload, headers: AUTH });
    let closed = false;
    try {
      const pnl = genesis.global.risk.pnl.map((row) => row.map((x) => 2n * x));
      const good = encodeHeader(signedHeader(genesis, 2000n, undefined, undefined, undefined, pnl));

      const rows = await postHeader({ ...good, pnl: good.pnl!.slice(1) });
      expect(rows.statusCode, rows.body).to.equal(400);
      expect(rows.json().message).to.contain("body.pnl: 3 rows for 4 mark prices");
      const ragged = await postHeader({ ...good, pnl: good.pnl!.map((r, m) => (m === 2 ? r.slice(1) : r)) });
      expect(ragged.statusCode).to.equal(400);
      expect(ragged.json().message).to.contain("body.pnl[2]: 3 scenarios where row 0 has 4");
      const notDecimal = await postHeader({ ...good, pnl: good.pnl!.map((r) => r.map(() => "1.5")) });
      expect(notDecimal.statusCode).to.equal(400);
      const short = await postHeader({ ...good, pnl: good.pnl!.map((r) => r.slice(1)) }); // rectangular, but S = 3 ≠ 4
      expect(short.statusCode).to.equal(422);
      expect(short.json().message).to.contain("pnl[0] has 3 entries for S = 4 scenarios");
      const huge = await postHeader({ ...good, pnl: good.pnl!.map((r, m) => (m === 1 ? [String(2n ** 62n), ...r.slice(1)] : r)) });
      expect(huge.statusCode).to.equal(422);
      expect(huge.json().message).to.contain("pnl[1][0]");
      const oldSigs = await postHeader({ ...good, signatures: encodeHeader(signedHeader(genesis, 2000n)).signatures });
      expect(oldSigs.statusCode).to.equal(422);
      expect(oldSigs.json().message).to.contain("BAD_SIGNATURE");

      const ok = await postHeader(good);
      expect(ok.statusCode, ok.body).to.equal(200);
      expect(sequencer!.submitDeposit(depositNew(1, 100n * USDC)).status).to.equal("accepted"); // as the L1 deposit feeder does
      await app.close();
      closed = true;
      const [job] = [...engine.jobs.values()];
      expect(job.batch.header.pnl).to.deep.equal(pnl);
      expect(engine.state.global.risk.pnl).to.deep.equal(pnl);
    } finally {
      if (!closed) await app.close();
    }
  });
});
