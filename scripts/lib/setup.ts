/**
 * Groth16 setup of a compiled circuit: `zkey new` over a powers-of-tau file, one
 * phase-2 contribution (with a ceremony ptau only), the verification key and the
 * Solidity verifier. Cached in
 * `<dir>/setup.json` by the hash of the r1cs and the identity of the ptau.
 *
 * Without `ptau`, the INSECURE development setup runs and every output is named and
 * marked insecure; production passes a ceremony file. The dev key comes from the native
 * addon where it loads (scripts/lib/setup-native.ts: the same bytes as snarkjs, in
 * seconds, no ptau file), else from snarkjs `zkey new` over the dev ptau
 * (scripts/lib/ptau-dev.ts). A ceremony ptau always goes through snarkjs.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { snarkjs, SNARKJS_DIR, SNARKJS_VERSION, terminateCurves } from "../../prover/zk/snarkjs";
import type { SetupRecord } from "../../prover/zk/prover";
import { readR1csHeader, type R1csHeader } from "./circom";
import { devPtauPath, generateDevPtau } from "./ptau-dev";
import { withSpinner } from "./progress";
import { nativeDevSetup, runNativeDevSetup } from "./setup-native";

/** Which implementation made a key. */
export type SetupMaker = "native" | "snarkjs";

export interface SetupOptions {
  /** Build folder holding `<circuit>.r1cs` (and later the zkey). */
  dir: string;
  circuit: string;
  /** Ceremony ptau; omitted: the INSECURE dev ptau of the right power. */
  ptau?: string;
  /** Where to write the Solidity verifier (skipped when omitted). */
  verifierOut?: string;
  /** Label for the verifier header, e.g. the parameter-set name. */
  label?: string;
  /** Phase-2 entropy with a ceremony ptau (default: random bytes); the dev setup makes no contribution. */
  entropy?: string;
  /** Dev setup only: "snarkjs" forces snarkjs `zkey new` even where the native addon loads. */
  maker?: SetupMaker;
}

/** What `<dir>/setup.json` holds. */
export interface SetupFileRecord extends SetupRecord {
  ptauId: string;
  /** What made the zkey; both make the same bytes for the dev setup, so either's cache serves. */
  madeBy: SetupMaker;
}

export interface SetupResult extends SetupFileRecord {
  cached: boolean;
  constraints: number;
  /** Milliseconds the key took to make (0 when cached). */
  setupMs: number;
}

/**
 * The ptau power the circuit needs, computed as snarkjs `zkey new` does:
 * the smallest p with 2^p > constraints + public inputs + outputs.
 */
export function requiredPower(s: R1csHeader): number {
  return Math.floor(Math.log2(s.constraints + s.publicInputs + s.outputs)) + 1;
}

