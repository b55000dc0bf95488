/**
 * A small typed circuit test harness over circom2 and its wasm witness calculator,
 * in the manner of circomkit's WitnessTester (which needs the native circom binary,
 * unavailable here):
 *
 *   const c = await testCircuit("multiplier", `pragma circom 2.1.9;
 *     include "multiplier.circom"; component main = Multiplier();`);
 *   await c.expectPass({ a: 3, b: 4, c: 12 }, { hash: expected });
 *   await c.expectFail({ a: 3, b: 4, c: 13 });
 *
 * Builds are cached under build/test/<name>/ (see scripts/lib/circom.ts). Includes
 * resolve against node_modules, circuits/ and test/fixtures/circuits/.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { compileCircuit, readR1csHeader, REPO_ROOT } from "../../scripts/lib/circom";
import { WitnessCalculator, WitnessError, type CircuitInput } from "../../prover/zk/witness";

export type { CircuitInput };
type Expected = Record<string, bigint | number | string>;

export interface CircuitTester {
  /** Number of constraints (after --O2). */
  readonly constraints: number;
  /** Full witness, every constraint checked; throws WitnessError on failure. */
  witness(input: CircuitInput): Promise<bigint[]>;
  /** Asserts the witness builds and, if given, that the named outputs match. */
  expectPass(input: CircuitInput, expected?: Expected): Promise<void>;
  /** Asserts that witness generation fails (a failed constraint or assert). */
  expectFail(input: CircuitInput): Promise<void>;
  /** The main component's outputs, by full name (`main.inputHash`). */
  outputs(input: CircuitInput): Promise<Record<string, bigint>>;
  /** Any signal by full name (`main.sub.x`); fails if --O2 eliminated it. */
  signal(witness: bigint[], name: string): bigint;
}

/** name → witness index, from the .sym file (`label,wire,component,name`; wire −1 = eliminated). */
function readSym(file: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (!line) continue;
    const parts = line.split(",");
    map.set(parts.slice(3).join(","), Number(parts[1]));
  }
  return map;
}

const fullName = (n: string): string => (n.startsWith("main.") ? n : `main.${n}`);

/** Compiles `mainSource` (cached) and returns a tester for it. */
export async function testCircuit(name: string, mainSource: string): Promise<CircuitTester> {
  const built = await compileCircuit({
    // Not `name` itself: `include "<name>.circom"` would then resolve to this main
    // file (circom looks next to the including file first).
    name: `${name}_main`,
    mainSource,
    outDir: path.join(REPO_ROOT, "build", "test", name),
    includeDirs: [path.join(REPO_ROOT, "test", "fixtures", "circuits")],
  });
  const sym = readSym(built.sym);
  const nOut = readR1csHeader(built.r1cs).outputs; // outputs are wires 1..nOutputs
  const outputNames = [...sym].filter(([, w]) => w >= 1 && w <= nOut).map(([n]) => n);
  const wc = await WitnessCalculator.load(built.wasm);

  const signal = (w: bigint[], n: string): bigint => {
    const idx = sym.get(fullName(n));
    if (idx === undefined) throw new Error(`${name}: no signal ${fullName(n)}`);
    if (idx < 0) throw new Error(`${name}: signal ${fullName(n)} was optimised away (--O2)`);
    return w[idx];
  };
  const outputs = async (input: CircuitInput) => {
    const w = await wc.witness(input);
    return Object.fromEntries(outputNames.map((n) => [n, signal(w, n)]));
  };

  return {
    constraints: built.constraints,
    witness: (input) => wc.witness(input),
    signal,
    outputs,
    async expectPass(input, expected) {
      const w = await wc.witness(input);
      for (const [k, v] of Object.entries(expected ?? {})) {
        assert.equal(signal(w, k), BigInt(v), `${name}: ${fullName(k)}`);
      }
    },
    async expectFail(input) {
      await assert.rejects(wc.witness(input), WitnessError, `${name}: expected witness generation to fail`);
    },
  };
}
