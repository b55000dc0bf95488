/**
 * Compiling Circom circuits with circom2 (Circom 2.2.3 in WebAssembly; native circom
 * is unavailable here). Compilation is slow, so every build is cached in its output
 * folder by a hash of every circuit source, the main source and the compiler version.
 */
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { withSpinner } from "./progress";
import { packageRoot } from "../../prover/package/root";

/** The repository (package) root: one answer for prover/ and scripts/ (prover/package/root.ts). */
export const REPO_ROOT = packageRoot();
const CIRCOM2 = path.join(REPO_ROOT, "node_modules", ".bin", "circom2");

export interface CompileOptions {
  /** File stem: writes `<outDir>/<name>.circom` and `<name>.r1cs`, `<name>_js/`, … */
  name: string;
  /** Complete main file (pragma, includes, `component main = …`). */
  mainSource: string;
  outDir: string;
  /** Return the `--inspect` warnings (every compilation runs the inspector). */
  inspect?: boolean;
  /** Extra include folders, besides node_modules and circuits (e.g. test fixtures). */
  includeDirs?: string[];
}

export interface CompiledCircuit {
  r1cs: string;
  wasm: string;
  sym: string;
  witnessCalculatorJs: string;
  constraints: number;
  /** Warnings of the `--inspect` pass; empty when they were not asked for. */
  warnings: string[];
  /** True when the build came from the cache. */
  cached: boolean;
}

interface BuildRecord {
  key: string;
  constraints: number;
  /** The `--inspect` warnings of the compilation that made this build. */
  warnings: string[];
}

