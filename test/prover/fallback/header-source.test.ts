/**
 * Where `zksettle fallback` gets its oracle-signed headers (prover/fallback/header-source.ts):
 * a file or a URL with the JSON of POST /v1/oracle/headers, or the INSECURE dev keys.
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { applyBatch } from "../../../prover/state/batch";
import { publicKey } from "../../../prover/state/crypto";
import type { State } from "../../../prover/state/state";
import { serializeHeader } from "../../../prover/codec/batch-codec";
import { CI_PARAMS, devGenesis, signedHeader, insecureDevAccountKey } from "../../../prover/dev/fixtures";
import { FallbackError, StaleHeaderError } from "../../../prover/fallback/errors";
import { fileHeaderSource, insecureDevOracle, urlHeaderSource } from "../../../prover/fallback/header-source";

async function rejects(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

describe("prover/fallback header sources", () => {
  let state: State;
  let dir: string;
  before(async () => {
    state = await devGenesis(CI_PARAMS, { timestamp: 1_000n });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-fallback-"));
  });

  describe("# file", () => {
    it("reads the oracle's header as POST /v1/oracle/headers takes it, afresh on every call", async () => {
      const file = path.join(dir, "header.json");
      const source = fileHeaderSource(file);
      fs.writeFileSync(file, JSON.stringify(serializeHeader(signedHeader(state, 1_001n))));
      expect((await source.next(state, 0n)).timestamp).to.equal(1_001n);
      const h = signedHeader(state, 1_005n);
      fs.writeFileSync(file, JSON.stringify(serializeHeader(h)));
      expect(await source.next(state, 0n)).to.deep.equal(h);
    });

    it("answers a header not newer than the last batch's with StaleHeaderError naming both timestamps", async () => {
      const file = path.join(dir, "stale.json");
      fs.writeFileSync(file, JSON.stringify(serializeHeader(signedHeader(state, 1_000n))));
      const e = await rejects(fileHeaderSource(file).next(state, 0n));
      expect(e).to.be.instanceOf(StaleHeaderError);
      expect(e.message).to.contain("timestamp 1000, not after the last batch's 1000");
    });

    it("refuses a missing file and a file that is not a header with PRV_ERR_FALLBACK_HEADER (not a wait)", async () => {
      const missing = await rejects(fileHeaderSource(path.join(dir, "nope.json")).next(state, 0n));
      expect(missing).to.be.instanceOf(FallbackError).and.not.to.be.instanceOf(StaleHeaderError);
      expect((missing as FallbackError).code).to.equal("PRV_ERR_FALLBACK_HEADER");
      const file = path.join(dir, "garbage.json");
      fs.writeFileSync(file, JSON.stringify({ timestamp: "12", markPrices: [] }));
      const garbage = await rejects(fileHeaderSource(file).next(state, 0n));
      expect(garbage).to.be.instanceOf(FallbackError).and.not.to.be.instanceOf(StaleHeaderError);
      expect(garbage.message).to.contain("not a signed header");
    });
  });

  describe("# url", () => {
    it("GETs the header, and names the URL and the status when it fails", async () => {
      let status = 200;
      const server = http.createServer((_req, res) => void res.writeHead(status).end(JSON.stringify(serializeHeader(signedHeader(state, 1_002n)))));
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/latest`;
      try {
        expect((await urlHeaderSource(url).next(state, 0n)).timestamp).to.equal(1_002n);
        status = 503;
        const e = await rejects(urlHeaderSource(url).next(state, 0n));
        expect((e as FallbackError).code).to.equal("PRV_ERR_FALLBACK_HEADER");
        expect(e.message).to.contain(url).and.to.contain("HTTP 503");
      } finally {
        server.close();
      }
    });
  });

  describe("# insecure dev oracle", () => {
    it("signs the last marks at the chain's time (or just after the last header), accepted by the rules", async () => {
      const dev = insecureDevOracle();
      const h = await dev.next(state, 5_000n);
      expect(h.timestamp).to.equal(5_000n);
      expect(() => applyBatch(state, { header: h, ops: [], deposits: [] })).not.to.throw();
      expect((await dev.next(state, 900n)).timestamp).to.equal(1_001n);
    });

    it("refuses a deployment whose oracle keys are not the dev keys", async () => {
      const other = await devGenesis(CI_PARAMS, { timestamp: 1_000n, oracleKeys: [1, 2, 3].map((i) => publicKey(insecureDevAccountKey(i))) });
      const e = await rejects(insecureDevOracle().next(other, 5_000n));
      expect((e as FallbackError).code).to.equal("PRV_ERR_FALLBACK_HEADER");
      expect(e.message).to.contain("not the dev keys");
    });
  });
});
