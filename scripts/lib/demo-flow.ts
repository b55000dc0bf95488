/**
 * The demo scenario: deploy, deposit, publish oracle prices, trade, prove, verify,
 * submit, confirm, with one trade the rules refuse on the way. Runs against any
 * ethers signers (a `hardhat node` in scripts/demo.ts, the in-process Hardhat
 * network in test/e2e).
 */
import fs from "node:fs";
import path from "node:path";
import type { Provider, Signer } from "ethers";
import { applyBatch, type Op } from "../../prover/state/batch";
import { RuleError, formatUnits } from "../../prover/state/errors";
import type { Params } from "../../prover/state/params";
import type { State } from "../../prover/state/state";
import { stateSnapshot } from "../../prover/state/snapshot";
import { connect, type DeployedContract } from "../../prover/chain/deploy";
import { deployDevContracts } from "./dev-chain";
import { readDepositQueue, submitBatch } from "../../prover/chain/settlement-client";
import { buildBatchInput } from "../../prover/circuit-input/batch-input";
import { batchOnChain } from "../../prover/circuit-input/batch-data";
import { loadCircuit, toSolidityCalldata, type Groth16Proof } from "../../prover/zk/prover";
import { devGenesis, devPublicKey, signedHeader } from "../../prover/dev/fixtures";
import { markPrices } from "../../prover/state/global";
import { DEMO_STEPS, oversizedTrade, stepRates, type DemoStep } from "./demo-scenario";

const USDC = 1_000_000n;
const TRADERS = [1, 2, 3, 4];

export interface DemoOptions {
  params: Params;
  /** Build folder of the circuit (with setup.json). */
  circuitDir: string;
  /** Deployer and operator. */
  operator: Signer;
  /** One L1 wallet per trader account 1..4. */
  traders: Signer[];
  provider: Provider;
  outDir: string;
  log?: (line: string) => void;
}

export interface DemoBatch {
  number: number;
  oldStateRoot: string;
  newStateRoot: string;
  inputHash: string;
  txHash: string;
  gasUsed: string;
  ops: string[];
  timingsMs: { witness: number; prove: number; verify: number; submit: number };
}

export interface DemoResult {
  summary: { chainId: number; settlement: string; params: Record<string, number>; batches: DemoBatch[] };
  settlement: DeployedContract;
  state: State;
  /** The last batch's calldata and proof, for tests that replay or tamper with it. */
  last: { data: Uint8Array; proof: bigint[] };
  /** Withdrawals claimed on L1 at the end, per trader account. */
  claims: { account: number; amount: bigint }[];
}

function opLabel(op: Op): string {
  switch (op.type) {
    case "TRADE": {
      const buyer = op.maker.isBuy ? op.maker : op.taker;
      const seller = op.maker.isBuy ? op.taker : op.maker;
      return `TRADE m${op.maker.marketId} ${op.q}@${formatUnits(op.maker.limitPrice)} ${buyer.accountIndex}<-${seller.accountIndex}`;
    }
    case "WITHDRAW":
      return `WITHDRAW ${op.accountIndex} ${formatUnits(op.amount)}`;
    case "LIQUIDATE":
      return `LIQUIDATE ${op.liquidatee} m${op.liquidator.marketId} ${op.q}->${op.liquidator.liquidatorIndex}`;
    case "SETTLE":
      return `SETTLE ${op.accountIndex} m${op.marketId}`;
    case "DELEVERAGE":
      return `DELEVERAGE ${op.bankrupt} m${op.marketId} ${op.q}@${formatUnits(op.price)} ${op.counterparty}`;
    default:
      return op.type;
  }
}

async function deploy(o: DemoOptions, genesis: State): Promise<{ settlement: DeployedContract; token: DeployedContract }> {
  const { settlement, token } = await deployDevContracts(o.operator, o.params, genesis);
  return { settlement, token };
}

/** Lets chain time pass on a Hardhat network (the dated markets expire in two days). */
async function advanceTime(provider: Provider, seconds: number): Promise<void> {
  const rpc = provider as Provider & { send(method: string, params: unknown[]): Promise<unknown> };
  await rpc.send("evm_increaseTime", [seconds]);
  await rpc.send("evm_mine", []);
}

