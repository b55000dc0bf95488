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
import { buildBatchInput } from "../../prover/witness/batch-input";
import { batchOnChain } from "../../prover/witness/batch-data";
import { loadCircuit, toSolidityCalldata, type Groth16Proof } from "../../prover/zk/prover";
import { devGenesis, devOrder, devPublicKey, signedHeader, trade } from "../../prover/dev/fixtures";

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
}

/** Plans the batches of the scenario on the current state (orders use current nonces). */
const plan: ((s: State) => { prices?: bigint[]; ops: Op[] })[] = [
  () => ({ ops: [{ type: "DEPOSIT" }, { type: "DEPOSIT" }] }),
  () => ({ ops: [{ type: "DEPOSIT" }, { type: "DEPOSIT" }] }),
  (s) => ({
    ops: [
      // 1 sells 20 BTC lots at 60 USDC to 2; 3 buys 50 ETH lots at 30 USDC from 4
      trade(
        devOrder(s, { accountIndex: 1, marketId: 1, isBuy: false, size: 20n, limitPrice: 60n * USDC, maxFeeBps: 5n }),
        devOrder(s, { accountIndex: 2, marketId: 1, isBuy: true, size: 20n, limitPrice: 61n * USDC, maxFeeBps: 10n }),
        20n, 2n, 5n,
      ),
      trade(
        devOrder(s, { accountIndex: 3, marketId: 2, isBuy: true, size: 50n, limitPrice: 30n * USDC, maxFeeBps: 5n }),
        devOrder(s, { accountIndex: 4, marketId: 2, isBuy: false, size: 80n, limitPrice: 29n * USDC, maxFeeBps: 10n }),
        50n, 2n, 5n,
      ),
    ],
  }),
  (s) => ({
    prices: [63n * USDC, 29n * USDC],
    ops: [
      // the BTC price rises; 2 takes profit on half (reduce-only), 3 adds ETH
      trade(
        devOrder(s, { accountIndex: 3, marketId: 1, isBuy: true, size: 10n, limitPrice: 63n * USDC, maxFeeBps: 5n }),
        devOrder(s, { accountIndex: 2, marketId: 1, isBuy: false, size: 10n, limitPrice: 62n * USDC, maxFeeBps: 10n }),
        10n, 2n, 5n,
      ),
      { type: "NOOP" },
    ],
  }),
];

/** A trade the risk rules refuse: 1 sells 5,000 BTC lots (300,000 USDC notional) to 4, each with 10,000 USDC. */
function oversizedTrade(s: State): Op {
  return trade(
    devOrder(s, { accountIndex: 1, marketId: 1, isBuy: false, size: 5_000n, limitPrice: 60n * USDC }),
    devOrder(s, { accountIndex: 4, marketId: 1, isBuy: true, size: 5_000n, limitPrice: 60n * USDC }),
    5_000n,
  );
}

function opLabel(op: Op): string {
  if (op.type !== "TRADE") return op.type;
  const buyer = op.maker.isBuy ? op.maker : op.taker;
  const seller = op.maker.isBuy ? op.taker : op.maker;
  return `TRADE m${op.maker.marketId} ${op.q}@${formatUnits(op.maker.limitPrice)} ${buyer.accountIndex}<-${seller.accountIndex}`;
}

async function deploy(o: DemoOptions, genesisRoot: bigint): Promise<{ settlement: DeployedContract; token: DeployedContract }> {
  const { settlement, token } = await deployDevContracts(o.operator, o.params, genesisRoot);
  return { settlement, token };
}

/** Runs the whole scenario and writes `out/demo/`. */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const log = o.log ?? (() => undefined);
  fs.mkdirSync(o.outDir, { recursive: true });
  const circuit = await loadCircuit(o.circuitDir);
  if (circuit.insecure) log("!!! INSECURE development keys (dev powers of tau): demo only !!!");
  let state = await devGenesis(o.params);
  const { settlement, token } = await deploy(o, state.stateRoot());
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

  const batches: DemoBatch[] = [];
  let last: { data: Uint8Array; proof: bigint[] } = { data: new Uint8Array(), proof: [] };
  let timestamp = state.global.oracleTimestamp;
  for (const [k, step] of plan.entries()) {
    const queue = await readDepositQueue(settlement, state.global.depositCount);
    const { prices, ops } = step(state);
    const block = await o.provider.getBlock("latest");
    timestamp = BigInt(Math.max(Number(timestamp) + 1, block?.timestamp ?? 0));
    const header = signedHeader(state, timestamp, prices);
    if (k === 2) {
      try {
        applyBatch(state, { header, ops: [oversizedTrade(state)], deposits: [] });
      } catch (e) {
        if (!(e instanceof RuleError)) throw e;
        log(`  ✗ refused before proving: ${e.message}`);
      }
    }
    const nDeposits = ops.filter((op) => op.type === "DEPOSIT").length;
    const { state: next, trace } = applyBatch(state, { header, ops, deposits: queue.slice(0, nDeposits) });
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
    batches.push({
      number,
      oldStateRoot: trace.oldStateRoot.toString(),
      newStateRoot: trace.newStateRoot.toString(),
      inputHash: onChain.inputHash.toString(),
      txHash: sub.txHash,
      gasUsed: sub.gasUsed.toString(),
      ops: trace.slots.map((_, i) => (i < ops.length ? opLabel(ops[i]) : "NOOP")),
      timingsMs: { witness: round(timings.witnessMs), prove: round(timings.proveMs), verify: round(verifyMs), submit: round(sub.submitMs) },
    });
    log(`  batch ${number}: ${batches[batches.length - 1].ops.join(", ")}`);
    state = next;
    last = { data: onChain.data, proof: calldata };
  }

  const summary = {
    chainId: Number(network.chainId),
    settlement: await settlement.getAddress(),
    params: { accountDepth: o.params.accountDepth, positionSlots: o.params.positionSlots, markets: o.params.markets, scenarios: o.params.scenarios, batchSize: o.params.batchSize },
    batches,
  };
  fs.writeFileSync(path.join(o.outDir, "summary.json"), JSON.stringify(summary, null, 2));
  fs.writeFileSync(path.join(o.outDir, "verification_key.json"), JSON.stringify(circuit.vkey, null, 2));
  fs.writeFileSync(path.join(o.outDir, "state.json"), JSON.stringify(stateSnapshot(state, { deposits: deposited, withdrawals: 0n }), null, 2));
  return { summary, settlement, state, last };
}

function round(ms: number): number {
  return Math.round(ms);
}

function writeProof(outDir: string, n: number, proof: Groth16Proof, publicSignals: string[]): void {
  fs.writeFileSync(path.join(outDir, `batch-${n}.proof.json`), JSON.stringify(proof, null, 2));
  fs.writeFileSync(path.join(outDir, `batch-${n}.public.json`), JSON.stringify(publicSignals, null, 2));
}
