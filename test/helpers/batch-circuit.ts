/**
 * The batch circuit at `ci` parameters, with the same expectPass/expectFail helpers
 * as test/helpers/circuit.ts, plus ways to run a batch through the reference rules and
 * get the circuit input that an honest prover would use. Tests then tamper with that
 * input to play a dishonest prover.
 */
import assert from "node:assert/strict";
import { compileCircuit } from "../../scripts/lib/circom";
import { BATCH_CIRCUIT, batchMainSource, buildDir, loadCircuitParams } from "../../scripts/lib/params";
import { refuseInspectWarnings } from "../../scripts/lib/pipeline";
import { applyBatch, type Batch, type BatchResult } from "../../prover/state/batch";
import type { State } from "../../prover/state/state";
import type { AccountUpdateTrace, BatchHeader } from "../../prover/state/trace";
import { encodeSigned } from "../../prover/state/field";
import { signOrder, type Order } from "../../prover/state/signing";
import { buildBatchInput, type BatchCircuitInput, type InputValue } from "../../prover/circuit-input/batch-input";
import { batchOnChain } from "../../prover/circuit-input/batch-data";
import { WitnessCalculator, WitnessError } from "../../prover/zk/witness";
import { CI_PARAMS, depositNew, devGenesis, insecureDevAccountKey, signedHeader } from "../prover/state/fixtures";

export interface BatchCircuit {
  readonly constraints: number;
  /** The circuit's inputHash for this input; throws WitnessError if it is unprovable. */
  inputHash(input: BatchCircuitInput): Promise<bigint>;
  /** Asserts the input is provable and its inputHash is the one the rules compute. */
  expectPass(input: BatchCircuitInput, expectedInputHash?: bigint): Promise<void>;
  /**
   * Asserts that no witness exists for this input. `where` is matched against the chain
   * of templates of the failing constraint, innermost first ("Num2Bits < UnsignedRange
   * < MarketUpdate < Header < BatchSettle", from the witness calculator's "Error in
   * template X_n" lines), so that a test fails for its own reason and not because the
   * tampering broke something unrelated.
   */
  expectFail(input: BatchCircuitInput, where?: RegExp): Promise<void>;
}

let loaded: Promise<BatchCircuit> | undefined;

/** Compiles (or takes from the build cache) the `ci` batch circuit. */
export function ciBatchCircuit(): Promise<BatchCircuit> {
  loaded ??= (async () => {
    const params = loadCircuitParams("ci");
    const built = await compileCircuit({ name: BATCH_CIRCUIT, mainSource: batchMainSource(params), outDir: buildDir(params), inspect: true });
    // The same --inspect gate as the build (scripts/lib/pipeline.ts), so that a circuit
    // change which the demo's build would refuse fails here too, not first in CI's demo.
    refuseInspectWarnings(built.warnings);
    const wc = await WitnessCalculator.load(built.wasm);
    // wire 1 is the only output, inputHash
    const inputHash = async (input: BatchCircuitInput) => (await wc.witness(input as never))[1];
    return {
      constraints: built.constraints,
      inputHash,
      async expectPass(input, expected) {
        const got = await inputHash(input);
        if (expected !== undefined) assert.equal(got, expected, "circuit inputHash differs from the reference rules'");
      },
      async expectFail(input, where) {
        await assert.rejects(inputHash(input), (err: unknown) => {
          assert.ok(err instanceof WitnessError, `expected a WitnessError, got ${String(err)}`);
          const trace = String((err as Error & { cause?: unknown }).cause ?? err.message);
          const chain = [...trace.matchAll(/Error in template (\w+?)_\d+ line/g)].map((m) => m[1]).join(" < ");
          if (where) assert.match(chain, where, `failed in ${chain || "?"}, expected ${where}`);
          return true;
        });
      },
    };
  })();
  return loaded;
}

/** A batch applied by the reference rules, with its honest circuit input. */
export interface ProvenCase extends BatchResult {
  readonly input: BatchCircuitInput;
  readonly inputHash: bigint;
}

/** Applies `batch` to `state` with the rules and builds the honest circuit input. */
export function honest(state: State, batch: Batch): ProvenCase {
  const r = applyBatch(state, batch);
  return { ...r, input: buildBatchInput(CI_PARAMS, r.trace), inputHash: batchOnChain(CI_PARAMS, r.trace).inputHash };
}

