/**
 * Fakes for the engine tests: a submitter that records calls (and can fail or claim a
 * batch is already on chain), and a pool that answers with real proofs recorded from
 * the real pool, optionally held at a gate until the test releases it. The engine
 * verifies every proof with the real verification key, so the fake pool cannot invent
 * proofs: each input is proven once for real (at most 2 proofs per test file).
 */
import { createHash } from "node:crypto";
import { ProverPool } from "../../../prover/pool/prover-pool";
import { ProofAbortedError } from "../../../prover/pool/errors";
import type { ProveOutput, StageMessage } from "../../../prover/pool/types";
import type { SubmitPort, SubmitReceipt } from "../../../prover/service/submitter-port";
import type { ProverPort } from "../../../prover/pool/prover-port";
import type { Job } from "../../../prover/store/job-store";
import type { CircuitInput } from "../../../prover/zk/witness";
import type { Groth16Proof } from "../../../prover/zk/snarkjs";

const recorded = new Map<string, ProveOutput>();
let realPool: ProverPool | undefined;

function key(input: CircuitInput): string {
  return createHash("sha256").update(JSON.stringify(input)).digest("hex");
}

/** Keeps a proof the real pool made, for the fake pool to answer with. */
export function record(input: CircuitInput, out: ProveOutput): void {
  recorded.set(key(input), out);
}

/** The recorded proof of an input, proving it with a real pool the first time. */
export async function realProof(circuitDir: string, input: CircuitInput): Promise<ProveOutput> {
  const k = key(input);
  let out = recorded.get(k);
  if (!out) {
    realPool ??= new ProverPool({ maxThreads: 1 });
    out = await realPool.prove(circuitDir, input);
    recorded.set(k, out);
  }
  return out;
}

export async function closeRealPool(): Promise<void> {
  await realPool?.close();
  realPool = undefined;
}

/** A pool that replays recorded proofs; `hold()` makes the next tasks wait for `release`. */
export class ReplayPool implements ProverPort {
  readonly threads: number;
  busy = 0;
  readonly started: number[] = [];
  readonly aborted: string[] = [];
  /** Errors to throw instead of proving, consumed in order per batch-input key. */
  readonly failures: Error[] = [];
  private gates: (() => void)[] = [];
  private holding = false;

  constructor(threads = 1) {
    this.threads = threads;
  }

  hold(): void {
    this.holding = true;
  }

  /** Lets the oldest held task (or all of them) go on. */
  release(all = false): void {
    if (all) this.holding = false;
    const gates = all ? this.gates.splice(0) : this.gates.splice(0, 1);
    for (const g of gates) g();
  }

  get waiting(): number {
    return this.gates.length;
  }

  async prove(circuitDir: string, input: CircuitInput, opts: { signal?: AbortSignal; onStage?: (m: StageMessage) => void } = {}): Promise<ProveOutput> {
    this.busy++;
    try {
      this.started.push(Date.now());
      opts.onStage?.({ stage: "proving", witnessMs: 1 });
      if (this.holding) {
        await new Promise<void>((resolve, reject) => {
          this.gates.push(resolve);
          opts.signal?.addEventListener("abort", () => {
            this.aborted.push(String((opts.signal?.reason as Error)?.message));
            reject(new ProofAbortedError(opts.signal?.reason));
          });
        });
      }
      const failure = this.failures.shift();
      if (failure) throw failure;
      return await realProof(circuitDir, input);
    } finally {
      this.busy--;
    }
  }
}

/** A submitter that records what it is asked and finalizes instantly. */
export class FakeSubmitter implements SubmitPort {
  readonly submitted: number[] = [];
  readonly asked: number[] = [];
  /** Batch numbers the chain already has. */
  readonly onChain = new Set<number>();
  /** Errors to throw from `submit`, consumed in order. */
  readonly failures: Error[] = [];

  async isFinalized(batchNumber: number): Promise<boolean> {
    this.asked.push(batchNumber);
    return this.onChain.has(batchNumber);
  }

  async submit(job: Job, data: Uint8Array, proof: Groth16Proof): Promise<SubmitReceipt> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    if (data.length === 0 || proof.pi_a.length === 0) throw new Error("submitted without data or proof");
    this.submitted.push(job.batchNumber);
    this.onChain.add(job.batchNumber);
    return { txHash: `0x${job.batchNumber.toString(16).padStart(64, "0")}`, blockNumber: 100 + job.batchNumber, gasUsed: 250_000n };
  }
}