/** One step of the story: plan, prove, verify locally, submit, check the root. */
async function runStep(o: DemoOptions, ctx: StepContext, step: DemoStep, k: number): Promise<DemoBatch> {
  const { settlement, circuit, log } = ctx;
  if (step.advance) await advanceTime(o.provider, step.advance);
  for (const [account, amount] of step.forcedRequests ?? []) {
    await (await connect(settlement, o.traders[account - 1]).requestForcedWithdrawal(account, amount)).wait();
    log(`  trader ${account} requests a forced withdrawal of ${formatUnits(amount)} on L1`);
  }
  const state = ctx.state;
  const queue = await readDepositQueue(settlement, state.global.depositCount);
  const ops = step.ops(state);
  const block = await o.provider.getBlock("latest");
  ctx.timestamp = BigInt(Math.max(Number(ctx.timestamp) + 1, block?.timestamp ?? 0));
  const header = signedHeader(state, ctx.timestamp, step.prices ? step.prices(state) : markPrices(state.global), undefined, stepRates(step, state));
  if (k === 2) {
    try {
      applyBatch(state, { header, ops: [oversizedTrade(state)], deposits: [] });
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      log(`  ✗ refused before proving: ${e.message}`);
    }
  }
  const fromQueue = ops.filter((op) => op.type === "DEPOSIT" || op.type === "FORCED_WITHDRAW").length;
  const { state: next, trace } = applyBatch(state, { header, ops, deposits: queue.slice(0, fromQueue) });
  const { proof, publicSignals, timings } = await circuit.prove(buildBatchInput(o.params, trace));
  const t0 = performance.now();
  if (!(await circuit.verify(publicSignals, proof))) throw new Error(`batch ${k + 1}: local verification failed`);
  const verifyMs = performance.now() - t0;
  const onChain = batchOnChain(o.params, trace);
  if (BigInt(publicSignals[0]) !== onChain.inputHash) throw new Error(`batch ${k + 1}: circuit and encoder disagree on inputHash`);
  const calldata = toSolidityCalldata(proof);
  const sub = await submitBatch(settlement, onChain.data, calldata);
  const onChainRoot = (await settlement.stateRoot()) as bigint;
  if (onChainRoot !== trace.newStateRoot) throw new Error(`batch ${k + 1}: contract root ${onChainRoot} != ${trace.newStateRoot}`);
  const number = Number(await settlement.batchCount());
  writeProof(o.outDir, number, proof, publicSignals);
  ctx.state = next;
  ctx.withdrawn += trace.totalWithdrawn;
  ctx.last = { data: onChain.data, proof: calldata };
  const batch: DemoBatch = {
    number,
    oldStateRoot: trace.oldStateRoot.toString(),
    newStateRoot: trace.newStateRoot.toString(),
    inputHash: onChain.inputHash.toString(),
    txHash: sub.txHash,
    gasUsed: sub.gasUsed.toString(),
    ops: trace.slots.map((_, i) => (i < ops.length ? opLabel(ops[i]) : "NOOP")),
    timingsMs: { witness: round(timings.witnessMs), prove: round(timings.proveMs), verify: round(verifyMs), submit: round(sub.submitMs) },
  };
  log(`  batch ${number}: ${step.title}`);
  return batch;
}

interface StepContext {
  settlement: DeployedContract;
  circuit: Awaited<ReturnType<typeof loadCircuit>>;
  log: (line: string) => void;
  state: State;
  timestamp: bigint;
  withdrawn: bigint;
  last: { data: Uint8Array; proof: bigint[] };
}

/** Runs the whole scenario and writes `out/demo/`. */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const log = o.log ?? (() => undefined);
  fs.mkdirSync(o.outDir, { recursive: true });
  const circuit = await loadCircuit(o.circuitDir);
  if (circuit.insecure) log("!!! INSECURE development keys (dev powers of tau): demo only !!!");
  log(`proving with the ${circuit.backend.name} backend (${circuit.backend.device})`);
  const start = BigInt((await o.provider.getBlock("latest"))?.timestamp ?? 0);
  const genesis = await devGenesis(o.params, { timestamp: start, expiry: start + 2n * 86_400n });
  const { settlement, token } = await deploy(o, genesis);
  const network = await o.provider.getNetwork();
  log(`settlement ${await settlement.getAddress()} on chain ${network.chainId}`);

  let deposited = 0n;
  for (const [i, trader] of o.traders.slice(0, TRADERS.length).entries()) {
    const amount = 10_000n * USDC;
    const { ax, ay } = devPublicKey(TRADERS[i]);
    await (await connect(token, trader).mint(await trader.getAddress(), amount)).wait();
    await (await connect(token, trader).approve(await settlement.getAddress(), amount)).wait();
    await (await connect(settlement, trader).depositNew(ax, ay, amount)).wait();
    deposited += amount;
  }
  log(`${TRADERS.length} traders deposited ${formatUnits(deposited)} USDC on L1`);

  const ctx: StepContext = { settlement, circuit, log, state: genesis, timestamp: start, withdrawn: 0n, last: { data: new Uint8Array(), proof: [] } };
  const batches: DemoBatch[] = [];
  for (const [k, step] of DEMO_STEPS.entries()) batches.push(await runStep(o, ctx, step, k));

  const claims: { account: number; amount: bigint }[] = [];
  for (const account of TRADERS) {
    const owner = o.traders[account - 1];
    const amount = (await settlement.claimable(await owner.getAddress())) as bigint;
    if (amount === 0n) continue;
    await (await connect(settlement, owner).claim(await owner.getAddress())).wait();
    claims.push({ account, amount });
    log(`  trader ${account} claims ${formatUnits(amount)} USDC on L1`);
  }

  const summary = {
    chainId: Number(network.chainId),
    settlement: await settlement.getAddress(),
    params: { accountDepth: o.params.accountDepth, positionSlots: o.params.positionSlots, markets: o.params.markets, scenarios: o.params.scenarios, batchSize: o.params.batchSize },
    batches,
  };
  fs.writeFileSync(path.join(o.outDir, "summary.json"), JSON.stringify(summary, null, 2));
  fs.writeFileSync(path.join(o.outDir, "verification_key.json"), JSON.stringify(circuit.vkey, null, 2));
  fs.writeFileSync(path.join(o.outDir, "state.json"), JSON.stringify(stateSnapshot(ctx.state, { deposits: deposited, withdrawals: ctx.withdrawn }), null, 2));
  return { summary, settlement, state: ctx.state, last: ctx.last, claims };
}

function round(ms: number): number {
  return Math.round(ms);
}

function writeProof(outDir: string, n: number, proof: Groth16Proof, publicSignals: string[]): void {
  fs.writeFileSync(path.join(outDir, `batch-${n}.proof.json`), JSON.stringify(proof, null, 2));
  fs.writeFileSync(path.join(outDir, `batch-${n}.public.json`), JSON.stringify(publicSignals, null, 2));
}