/** The dev genesis after one batch that opens accounts 1 and 2 with 10,000 USDC each. */
export async function fundedGenesis(): Promise<State> {
  const genesis = await devGenesis();
  return honest(genesis, {
    header: signedHeader(genesis, 1_000n),
    ops: [{ type: "DEPOSIT" }, { type: "DEPOSIT" }],
    deposits: [depositNew(1, 10_000n * 1_000_000n), depositNew(2, 10_000n * 1_000_000n)],
  }).state;
}

/** A deep copy of an input with one signal (path like `makerOrder.0.5`) replaced. */
export function tamper(input: BatchCircuitInput, path: string, value: bigint | number | InputValue): BatchCircuitInput {
  const copy = JSON.parse(JSON.stringify(input)) as BatchCircuitInput;
  const keys = path.split(".");
  let node: InputValue[] | BatchCircuitInput = copy;
  for (const k of keys.slice(0, -1)) node = (node as Record<string, InputValue>)[k] as InputValue[];
  const last = keys[keys.length - 1];
  const v = typeof value === "bigint" || typeof value === "number" ? value.toString() : value;
  (node as Record<string, InputValue>)[last] = v;
  return copy;
}

/**
 * The input of a dishonest prover who applies a batch the rules refuse only because of
 * the accounts it starts from: the rules' trace of `base` (a batch they accepted), re-run
 * on `forged` (the same state with some accounts changed). Each update starts from the
 * forged account and moves its nonce and collateral by the honest steps; siblings and
 * roots are recomputed, so the tree openings hold and the circuit fails for the rule.
 */
export function forgedInput(base: ProvenCase, forged: State): BatchCircuitInput {
  const s = forged.clone();
  const redo = (u: AccountUpdateTrace) => {
    const before = s.account(u.index);
    const moved = u.after === u.before ? before : { ...u.after, nonce: u.after.nonce + before.nonce - u.before.nonce, collateral: u.after.collateral + before.collateral - u.before.collateral };
    const siblings = s.tree.siblings(u.index);
    const rootBefore = s.accountsRoot();
    s.setAccount(u.index, moved);
    return { index: u.index, before, after: moved, siblings, rootBefore, rootAfter: s.accountsRoot() };
  };
  const oldAccountsRoot = s.accountsRoot();
  const slots = base.trace.slots.map((slot) => ({ ...slot, a: redo(slot.a), b: redo(slot.b) }));
  const feeUpdate = redo(base.trace.feeUpdate);
  return buildBatchInput(CI_PARAMS, { ...base.trace, oldAccountsRoot, slots, feeUpdate });
}

/** Replaces slot `slot`'s maker or taker order by `order`, signed by its account's dev key. */
export function withOrder(input: BatchCircuitInput, side: "maker" | "taker", order: Order, slot = 0): BatchCircuitInput {
  const o = signOrder(insecureDevAccountKey(order.accountIndex), order);
  const signals = [o.marketId, o.isBuy ? 1 : 0, o.size, o.limitPrice, o.expiry, o.nonce, o.maxFeeBps].map((x) => encodeSigned(BigInt(x)).toString());
  return tamper(tamper(input, `${side}Order.${slot}`, signals), `${side === "maker" ? "sigA" : "sigB"}.${slot}`, [o.R8x, o.R8y, o.S].map(String));
}

/** Replaces the header of an input by `h` (timestamp, prices, rates and oracle signatures). */
export function withHeader(input: BatchCircuitInput, h: BatchHeader): BatchCircuitInput {
  let out = tamper(input, "timestamp", h.timestamp);
  out = tamper(out, "price", h.markPrices.map(String));
  out = tamper(out, "fundingRate", h.fundingRates.map((r) => encodeSigned(r).toString()));
  out = tamper(out, "oracleSigR8x", h.signatures.map((x) => x.R8x.toString()));
  out = tamper(out, "oracleSigR8y", h.signatures.map((x) => x.R8y.toString()));
  return tamper(out, "oracleSigS", h.signatures.map((x) => x.S.toString()));
}
