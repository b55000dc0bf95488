/**
 * The native INSECURE dev setup (scripts/lib/setup-native.ts, native/src/setup.rs)
 * writes exactly the zkey snarkjs `zkey new` writes over the dev ptau, section by
 * section, csHash included; its keys prove with both backends; bad input is refused
 * with a SetupError and leaves no file behind.
 *
 * Two circuits: the multiplier fixture (241 constraints, a 2^8 domain) and a chain of
 * 17,000 multiplications (a 2^15 domain: past 2^14, where snarkjs' csHash reads one
 * point beyond the ptau's section 2; native/src/hash_quirk.rs). Needs the addon.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { loadBackend } from "../../prover/zk/load-backend";
import { readSetup, terminateCurves, verify } from "../../prover/zk/prover";
import { snarkjs } from "../../prover/zk/snarkjs";
import { WitnessCalculator } from "../../prover/zk/witness";
import { REPO_ROOT } from "../../scripts/lib/circom";
import { generateDevPtau } from "../../scripts/lib/ptau-dev";
import { setupCircuit } from "../../scripts/lib/setup";
import { nativeDevSetup, runNativeDevSetup, SetupError } from "../../scripts/lib/setup-native";
import { testCircuit } from "../helpers/circuit";

const MULTIPLIER = `pragma circom 2.1.9;
include "multiplier.circom";
component main = Multiplier();
`;

const CHAIN = `pragma circom 2.1.9;
template Chain(n) {
  signal input a;
  signal input b;
  signal output out;
  signal t[n];
  t[0] <== a * b;
  for (var i = 1; i < n; i++) t[i] <== t[i-1] * a + b;
  out <== t[n-1];
}
component main {public [a]} = Chain(17000);
`;

/** The sections of an iden3 binary file, by id, in file order. */
function sections(file: string): Map<number, Buffer> {
  const buf = fs.readFileSync(file);
  const out = new Map<number, Buffer>();
  let pos = 12;
  for (let i = 0; i < buf.readUInt32LE(8); i++) {
    const size = Number(buf.readBigUInt64LE(pos + 4));
    out.set(buf.readUInt32LE(pos), buf.subarray(pos + 12, pos + 12 + size));
    pos += 12 + size;
  }
  return out;
}

/** Asserts two zkeys equal byte for byte, naming the first section that differs. */
function expectSameZkey(native: string, reference: string): void {
  const [a, b] = [sections(native), sections(reference)];
  expect([...a.keys()], "section order").to.deep.equal([1, 2, 4, 3, 9, 8, 5, 6, 7, 10]);
  expect([...a.keys()]).to.deep.equal([...b.keys()]);
  for (const [id, bytes] of b) expect(a.get(id)!.equals(bytes), `section ${id}`).to.equal(true);
  expect(fs.readFileSync(native).equals(fs.readFileSync(reference))).to.equal(true);
}

async function refusal(p: Promise<unknown>): Promise<SetupError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "expected a refusal").to.be.instanceOf(SetupError);
  return err as SetupError;
}

