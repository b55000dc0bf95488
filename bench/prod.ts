/**
 * A prod batch proven end to end (`npm run bench -- --prod`, not in CI): the prod
 * parameter set (circuits/params/prod.json) compiled, its INSECURE dev keys made at the
 * power it needs, a batch of TRADEs proven with each backend (same witness, each in a
 * process of its own: bench/backend-run.ts), both proofs verified with snarkjs and by
 * the generated verifier on a local chain, where the native proof is submitted to a
 * Settlement deployed for these parameters.
 *
 * The trades need funded accounts: 2N accounts (one maker and one taker per trade) are
 * opened by two batches of N DEPOSITs first, proven with the fastest backend there is
 * and submitted too, so the trade batch is a real successor on chain.
 *
 * `--batch-size N` keeps every other prod parameter and proves N trades instead of 32.
 * The full batch (1.6M constraints, 2^21) compiles with circom2 at 4.03 GB, just under
 * what its 32-bit WebAssembly can address (docs/benchmarks.md, "Prod, measured").
 * Writes bench/prod.json; setup time is remembered next to the keys (a cached setup
 * reports the time it took when it ran).
 *
 * Usage: npx ts-node bench/prod.ts [--batch-size N] [--compile-only]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { ContractFactory, type Signer } from "ethers";
import type { DeployedContract } from "../prover/chain/deploy";
import { readDepositQueue, submitBatch } from "../prover/chain/settlement-client";
import { depositNew, devGenesis, devOrder, signedHeader, trade } from "../prover/dev/fixtures";
import { applyBatch, type Batch } from "../prover/state/batch";
import type { State } from "../prover/state/state";
import { batchOnChain } from "../prover/circuit-input/batch-data";
import { buildBatchInput } from "../prover/circuit-input/batch-input";
import type { BackendName } from "../prover/zk/backend";
import { nativeAddon } from "../prover/zk/backend-native";
import { loadBackend } from "../prover/zk/load-backend";
import { readSetup, terminateCurves, toSolidityCalldata, type Groth16Proof } from "../prover/zk/prover";
import { WitnessCalculator } from "../prover/zk/witness";
import { compileCircuit, REPO_ROOT } from "../scripts/lib/circom";
import { deployDevContracts, hardhatSigner, l1Deposit, startHardhatNode } from "../scripts/lib/dev-chain";
import { BATCH_CIRCUIT, batchMainSource, buildDir, loadCircuitParams, type CircuitParams } from "../scripts/lib/params";
import { compileContracts } from "../scripts/lib/pipeline";
import { setupCircuit } from "../scripts/lib/setup";
import { runBackend, summarize, type BackendRun } from "./backend-run";
import { benchOut } from "./out";
import { compileVerifier } from "./solc";

const USDC = 1_000_000n;
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

/** Compiles and sets up the prod circuit with `batchSize` ops (build/prod for the full one). */
async function build(paramsName: string, batchSize: number, compileOnly = false): Promise<{ params: CircuitParams; dir: string; constraints: number; power: number; compileMs: number; setupMs: number; zkeyBytes: number }> {
  const prod = loadCircuitParams(paramsName);
  const full = batchSize === prod.batchSize;
  const params: CircuitParams = full ? prod : { ...prod, batchSize, name: `prod-n${batchSize}` };
  const dir = full ? buildDir(prod) : path.join(REPO_ROOT, "build", "bench", "prod", `n${batchSize}`);
  let t = performance.now();
  const compiled = await compileCircuit({ name: BATCH_CIRCUIT, mainSource: batchMainSource(params), outDir: dir, inspect: false });
  // like the setup's below: a cached build reports the time its compilation took
  const compileTiming = path.join(dir, "bench-compile.json");
  if (!compiled.cached) fs.writeFileSync(compileTiming, JSON.stringify({ compileMs: performance.now() - t }) + "\n");
  const compileMs = fs.existsSync(compileTiming) ? (JSON.parse(fs.readFileSync(compileTiming, "utf8")) as { compileMs: number }).compileMs : Number.NaN;
  if (compileOnly) return { params, dir, constraints: compiled.constraints, power: Number.NaN, compileMs, setupMs: Number.NaN, zkeyBytes: Number.NaN };
  const timing = path.join(dir, "bench-setup.json");
  t = performance.now();
  const setup = await setupCircuit({ dir, circuit: BATCH_CIRCUIT, label: params.name, verifierOut: path.join(dir, "Groth16Verifier.sol") });
  if (!setup.cached) fs.writeFileSync(timing, JSON.stringify({ setupMs: performance.now() - t }) + "\n");
  const setupMs = fs.existsSync(timing) ? (JSON.parse(fs.readFileSync(timing, "utf8")) as { setupMs: number }).setupMs : Number.NaN;
  const zkeyBytes = fs.statSync(path.join(dir, setup.zkey)).size;
  return { params, dir, constraints: compiled.constraints, power: setup.power, compileMs, setupMs, zkeyBytes };
}