function sha256File(file: string): string {
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** Ceremony files are large: identify them by size, mtime and the first MiB. */
function ptauIdentity(file: string): string {
  const st = fs.statSync(file);
  const fd = fs.openSync(file, "r");
  const head = Buffer.alloc(Math.min(st.size, 1 << 20));
  fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  return `${st.size}:${crypto.createHash("sha256").update(head).digest("hex")}`;
}

const INSECURE_BANNER = [
  "!!! INSECURE DEVELOPMENT SETUP !!!",
  "The powers of tau come from a public seed: anyone can forge proofs for this key.",
  "So it skips the phase-2 contribution, which would add no security to such a key,",
  "and the native setup computes the key from those secrets without writing the ptau.",
  "Use `--ptau <ceremony file>` for anything that holds value.",
].join("\n");

/** Runs (or reuses) the Groth16 setup of `<dir>/<circuit>.r1cs`. */
export async function setupCircuit(opts: SetupOptions): Promise<SetupResult> {
  const dir = path.resolve(opts.dir);
  const r1cs = path.join(dir, `${opts.circuit}.r1cs`);
  if (!fs.existsSync(r1cs)) throw new Error(`${r1cs} not found; build the circuit first`);
  const sizes = readR1csHeader(r1cs);
  const power = requiredPower(sizes);
  const insecure = opts.ptau === undefined;
  if (insecure) process.stderr.write(`\n${INSECURE_BANNER}\n\n`);

  if (!insecure && !fs.existsSync(path.resolve(opts.ptau as string))) throw new Error(`ptau ${path.resolve(opts.ptau as string)} not found`);
  const zkeyName = `${opts.circuit}${insecure ? ".insecure" : ""}.zkey`;
  const zkey = path.join(dir, zkeyName);
  const vkeyPath = path.join(dir, "verification_key.json");
  const recordPath = path.join(dir, "setup.json");
  const r1csHash = sha256File(r1cs);
  const ptauId = insecure ? `insecure-dev-${power}` : ptauIdentity(path.resolve(opts.ptau as string));

  const previous = fs.existsSync(recordPath) ? (JSON.parse(fs.readFileSync(recordPath, "utf8")) as Partial<SetupFileRecord>) : undefined;
  const cached = previous?.r1csHash === r1csHash && previous.ptauId === ptauId && previous.zkey === zkeyName && fs.existsSync(zkey) && fs.existsSync(vkeyPath);

  let madeBy: SetupMaker = previous?.madeBy ?? "snarkjs";
  let ptau = insecure ? devPtauPath(power) : path.resolve(opts.ptau as string);
  let setupMs = 0;
  if (!cached) {
    const label = `groth16 setup ${opts.circuit} (${sizes.constraints} constraints, 2^${power})`;
    const started = Date.now();
    const native = insecure && opts.maker !== "snarkjs" ? nativeDevSetup() : undefined;
    if (native !== undefined && "run" in native) {
      madeBy = "native";
      await withSpinner(`${label}, native`, () => runNativeDevSetup(r1cs, zkey, power));
    } else if (insecure) {
      madeBy = "snarkjs";
      if (native !== undefined && "problem" in native) process.stderr.write(`dev setup with snarkjs: ${native.problem}\n`);
      ptau = await generateDevPtau({ power });
      // A phase-2 contribution with public entropy over a public tau hides nothing:
      // the dev key is forgeable either way, so the dev setup stops at `zkey new`.
      await withSpinner(`${label}, snarkjs`, () => snarkjs.zKey.newZKey(r1cs, ptau, zkey));
    } else {
      madeBy = "snarkjs";
      const initial = path.join(dir, `${opts.circuit}.phase2-0.zkey.tmp`);
      try {
        await withSpinner(label, () => snarkjs.zKey.newZKey(r1cs, ptau, initial));
        const entropy = opts.entropy ?? crypto.randomBytes(64).toString("hex");
        await withSpinner("phase-2 contribution", () => snarkjs.zKey.contribute(initial, zkey, "zksettle operator", entropy));
      } finally {
        fs.rmSync(initial, { force: true });
      }
    }
    setupMs = Date.now() - started;
    process.stderr.write(`groth16 setup made by ${madeBy} in ${(setupMs / 1000).toFixed(1)} s\n`);
    const vkey = await snarkjs.zKey.exportVerificationKey(zkey);
    fs.writeFileSync(vkeyPath, JSON.stringify(vkey, null, 2) + "\n");
  }

  if (opts.verifierOut) {
    await exportVerifier(zkey, opts.verifierOut, opts.label ?? opts.circuit);
  }

  const record: SetupFileRecord = {
    circuit: opts.circuit,
    zkey: zkeyName,
    verificationKey: "verification_key.json",
    insecure,
    r1csHash,
    // The native dev setup never writes the dev ptau; its path still names the
    // (reproducible) ceremony the key belongs to.
    ptau: path.relative(dir, ptau),
    ptauId,
    power,
    madeBy,
  };
  fs.writeFileSync(recordPath, JSON.stringify(record, null, 2) + "\n");
  await terminateCurves();
  return { ...record, cached, constraints: sizes.constraints, setupMs };
}

/** Writes the snarkjs Groth16 verifier for `zkey` with a do-not-edit header. */
export async function exportVerifier(zkey: string, out: string, label: string): Promise<void> {
  const template = fs.readFileSync(path.join(SNARKJS_DIR, "templates", "verifier_groth16.sol.ejs"), "utf8");
  const code = await snarkjs.zKey.exportSolidityVerifier(zkey, { groth16: template });
  const header = `// GENERATED by scripts/setup.ts from snarkjs ${SNARKJS_VERSION} for params ${label} (${path.basename(zkey)}). Do not edit.\n`;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, header + code);
}
