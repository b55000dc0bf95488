/**
 * Signature checks off the event loop (issue 21): the worker threads give circomlibjs's
 * own verdict on random keys and messages, right and tampered; and the service keeps
 * answering its probes while order signatures are being checked.
 */
import { expect } from "chai";
import fc from "fast-check";
import { R } from "../../../prover/state/field";
import { SignaturePool } from "../../../prover/signatures/signature-pool";
import { depositNew, devOrder, signedHeader } from "../../../prover/dev/fixtures";
import { encodeOrder } from "../../../prover/api/wire";
import { AUTH, testService } from "../api/fakes";

import { TAMPER, signedCase, type Eddsa } from "./reference";

const USDC = 1_000_000n;

describe("# signature checks on worker threads", function () {
  this.timeout(600_000);
  let eddsa: Eddsa;
  let pool: SignaturePool;

  before(async function () {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    eddsa = await (require("circomlibjs") as { buildEddsa(): Promise<Eddsa> }).buildEddsa();
    pool = new SignaturePool(2);
  });

  after(async function () {
    await pool.close();
  });

  it("gives circomlibjs's verdict on random keys and messages, signed right or tampered", async function () {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.bigInt({ min: 0n, max: R - 1n }),
        fc.constantFrom(...TAMPER),
        async (prv, other, msg, tamper) => {
          const c = signedCase(eddsa, prv, other, msg, tamper);
          const got = await pool.verify(c.msg, c.sig, c.key);
          expect(got, tamper).to.equal(c.expected);
          if (tamper === "none") expect(got).to.equal(true);
        },
      ),
      { numRuns: 24 },
    );
  });

  it("answers /health while the orders' signatures are still being checked", async function () {
    const one = new SignaturePool(1);
    await one.warm();
    let checked = 0;
    const verify = one.verify.bind(one);
    one.verify = async (...args) => {
      const ok = await verify(...args);
      checked++;
      return ok;
    };
    const t = await testService({ mode: "sequencer", devOracle: true, signatures: one, config: { batchInterval: 3600, maxRestingOrders: 1000 } });
    try {
      const seq = t.sequencer!;
      seq.setHeader(signedHeader(t.genesis, 2000n));
      for (const i of [1, 2, 3]) seq.submitDeposit(depositNew(i, 100_000n * USDC));
      const s = seq.pendingState();
      // resting orders, all far from each other's prices: none fills
      const orders = Array.from({ length: 24 }, (_, n) => devOrder(s, { accountIndex: 1 + (n % 3), marketId: 1 + (n % 4), isBuy: n % 2 === 0, size: 1n, limitPrice: (n % 2 === 0 ? 1_000_000n : 900_000_000n) + BigInt(n), nonce: BigInt(Math.floor(n / 3)) }));
      const answers = orders.map((o) => t.app.inject({ method: "POST", url: "/v1/ops", headers: AUTH, payload: { type: "ORDER", order: encodeOrder(o) } }));
      const health = await t.app.inject({ method: "GET", url: "/health" });
      const checkedAtHealth = checked;
      expect(health.statusCode).to.equal(200);
      const codes = (await Promise.all(answers)).map((r) => r.statusCode);
      // the probe was answered while most of the signatures waited for the thread
      expect(checkedAtHealth).to.be.lessThan(orders.length / 2);
      expect(checked).to.equal(orders.length);
      expect(codes.filter((c) => c === 200).length + codes.filter((c) => c === 422).length).to.equal(orders.length);
    } finally {
      await t.app.close();
      await one.close();
    }
  });
});
