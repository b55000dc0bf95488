/**
 * The native addon's EdDSA-Poseidon and Poseidon (issue 21; native/src/eddsa.rs) give
 * circomlibjs's answers: verdicts on random keys and messages, signed right or tampered;
 * signatures and public keys byte for byte; hashes of 1..12 random inputs and at the
 * field's bounds. With them installed (`useNativeCrypto`), prover/state/crypto.ts answers
 * as with circomlibjs, and the checker answers each of many checks posted at once.
 */
import { expect } from "chai";
import fc from "fast-check";
import { R } from "../../../prover/state/field";
import { initCrypto, poseidon, publicKey, signPoseidon, verifyNow } from "../../../prover/state/crypto";
import { knownVerdict } from "../../../prover/state/verdicts";
import { NativeSignatureChecker, nativeCrypto, stopNativeCrypto, useNativeCrypto, type NativeCrypto } from "../../../prover/signatures/native";
import { openSignatureChecker } from "../../../prover/signatures/open";
import { TAMPER, signedCase, type Eddsa, type Tamper } from "./reference";

interface Hasher {
  (inputs: bigint[]): Uint8Array;
  F: { toObject(x: Uint8Array): bigint };
}


describe("# native EdDSA-Poseidon and Poseidon (the addon against circomlibjs)", function () {
  this.timeout(600_000);
  let eddsa: Eddsa;
  let hasher: Hasher;
  let native: NativeCrypto;

  before(async function () {
    const found = nativeCrypto();
    // the addon is built by npm test's preparation wherever cargo is (CI has it)
    if ("problem" in found) this.skip();
    native = found as NativeCrypto;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lib = require("circomlibjs") as { buildEddsa(): Promise<Eddsa>; buildPoseidon(): Promise<Hasher> };
    eddsa = await lib.buildEddsa();
    hasher = await lib.buildPoseidon();
    await initCrypto();
  });

  after(stopNativeCrypto);

  const case_ = (prv: Uint8Array, other: Uint8Array, msg: bigint, tamper: Tamper) => signedCase(eddsa, prv, other, msg, tamper);

  const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

  it("gives circomlibjs's verdict on random keys and messages, signed right or tampered", async function () {
    const checker = new NativeSignatureChecker(native.verify);
    useNativeCrypto();
    await fc.assert(
      fc.asyncProperty(key32, key32, fc.bigInt({ min: 0n, max: R - 1n }), fc.constantFrom(...TAMPER), async (prv, other, msg, tamper) => {
        const c = case_(prv, other, msg, tamper);
        expect(await checker.verify(c.msg, c.sig, c.key), `checker, ${tamper}`).to.equal(c.expected);
        expect(knownVerdict(c.msg, c.sig, c.key), "the verdict is recorded").to.equal(c.expected);
        expect(verifyNow(c.msg, c.sig, c.key), `crypto.ts with the addon, ${tamper}`).to.equal(c.expected);
        if (tamper === "none") expect(c.expected).to.equal(true);
      }),
      { numRuns: 60 },
    );
  });

  it("answers each of many checks posted in one turn with its own verdict, split over the lanes", async function () {
    const checker = new NativeSignatureChecker(native.verify, 3);
    const cases = Array.from({ length: 20 }, (_, n) => case_(Buffer.alloc(32, n + 1), Buffer.alloc(32, 99), BigInt(n) * 1_000_003n, TAMPER[n % TAMPER.length]));
    const verdicts = await Promise.all(cases.map((c) => checker.verify(c.msg, c.sig, c.key)));
    expect(verdicts).to.deep.equal(cases.map((c) => c.expected));
    expect(checker.queued).to.equal(0);
  });

  it("refuses without asking the addon what crypto.ts refuses: Ax = 0, a value outside [0, r), a negative S", async function () {
    const checker = new NativeSignatureChecker(() => Promise.reject(new Error("the addon must not be asked")));
    const c = case_(Buffer.alloc(32, 5), Buffer.alloc(32, 6), 42n, "none");
    expect(await checker.verify(c.msg, c.sig, { ...c.key, ax: 0n })).to.equal(false);
    expect(await checker.verify(R, c.sig, c.key)).to.equal(false);
    expect(await checker.verify(-1n, c.sig, c.key)).to.equal(false);
    expect(await checker.verify(c.msg, { ...c.sig, S: -1n }, c.key)).to.equal(false);
  });

  it("calls a value that is not a decimal below the prime a false verdict, and a short call an error", async function () {
    const c = case_(Buffer.alloc(32, 7), Buffer.alloc(32, 8), 7n, "none");
    const fields = [c.msg, c.sig.R8x, c.sig.R8y, c.sig.S, c.key.ax, c.key.ay].map(String);
    expect(native.verifyNow(fields)).to.deep.equal([true]);
    for (const bad of ["", "-1", "0x10", R.toString(), "1e3"]) {
      for (let at = 0; at < 6; at++) expect(native.verifyNow(fields.map((f, i) => (i === at ? bad : f))), `${bad} at ${at}`).to.deep.equal([false]);
    }
    expect(() => native.verifyNow(fields.slice(1))).to.throw(/PRV_ERR_SIGNATURE_INPUT/);
    await native.verify(fields.slice(2)).then(
      () => expect.fail("a call of four values must be refused"),
      (err: Error) => expect(err.message).to.match(/PRV_ERR_SIGNATURE_INPUT/),
    );
  });

  it("signs and derives public keys exactly as circomlibjs on random keys and messages", function () {
    const F = eddsa.F;
    fc.assert(
      fc.property(key32, fc.bigInt({ min: 0n, max: R - 1n }), (prv, msg) => {
        const ref = eddsa.signPoseidon(Buffer.from(prv), F.e(msg));
        const [R8x, R8y, S] = native.sign(prv, String(msg)).map(BigInt);
        expect({ R8x, R8y, S }).to.deep.equal({ R8x: F.toObject(ref.R8[0]), R8y: F.toObject(ref.R8[1]), S: ref.S });
        const A = eddsa.prv2pub(Buffer.from(prv));
        expect(native.publicKey(prv).map(BigInt)).to.deep.equal([F.toObject(A[0]), F.toObject(A[1])]);
      }),
      { numRuns: 40 },
    );
    useNativeCrypto();
    const prv = Buffer.alloc(32, 3);
    const A = eddsa.prv2pub(prv);
    expect(publicKey(prv)).to.deep.equal({ ax: F.toObject(A[0]), ay: F.toObject(A[1]) });
    // crypto.ts reduces the message first, as circomlibjs's F.e does
    const ref = eddsa.signPoseidon(prv, F.e(5n));
    expect(signPoseidon(prv, 5n - R)).to.deep.equal({ R8x: F.toObject(ref.R8[0]), R8y: F.toObject(ref.R8[1]), S: ref.S });
  });

  it("hashes 1..12 random inputs, and inputs at the field's bounds, as circomlibjs's Poseidon", function () {
    const element = fc.oneof(fc.bigInt({ min: 0n, max: R - 1n }), fc.constantFrom(0n, 1n, R - 1n, R - 2n, (1n << 253n) - 1n));
    fc.assert(
      fc.property(fc.array(element, { minLength: 1, maxLength: 12 }), (inputs) => {
        expect(BigInt(native.poseidon(inputs.map(String)))).to.equal(hasher.F.toObject(hasher(inputs)));
      }),
      { numRuns: 200 },
    );
    expect(() => native.poseidon([])).to.throw(/PRV_ERR_SIGNATURE_INPUT/);
    expect(() => native.poseidon(Array.from({ length: 13 }, () => "1"))).to.throw(/PRV_ERR_SIGNATURE_INPUT/);
    expect(() => native.poseidon([R.toString()])).to.throw(/PRV_ERR_SIGNATURE_INPUT/);
    // installed: crypto.ts reduces negative inputs first and goes to circomlibjs beyond 12 inputs
    useNativeCrypto();
    expect(poseidon([-1n, 2n])).to.equal(hasher.F.toObject(hasher([R - 1n, 2n])));
    const sixteen = Array.from({ length: 16 }, (_, i) => BigInt(i));
    expect(poseidon(sixteen)).to.equal(hasher.F.toObject(hasher(sixteen)));
  });

  it("is what auto and native choose where the addon is built; threads keeps circomlibjs", async function () {
    const auto = openSignatureChecker({ signatureChecker: "auto", signatureThreads: 1 });
    expect("checker" in auto && auto.checker?.kind).to.equal("native");
    const threads = openSignatureChecker({ signatureChecker: "threads", signatureThreads: 0 });
    expect("checker" in threads && threads.checker).to.equal(undefined);
  });
});