/** N trades of one contract on market 1, account 2k+1 selling to 2k+2. */
function tradeOps(s: State, n: number): Batch["ops"] {
  return Array.from({ length: n }, (_, k) =>
    trade(
      devOrder(s, { accountIndex: 2 * k + 1, marketId: 1, isBuy: false, size: 10n, limitPrice: 60n * USDC }),
      devOrder(s, { accountIndex: 2 * k + 2, marketId: 1, isBuy: true, size: 10n, limitPrice: 61n * USDC }),
      10n,
    ),
  );
}

async function main(): Promise<void> {
  const o = new Command("bench-prod")
    .option("--prod", "(what bench/run.ts passes along)")
    .option("--batch-size <n>", "trades in the proven batch (prod's own: 32)")
    .option("--params <name>", "another parameter set (ci: the same flow in minutes, to check the bench itself)", "prod")
    .option("--compile-only", "compile (and cache) the circuit, then stop: the slow single-core step, run apart from the timed ones")
    .option("--keep-witness <file>", "also write the trade batch's witness there (bench/device-native.js proves it elsewhere)")
    .parse()
    .opts<{ batchSize?: string; params: string; compileOnly?: boolean; keepWitness?: string }>();
  const N = o.batchSize === undefined ? loadCircuitParams(o.params).batchSize : Number(o.batchSize);
  if (!Number.isInteger(N) || N < 1) throw new Error(`--batch-size ${o.batchSize}: expected a positive integer`);
  const hasNative = !("problem" in nativeAddon());
  const backends: BackendName[] = hasNative ? ["native", "snarkjs"] : ["snarkjs"];

  const b = await build(o.params, N, o.compileOnly === true);
  if (o.compileOnly === true) {
    console.log(`${o.params}, N = ${N}: ${b.constraints} constraints, compiled in ${round(b.compileMs / 1000)} s (${b.dir})`);
    return;
  }
  console.log(`${o.params}, N = ${N}: ${b.constraints} constraints, 2^${b.power}, zkey ${round(b.zkeyBytes / 2 ** 20)} MiB, setup ${round(b.setupMs / 1000)} s`);
  await compileContracts();
  const { key, wasmPath } = readSetup(b.dir);
  const wc = await WitnessCalculator.load(wasmPath);
  const fast = await loadBackend(backends[0], key);

  const chain = await startHardhatNode();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-prod-"));
  try {
    const operator: Signer = hardhatSigner(0, chain.provider);
    let state = await devGenesis(b.params);
    const art = compileVerifier(path.join(b.dir, "Groth16Verifier.sol"));
    const verifier = (await (await new ContractFactory(art.abi as never, art.bytecode, operator).deploy()).waitForDeployment()) as unknown as DeployedContract;
    const contracts = await deployDevContracts(operator, b.params, state, 300, verifier);
    let timestamp = 0n;
    const nextBatch = async (ops: Batch["ops"]) => {
      const block = await chain.provider.getBlock("latest");
      timestamp = BigInt(Math.max(Number(timestamp) + 1, block?.timestamp ?? 0));
      const deposits = (await readDepositQueue(contracts.settlement, state.global.depositCount)).slice(0, ops.filter((op) => op.type === "DEPOSIT").length);
      return applyBatch(state, { header: signedHeader(state, timestamp), ops, deposits });
    };

    // two batches of N deposits open accounts 1..2N (proven with the fastest backend)
    for (let k = 0; k < 2 * N; k++) await l1Deposit(contracts, operator, depositNew(k + 1, 10_000n * USDC));
    for (let r = 0; r < 2; r++) {
      const { state: next, trace } = await nextBatch(Array.from({ length: N }, () => ({ type: "DEPOSIT" as const })));
      const { proof } = await fast.prove(await wc.wtns(buildBatchInput(b.params, trace)));
      await submitBatch(contracts.settlement, batchOnChain(b.params, trace).data, toSolidityCalldata(proof));
      state = next;
    }

    // the batch of N trades: one witness, each backend in its own process
    const { trace } = await nextBatch(tradeOps(state, N));
    const input = buildBatchInput(b.params, trace);
    await wc.wtns(input);
    const t0 = performance.now();
    const wtns = await wc.wtns(input);
    const witnessMs = performance.now() - t0;
    const wtnsFile = path.join(tmp, "trades.wtns");
    fs.writeFileSync(wtnsFile, wtns);
    if (o.keepWitness !== undefined) fs.writeFileSync(o.keepWitness, wtns);
    const runs: Partial<Record<BackendName, BackendRun>> = {};
    const onChainValid: Partial<Record<BackendName, boolean>> = {};
    const onChain = batchOnChain(b.params, trace);
    for (const name of backends) {
      const proofFile = path.join(tmp, `${name}.json`);
      runs[name] = runBackend(name, b.dir, wtnsFile, 1, proofFile);
      const { proof, publicSignals } = JSON.parse(fs.readFileSync(proofFile, "utf8")) as { proof: Groth16Proof; publicSignals: string[] };
      if (BigInt(publicSignals[0]) !== onChain.inputHash) throw new Error(`${name}: the proof's inputHash is not the batch's`);
      const cd = toSolidityCalldata(proof);
      onChainValid[name] = (await verifier.getFunction("verifyProof").staticCall([cd[0], cd[1]], [[cd[2], cd[3]], [cd[4], cd[5]]], [cd[6], cd[7]], [BigInt(publicSignals[0])])) as boolean;
      console.log(`${o.params}, N = ${N}, ${name}: proof ${round(runs[name].proveMs[0] / 1000, 2)} s, peak RSS ${round(runs[name].peakRssMb)} MB, on-chain verifier: ${onChainValid[name]}`);
    }
    const submitted = JSON.parse(fs.readFileSync(path.join(tmp, `${backends[0]}.json`), "utf8")) as { proof: Groth16Proof };
    const sub = await submitBatch(contracts.settlement, onChain.data, toSolidityCalldata(submitted.proof));
    const root = (await contracts.settlement.stateRoot()) as bigint;
    if (root !== trace.newStateRoot) throw new Error(`the contract's state root ${root} is not the batch's ${trace.newStateRoot}`);

    const summary = Object.fromEntries(Object.entries(runs).map(([name, run]) => [name, summarize(run)]));
    const out = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? "unknown", memGiB: round(os.totalmem() / 2 ** 30), node: process.version },
      params: o.params,
      fullBatch: N === loadCircuitParams(o.params).batchSize,
      batchSize: N,
      ops: "TRADE",
      constraints: b.constraints,
      ptauPower: b.power,
      zkeyBytes: b.zkeyBytes,
      compileMs: round(b.compileMs),
      setupMs: round(b.setupMs),
      witnessMs: round(witnessMs),
      backends: summary,
      ratio: summary.native && summary.snarkjs ? round(summary.snarkjs.proveMs / summary.native.proveMs, 2) : undefined,
      onChain: { verifierAccepts: onChainValid, submittedWith: backends[0], txHash: sub.txHash, gasUsed: sub.gasUsed.toString(), batchNumber: Number(await contracts.settlement.batchCount()) },
      method: "prod parameters with batchSize N; INSECURE dev keys; 2N accounts opened by two deposit batches (proven and submitted), then N TRADEs: one witness, each backend in its own process, one proof each (no warm-up: a prod proof is minutes), verified with snarkjs and by the generated verifier on a hardhat node; the first backend's proof submitted to Settlement. Shared 2-core CPU: compare ratios",
    };
    fs.writeFileSync(benchOut("prod.json"), JSON.stringify(out, null, 2) + "\n");
    console.log(`wrote ${benchOut("prod.json")}`);
  } finally {
    await chain.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
    await terminateCurves();
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  });
}
