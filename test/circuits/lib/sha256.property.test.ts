/**
 * Sha256Hash (circuits/lib/sha256) is sha256: fast-check draws messages of the lengths
 * that change its padding (one block, the longest one block, the first two-block length,
 * a whole block of message) and of the batch's hashed parts, and compares the digest
 * with node's crypto; the all-zero and all-one messages are the bounds of every word sum.
 */
import { expect } from "chai";
import crypto from "node:crypto";
import fc from "fast-check";
import { testCircuit, type CircuitTester } from "../../helpers/circuit";

const bitsOf = (bytes: Uint8Array): number[] => [...bytes].flatMap((b) => [7, 6, 5, 4, 3, 2, 1, 0].map((i) => (b >> i) & 1));

const mainOf = (template: string, include: string, nBytes: number): string => `pragma circom 2.1.9;
include "${include}";
component main = ${template}(${8 * nBytes});`;

/** The circuit's digest of `bytes`, as hex. */
async function digest(c: CircuitTester, bytes: Uint8Array): Promise<string> {
  const w = await c.witness({ in: bitsOf(bytes) });
  let hex = "";
  for (let i = 0; i < 256; i += 4) {
    let nibble = 0;
    for (let j = 0; j < 4; j++) nibble = nibble * 2 + Number(c.signal(w, `main.out[${i + j}]`));
    hex += nibble.toString(16);
  }
  return hex;
}

const sha256 = (bytes: Uint8Array): string => crypto.createHash("sha256").update(bytes).digest("hex");

describe("circuits/lib/sha256: Sha256Hash", function () {
  this.timeout(10 * 60_000);

  // 19: a prod op; 55: the longest one-block message; 56: the shortest two-block one;
  // 64: a whole block of message and a block of padding; 119: the longest two-block one.
  for (const nBytes of [19, 55, 56, 64, 119]) {
    it(`is node's sha256 on any ${nBytes}-byte message, the all-zero and all-one ones included`, async () => {
      const c = await testCircuit(`sha256_hash_${nBytes}`, mainOf("Sha256Hash", "lib/sha256/hash.circom", nBytes));
      for (const fill of [0x00, 0xff]) {
        const bytes = new Uint8Array(nBytes).fill(fill);
        expect(await digest(c, bytes)).to.equal(sha256(bytes));
      }
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ minLength: nBytes, maxLength: nBytes }), async (bytes) => {
          expect(await digest(c, bytes)).to.equal(sha256(bytes));
        }),
        { numRuns: 8 },
      );
    });
  }

  it("takes fewer constraints than circomlib's Sha256 for the same message, with the same digest", async () => {
    const ours = await testCircuit("sha256_hash_55", mainOf("Sha256Hash", "lib/sha256/hash.circom", 55));
    const circomlib = await testCircuit("sha256_circomlib_55", mainOf("Sha256", "circomlib/circuits/sha256/sha256.circom", 55));
    const bytes = crypto.randomBytes(55);
    expect(await digest(ours, bytes)).to.equal(await digest(circomlib, bytes));
    expect(ours.constraints).to.be.below(circomlib.constraints);
  });
});