/** Runs a command, collecting output; rejects with the output on a non-zero exit. */
function run(cmd: string, args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${path.basename(cmd)} ${args.join(" ")} exited with ${code}\n${stdout}${stderr}`));
    });
  });
}

let versionCache: string | undefined;
export async function circomVersion(): Promise<string> {
  versionCache ??= (await run(CIRCOM2, ["--version"], REPO_ROOT)).stdout.trim();
  return versionCache;
}

function listCircom(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listCircom(p));
    else if (entry.name.endsWith(".circom")) out.push(p);
  }
  return out.sort();
}

/** Cache key: any edit to a circuit, the main source, the includes or the compiler rebuilds. */
async function cacheKey(opts: CompileOptions, includeDirs: string[]): Promise<string> {
  const h = crypto.createHash("sha256");
  h.update(await circomVersion());
  h.update("\0O2 --inspect\0");
  h.update(opts.mainSource);
  for (const dir of includeDirs) {
    for (const file of listCircom(dir)) {
      h.update(`\0${path.relative(REPO_ROOT, file)}\0`);
      h.update(fs.readFileSync(file));
    }
  }
  return h.digest("hex");
}

/** Sizes from an r1cs file's header section. */
export interface R1csHeader {
  wires: number;
  outputs: number;
  publicInputs: number;
  privateInputs: number;
  labels: number;
  constraints: number;
}

/**
 * Reads the header section (type 1) of an r1cs file directly: cheaper than snarkjs
 * `r1cs.info`, which loads the whole file and logs. Layout: n8, prime (n8 bytes),
 * nWires, nPubOut, nPubIn, nPrvIn (u32), nLabels (u64), nConstraints (u32).
 */
export function readR1csHeader(r1csPath: string): R1csHeader {
  const buf = fs.readFileSync(r1csPath);
  if (buf.toString("ascii", 0, 4) !== "r1cs") throw new Error(`${r1csPath}: not an r1cs file`);
  const nSections = buf.readUInt32LE(8);
  let pos = 12;
  for (let i = 0; i < nSections; i++) {
    const type = buf.readUInt32LE(pos);
    const size = Number(buf.readBigUInt64LE(pos + 4));
    pos += 12;
    if (type === 1) {
      const at = pos + 4 + buf.readUInt32LE(pos);
      return {
        wires: buf.readUInt32LE(at),
        outputs: buf.readUInt32LE(at + 4),
        publicInputs: buf.readUInt32LE(at + 8),
        privateInputs: buf.readUInt32LE(at + 12),
        labels: Number(buf.readBigUInt64LE(at + 16)),
        constraints: buf.readUInt32LE(at + 24),
      };
    }
    pos += size;
  }
  throw new Error(`${r1csPath}: no header section`);
}

function includeArgs(dirs: string[]): string[] {
  return dirs.flatMap((d) => ["-l", d]);
}

/**
 * The warnings of circom's `--inspect` pass in its output, one block per
 * "warning[CODE]: …" header (the block carries the source location), e.g. signals
 * that are assigned with `<--` and never constrained.
 */
export function parseInspectWarnings(output: string): string[] {
  // circom colours its output: strip the ANSI codes first.
  // eslint-disable-next-line no-control-regex
  const text = output.replace(/\x1b\[[0-9;]*m/g, "");
  return text
    .split(/\n(?=warning\[)|^(?=warning\[)/m)
    .filter((block) => block.startsWith("warning["))
    .map((block) => block.replace(/\n(template instances|Everything went okay)[\s\S]*$/, "").trim());
}

/**
 * Compiles `mainSource` to r1cs, wasm and sym with `--O2`, or returns the cached
 * build when the key in `<outDir>/build.json` still matches.
 */
export async function compileCircuit(opts: CompileOptions): Promise<CompiledCircuit> {
  // circom resolves an include next to the including file first: a main file named
  // like a file it includes would include itself ("Calling unknown symbol").
  if (opts.mainSource.includes(`"${opts.name}.circom"`) || opts.mainSource.includes(`/${opts.name}.circom"`)) {
    throw new Error(`compileCircuit: name "${opts.name}" clashes with an included file; pick another name`);
  }
  const outDir = path.resolve(opts.outDir);
  fs.mkdirSync(outDir, { recursive: true });
  const includeDirs = [path.join(REPO_ROOT, "node_modules"), path.join(REPO_ROOT, "circuits"), ...(opts.includeDirs ?? []).map((d) => path.resolve(d))];
  const file = path.join(outDir, `${opts.name}.circom`);
  const paths = {
    r1cs: path.join(outDir, `${opts.name}.r1cs`),
    wasm: path.join(outDir, `${opts.name}_js`, `${opts.name}.wasm`),
    sym: path.join(outDir, `${opts.name}.sym`),
    witnessCalculatorJs: path.join(outDir, `${opts.name}_js`, "witness_calculator.js"),
  };
  const recordPath = path.join(outDir, "build.json");
  const key = await cacheKey(opts, includeDirs);

  let record: BuildRecord | undefined;
  if (fs.existsSync(recordPath)) record = JSON.parse(fs.readFileSync(recordPath, "utf8")) as BuildRecord;
  const outputsExist = [paths.r1cs, paths.wasm, paths.sym, paths.witnessCalculatorJs].every((p) => fs.existsSync(p));
  const hit = record?.key === key && outputsExist;

  let constraints: number;
  if (hit && record) {
    constraints = record.constraints;
  } else {
    // One run gives the r1cs, the wasm and the inspector's warnings: --inspect only adds
    // checks to the compilation it is part of (a second run for it cost minutes).
    fs.writeFileSync(file, opts.mainSource);
    const { stdout, stderr } = await withSpinner(`circom2 ${opts.name} (--O2 --inspect)`, () =>
      run(CIRCOM2, [file, "--r1cs", "--wasm", "--sym", "--O2", "--inspect", ...includeArgs(includeDirs), "-o", outDir], REPO_ROOT),
    );
    constraints = readR1csHeader(paths.r1cs).constraints;
    record = { key, constraints, warnings: parseInspectWarnings(`${stdout}\n${stderr}`) };
  }

  const warnings = opts.inspect ? record.warnings : [];
  fs.writeFileSync(recordPath, JSON.stringify(record, null, 2) + "\n");
  return { ...paths, constraints, warnings, cached: hit };
}