describe("scripts/lib/setup-native: the native INSECURE dev setup", function () {
  this.timeout(15 * 60_000);
  const multiplierR1cs = path.join(REPO_ROOT, "build", "test", "multiplier", "multiplier_main.r1cs");
  let tmp: string;

  before(async function () {
    if ("problem" in nativeDevSetup()) this.skip();
    await testCircuit("multiplier", MULTIPLIER);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-nsetup-"));
  });

  after(async function () {
    if (tmp !== undefined) fs.rmSync(tmp, { recursive: true, force: true });
    await terminateCurves();
  });

  for (const power of [8, 9]) {
    it(`writes snarkjs' zkey byte for byte over the dev ptau of 2^${power} (${power === 8 ? "H from the truncated top block" : "a ptau larger than the circuit"})`, async function () {
      const ptau = await generateDevPtau({ power, out: path.join(tmp, `insecure-dev-${power}.ptau`) });
      const reference = path.join(tmp, `snarkjs-${power}.zkey`);
      await snarkjs.zKey.newZKey(multiplierR1cs, ptau, reference);
      const native = path.join(tmp, `native-${power}.zkey`);
      const report = await runNativeDevSetup(multiplierR1cs, native, power);
      expect(report).to.include({ nVars: 244, nPublic: 1, constraints: 241, domainSize: 256 });
      expectSameZkey(native, reference);
    });
  }

  it("matches snarkjs' csHash past a 2^14 domain, where snarkjs hashes one point beyond the ptau's section 2", async function () {
    await testCircuit("setup_chain", CHAIN);
    const r1cs = path.join(REPO_ROOT, "build", "test", "setup_chain", "setup_chain_main.r1cs");
    const ptau = await generateDevPtau({ power: 15, out: path.join(tmp, "insecure-dev-15.ptau") });
    const reference = path.join(tmp, "chain-snarkjs.zkey");
    await snarkjs.zKey.newZKey(r1cs, ptau, reference);
    const native = path.join(tmp, "chain-native.zkey");
    const report = await runNativeDevSetup(r1cs, native, 15);
    expect(report.domainSize).to.equal(1 << 15);
    expectSameZkey(native, reference);
  });

  it("makes keys whose proofs, native and snarkjs, verify with the exported vkey; setup.json says native made it", async function () {
    const dir = path.join(tmp, "multiplier");
    fs.cpSync(path.dirname(multiplierR1cs), dir, { recursive: true });
    fs.rmSync(path.join(dir, "setup.json"));
    const made = await setupCircuit({ dir, circuit: "multiplier_main" });
    expect(made).to.include({ madeBy: "native", cached: false, insecure: true, zkey: "multiplier_main.insecure.zkey" });
    expect(made.ptau).to.match(/insecure-dev-8\.ptau$/); // names the ceremony, written or not
    const again = await setupCircuit({ dir, circuit: "multiplier_main" });
    expect(again).to.include({ cached: true, madeBy: "native" });

    const { key, wasmPath } = readSetup(dir);
    const wtns = await (await WitnessCalculator.load(wasmPath)).wtns({ a: 5, b: 7, c: 35 });
    for (const name of ["native", "snarkjs"] as const) {
      const out = await (await loadBackend(name, key)).prove(wtns);
      expect(await verify(key.vkey, out.publicSignals, out.proof), name).to.equal(true);
    }
  });

  it("refuses a file that is not an r1cs, naming it, and writes nothing", async function () {
    const bad = path.join(tmp, "garbage.r1cs");
    fs.writeFileSync(bad, Buffer.from("this is not a constraint system at all"));
    const out = path.join(tmp, "garbage.zkey");
    const err = await refusal(runNativeDevSetup(bad, out, 8));
    expect(err.code).to.equal("SETUP_ERR_INPUT");
    expect(err.message).to.match(/not a r1cs file/);
    expect(fs.existsSync(out)).to.equal(false);
  });

  it("refuses a truncated r1cs and a circuit larger than the power, and writes nothing", async function () {
    const cut = path.join(tmp, "cut.r1cs");
    const whole = fs.readFileSync(multiplierR1cs);
    fs.writeFileSync(cut, whole.subarray(0, whole.length >> 1));
    const out = path.join(tmp, "refused.zkey");
    expect((await refusal(runNativeDevSetup(cut, out, 8))).message).to.match(/r1cs: /);
    const small = await refusal(runNativeDevSetup(multiplierR1cs, out, 7));
    expect(small.code).to.equal("SETUP_ERR_INPUT");
    expect(small.message).to.match(/2\^8 rows .* more than the ptau's 2\^7/);
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith("refused"))).to.deep.equal([]);
  });

  it("refuses a secret that is not a decimal field element, naming it", async function () {
    const found = nativeDevSetup();
    if ("problem" in found) this.skip();
    const err = await found.run(multiplierR1cs, path.join(tmp, "x.zkey"), "1", "0x10", "2", 8).catch((e: unknown) => e as Error);
    expect(String(err)).to.match(/SETUP_ERR_INPUT: alpha must be a decimal integer/);
  });
});
