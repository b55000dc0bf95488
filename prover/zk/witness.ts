/**
 * Witness computation with the JavaScript/wasm witness calculator that circom2 writes
 * next to each circuit (`<name>_js/witness_calculator.js`). Shared by the prover and
 * the circuit test harness.
 */
import fs from "node:fs";
import path from "node:path";

/** A value for an input signal: a field element, or a (nested) array of them. */
export type SignalValue = bigint | number | string | SignalValue[];
/** Input of a circuit: one entry per input signal of the main component. */
export type CircuitInput = Record<string, SignalValue>;

interface WasmWitnessCalculator {
  calculateWitness(input: CircuitInput, sanityCheck: boolean): Promise<bigint[]>;
  calculateWTNSBin(input: CircuitInput, sanityCheck: boolean): Promise<Uint8Array>;
}
type Builder = (code: Uint8Array, options?: Record<string, unknown>) => Promise<WasmWitnessCalculator>;

/** Thrown when the witness cannot be built: a failed `===`/assert, or bad inputs. */
export class WitnessError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WitnessError";
  }
}

/**
 * One circuit's witness calculator, with the wasm kept in memory. The generated
 * calculator accumulates error text across calls, so after a failure it is rebuilt
 * to keep the next error message clean.
 */
export class WitnessCalculator {
  private calc: WasmWitnessCalculator | undefined;

  private constructor(
    private readonly wasm: Uint8Array,
    private readonly builder: Builder,
  ) {}

  /** `wasm`: path of `<name>.wasm`; the calculator JS is looked up next to it. */
  static async load(wasmPath: string, wasm?: Uint8Array): Promise<WitnessCalculator> {
    const js = path.join(path.dirname(wasmPath), "witness_calculator.js");
    if (!fs.existsSync(js)) throw new Error(`no witness_calculator.js next to ${wasmPath}`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const builder = require(path.resolve(js)) as Builder;
    const wc = new WitnessCalculator(wasm ?? new Uint8Array(fs.readFileSync(wasmPath)), builder);
    return wc;
  }

  private async instance(): Promise<WasmWitnessCalculator> {
    this.calc ??= await this.builder(this.wasm);
    return this.calc;
  }

  private async run<T>(f: (c: WasmWitnessCalculator) => Promise<T>): Promise<T> {
    try {
      return await f(await this.instance());
    } catch (err) {
      this.calc = undefined;
      const msg = err instanceof Error ? err.message : String(err);
      throw new WitnessError(`witness generation failed: ${msg.trim()}`, { cause: err });
    }
  }

  /** The full witness (wire 0 is the constant 1), with every constraint check on. */
  witness(input: CircuitInput): Promise<bigint[]> {
    return this.run((c) => c.calculateWitness(input, true));
  }

  /** The witness as a `.wtns` file image, which snarkjs' prover reads from memory. */
  wtns(input: CircuitInput): Promise<Uint8Array> {
    return this.run((c) => c.calculateWTNSBin(input, true));
  }
}
