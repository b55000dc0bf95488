/**
 * Gas of `submitBatch` per batch size and op type, with the real snarkjs verifier's
 * cost included, on the in-process Hardhat network (hardfork of hardhat.config.ts).
 *
 * The ci Groth16 verifier (contracts/generated/Groth16Verifier.sol, made by `npm test`'s
 * preparation; or any snarkjs verifier with one public input given by `--verifier
 * <file.sol>`) is deployed behind contracts/test/BenchVerifier.sol, which calls it and
 * ignores its answer: verification gas is real (the proof is made of valid curve points,
 * so the precompiles do their full work) while a batch of any size N can be measured.
 * The contract parameters are `prod`'s (D = 12, M = 8: OP_BYTES = 19) with N varied.
 *
 * For each series (all-TRADE, a mix, and one series per op type) and N in 1, 2, 4, 8,
 * 16, 32 it fits gas = fixed + perOp · N by least squares, checks the TRADE fit against
 * direct measurements at N = 256, 1024 and 4096, and writes bench/gas.json:
 *   { fixedPerBatch, perOp: { TRADE, … }, bytesPerOp: { TRADE, … }, … }
 * and prints a table. `--quick`: the TRADE and mixed series only.
 * Fallback batches (issue 20): queue ops only (DEPOSIT and FORCED_WITHDRAW alternating),
 * once from the operator and once from a third party in fallback mode (after
 * FORCED_DEADLINE and `enterFallback`), fitted the same way: `fallback` in gas.json.
 * The Groth16 verifier's own execution (`batchSizes.verifierGas`), measured alone, bounds
 * gas per TRADE from below at every N whatever carries the data (calldata or a blob).
 *
 * Usage: npx ts-node bench/gas.ts [--quick] [--verifier path/to/Groth16Verifier.sol]
 */
import fs from "node:fs";
import path from "node:path";
import { deployExitVerifier, deployPoseidons, deploySettlement, type DeployedContract } from "../prover/chain/deploy";
import { OP_CODE, encodeBatchData, encodeOp, layoutFor, type OpType, type WireOpInput } from "../prover/state/layout";
import { loadParams } from "../prover/state/params";
import { benchOut } from "./out";
import { rng } from "./rng";
import { compileVerifier } from "./solc";
import { packageRoot } from "../prover/package/root";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const hre = require("hardhat") as typeof import("hardhat");
const { ethers } = hre;

const ROOT = packageRoot();
const SIZES = [1, 2, 4, 8, 16, 32];
const CHECK_SIZES = [256, 1024, 4096];
const EXTRAPOLATE = [32, 256, 1024];
/** The batch sizes of the gas-per-TRADE table (bench/gas.json `batchSizes`), up to the largest that fits. */
const TABLE_SIZES = [32, 64, 128, 256, 512, 1024, 2048, 4096];
/** EIP-7825 (Osaka): no transaction may use more than 2^24 gas, whatever the block's limit. */
const TX_GAS_CAP = 2 ** 24;
/** Geth's transaction pool refuses a non-blob transaction above 128 KiB (txMaxSize), so a batch must fit in it. */
const TX_MAX_BYTES = 128 * 1024;
/** The issue-17 goal for gas per TRADE at the prod batch size. */
const GOAL_GAS_PER_TRADE = 400;
/** Loopring 3's figure for a trade at its largest blocks (gas per trade, calldata included). */
const LOOPRING_GAS_PER_TRADE = 365;
const GOAL = { fixedPerBatch: 260_000, tradeBytes: 20 };

/** A proof of valid points: A = C = G1's generator, B = G2's generator, in snarkjs calldata order. */
const PROOF = [
  1n,
  2n,
  11559732032986387107991004021392285783925812861821192530917403151452391805634n,
  10857046999023057135944570762232829481370756359578518086990519993285655852781n,
  4082367875863433681332203403145435568316851327593401208105741076214120093531n,
  8495653923123431417604973247489272438418190587263600148770280649306958101930n,
  1n,
  2n,
];

const prod = loadParams("prod");

/** One op of `type` with realistic field values; `i` picks distinct accounts. */
function opOf(type: OpType, i: number, r: () => number): WireOpInput {
  const account = (k: number): number => 1 + ((i * 2 + k) % 64);
  const big = (lo: number, hi: number): bigint => BigInt(Math.floor(lo + r() * (hi - lo)));
  const marketId = 1 + Math.floor(r() * prod.markets);
  switch (type) {
    case "NOOP":
    case "DEPOSIT":
    case "FORCED_WITHDRAW":
      return type === "FORCED_WITHDRAW" ? { type, accountIndex: account(0), amount: big(1e6, 1e11) } : { type };
    case "TRADE":
      return {
        type,
        makerIndex: Math.floor(r() * 4 ** 12),
        takerIndex: Math.floor(r() * 4 ** 12),
        marketId,
        makerIsBuy: r() < 0.5,
        q: big(1, 2 ** 20),
        price: big(1e6, 1e11),
        makerFeeBps: 2,
        takerFeeBps: 5,
      };
    case "WITHDRAW":
      return { type, accountIndex: account(0), amount: big(1e6, 1e11) };
    case "LIQUIDATE":
      return { type, liquidatee: account(0), liquidator: account(1), marketId, q: big(1, 2 ** 16) };
    case "SETTLE":
      return { type, accountIndex: account(0), marketId };
    case "DELEVERAGE":
      return { type, bankrupt: account(0), counterparty: account(1), marketId, q: big(1, 2 ** 16), price: big(1e6, 1e11) };
  }
}

/** The mixed series: 70% trades, 10% deposits, 10% withdrawals, 10% liquidations/settlements. */
function mixOf(i: number): OpType {
  const k = i % 10;
  return k < 7 ? "TRADE" : k === 7 ? "DEPOSIT" : k === 8 ? "WITHDRAW" : i % 20 === 9 ? "LIQUIDATE" : "SETTLE";
}

/** Calldata gas of bytes (EIP-2028: 4 per zero byte, 16 per non-zero byte). */
const calldataGas = (bytes: Uint8Array): number => bytes.reduce((g, b) => g + (b === 0 ? 4 : 16), 0);

/** Least squares fit y = a + b·x. */
function fit(points: [number, number][]): { fixed: number; perOp: number } {
  const n = points.length;
  const sx = points.reduce((s, [x]) => s + x, 0);
  const sy = points.reduce((s, [, y]) => s + y, 0);
  const sxx = points.reduce((s, [x]) => s + x * x, 0);
  const sxy = points.reduce((s, [x, y]) => s + x * y, 0);
  const perOp = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  return { fixed: (sy - perOp * sx) / n, perOp };
}

/** The real verifier: the Hardhat artifact, or `--verifier <file>`; undefined when neither exists. */
async function realVerifier(signer: import("ethers").Signer): Promise<{ address: string; source: string } | undefined> {
  const flag = process.argv.indexOf("--verifier");
  const generated = path.join(ROOT, "contracts", "generated", "Groth16Verifier.sol");
  let art: { abi: unknown[]; bytecode: string };
  let source: string;
  if (flag >= 0) {
    source = process.argv[flag + 1];
    art = compileVerifier(source);
  } else if (fs.existsSync(generated)) {
    source = "contracts/generated/Groth16Verifier.sol";
    art = await hre.artifacts.readArtifact("contracts/generated/Groth16Verifier.sol:Groth16Verifier");
  } else {
    return undefined;
  }
  const factory = new ethers.ContractFactory(art.abi as never, art.bytecode, signer);
  const c = await factory.deploy();
  await c.waitForDeployment();
  return { address: await c.getAddress(), source };
}

/**
 * Execution gas of the Groth16 verifier alone: a transaction that calls its verifyProof
 * with PROOF, less the 21,000 intrinsic gas and the call's calldata gas (4 per zero byte,
 * 16 per other byte). It is fixed per batch whatever the batch carries.
 */
async function verifierExecutionGas(verifier: string): Promise<number> {
  const [operator] = await ethers.getSigners();
  const iface = new ethers.Interface(["function verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[1]) view returns (bool)"]);
  const data = iface.encodeFunctionData("verifyProof", [
    [PROOF[0], PROOF[1]],
    [
      [PROOF[2], PROOF[3]],
      [PROOF[4], PROOF[5]],
    ],
    [PROOF[6], PROOF[7]],
    [1n],
  ]);
  const receipt = await (await operator.sendTransaction({ to: verifier, data })).wait();
  return Number(receipt!.gasUsed) - 21_000 - calldataGas(ethers.getBytes(data));
}

interface Shared {
  verifier: string;
  token: string;
  poseidons: string[];
  exitVerifier: string;
}

/** Deploys a settlement with N slots and measures one batch of `types` (from a third party in fallback mode with `asFallback`). */
async function measure(shared: Shared, types: OpType[], owners: string[], asFallback = false): Promise<{ gas: number; bytes: number; tokens: number }> {
  const [operator, stranger] = await ethers.getSigners();
  const params = { ...prod, batchSize: types.length };
  const { settlement } = await deploySettlement(operator, {
    verifier: shared.verifier,
    token: shared.token,
    genesisStateRoot: 1n,
    params,
    maxOracleDrift: 300,
    poseidons: shared.poseidons,
    exitVerifier: shared.exitVerifier,
  });
  const token = (await ethers.getContractAt("TestToken", shared.token)) as unknown as DeployedContract;
  await token.approve(settlement, ethers.MaxUint256);
  // Accounts 1..64 with distinct owners: a credited withdrawal writes a fresh claimable slot (the worst case).
  const needsAccounts = types.some((t) => t !== "TRADE" && t !== "NOOP");
  const queued = types.filter((t) => t === "DEPOSIT" || t === "FORCED_WITHDRAW").length;
  if (needsAccounts) {
    for (let i = 1; i <= 64; i++) {
      await settlement.depositNew(i, 1, 1_000_000n);
      await settlement.transferAccountOwnership(i, owners[i]);
    }
  }
  // The batch consumes the 64 account openings and one queue entry per DEPOSIT / FORCED_WITHDRAW.
  for (let i = 0; i < queued; i++) await settlement.deposit(1 + (i % 64), 1_000_000n);
  const r = rng(types.length * 7919 + types.indexOf("TRADE"));
  const ops = types.map((t, i) => opOf(t, i, r));
  const now = (await ethers.provider.getBlock("latest"))!.timestamp;
  const header = {
    timestamp: now,
    markPrices: Array.from({ length: prod.markets }, (_, m) => 60_000_000n + BigInt(m) * 1_234_567n),
    fundingRates: Array.from({ length: prod.markets }, (_, m) => BigInt(m * 1000 - 3000)),
    riskHash: 3n, // any field element: the MockVerifier accepts the batch, only the bytes matter
  };
  const depositsEnd = Number(await settlement.depositCount());
  const data = encodeBatchData(params, { oldStateRoot: 1n, newStateRoot: 2n, depositsEnd, header, ops });
  let submitter = settlement;
  if (asFallback) {
    await ethers.provider.send("evm_increaseTime", [Number(await settlement.FORCED_DEADLINE()) + 1]);
    submitter = settlement.connect(stranger) as DeployedContract;
    await submitter.enterFallback();
  }
  const tx = await submitter.submitBatch(data, PROOF);
  const receipt = await tx.wait();
  // EIP-7623 calldata tokens of the whole transaction: zero bytes + 4 · non-zero bytes.
  const tokens = ethers.getBytes(tx.data).reduce((t: number, b: number) => t + (b === 0 ? 1 : 4), 0);
  return { gas: Number(receipt!.gasUsed), bytes: data.length, tokens };
}

/**
 * Gas per TRADE against batch size, from the fits (checked against direct measurements):
 * the larger of the execution gas and EIP-7623's calldata floor (21,000 + 10 per token),
 * per TRADE, for the sizes of TABLE_SIZES up to the largest batch that fits both a
 * transaction (EIP-7825's 2^24 gas) and the transaction pool (128 KiB).
 */
function gasByBatchSize(
  trade: { fixed: number; perOp: number },
  tokens: { fixed: number; perOp: number },
  measured: readonly { n: number; bytes: number }[],
  prodBatchSize: number,
  verifierGas: number,
) {
  const bytes = fit(measured.map((x) => [x.n, x.bytes]));
  // Around `data`: the selector, its offset, the proof's 8 words, its length and up to 31
  // bytes of padding; then the transaction's own RLP fields and signature (under 128 bytes).
  const envelope = 4 + 32 * 10 + 31 + 128;
  const at = (n: number) => {
    const execution = trade.fixed + trade.perOp * n;
    const floor = 21_000 + 10 * (tokens.fixed + tokens.perOp * n);
    return { execution, floor, total: Math.max(execution, floor), txBytes: Math.round(bytes.fixed + bytes.perOp * n + envelope) };
  };
  const byGas = Math.floor((TX_GAS_CAP - 21_000 - 10 * tokens.fixed) / (10 * tokens.perOp));
  const byBytes = Math.floor((TX_MAX_BYTES - envelope - bytes.fixed) / bytes.perOp);
  const maxBatchSize = Math.min(byGas, byBytes);
  const sizes = [...new Set([...TABLE_SIZES.filter((n) => n < maxBatchSize), prodBatchSize, maxBatchSize])].sort((a, b) => a - b);
  const rows = sizes.map((n) => {
    const g = at(n);
    return {
      n,
      totalGas: Math.round(g.total),
      gasPerTrade: Math.round(g.total / n),
      executionPerTrade: Math.round(g.execution / n),
      floorPerTrade: Math.round(g.floor / n),
      floorBinds: g.floor > g.execution,
      verifierPerTrade: Math.round(verifierGas / n),
      txBytes: g.txBytes,
    };
  });
  return {
    rows,
    maxBatchSize,
    maxBatchLimit: byBytes <= byGas ? `${TX_MAX_BYTES} bytes per transaction (geth's pool)` : `${TX_GAS_CAP} gas per transaction (EIP-7825)`,
    floorFromBatchSize: rows.find((x) => x.floorBinds)?.n ?? null,
    floorPerTradeLimit: Math.round(10 * tokens.perOp),
    goalGasPerTrade: GOAL_GAS_PER_TRADE,
    verifierGas,
    smallestBatchForGoal: Math.ceil(verifierGas / GOAL_GAS_PER_TRADE),
    note: "gas per TRADE = max(execution, EIP-7623 floor) / N from the fits of this file (checks: direct measurements at N = 256, 1024, 4096); the floor alone tends to 10 · calldataTokensPerTrade as N grows, so no batch size brings a TRADE below it; verifierPerTrade is the Groth16 verifier's execution alone (verifierGas: its pairing check and public-input MSM, measured) over N, a bound under any data path, so no batch below smallestBatchForGoal can meet the goal",
  };
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  await hre.run("compile", { quiet: true });
  const [operator] = await ethers.getSigners();
  const inner = await realVerifier(operator);
  if (!inner) {
    console.log(
      "bench/gas: skipped — contracts/generated/Groth16Verifier.sol is absent (run `npm test` once, which builds the ci circuit and its verifier, or pass --verifier <file.sol>).",
    );
    return;
  }
  const bench = await ethers.deployContract("BenchVerifier", [inner.address]);
  const token = await ethers.deployContract("TestToken");
  await token.mint(operator, 10n ** 30n);
  const poseidons = await deployPoseidons(operator);
  const exitVerifier = await (await deployExitVerifier(operator, poseidons, prod)).getAddress();
  const shared: Shared = { verifier: await bench.getAddress(), token: await token.getAddress(), poseidons, exitVerifier };
  const owners = Array.from({ length: 65 }, (_, i) => ethers.getAddress(ethers.toBeHex(0x10000n + BigInt(i), 20)));

  const series: Record<string, (i: number) => OpType> = { TRADE: () => "TRADE", MIX: mixOf };
  if (!quick) for (const t of Object.keys(OP_CODE) as OpType[]) if (t !== "TRADE") series[t] = () => t;

  const rows: Record<string, { n: number; gas: number; bytes: number; tokens: number }[]> = {};
  const fits: Record<string, { fixed: number; perOp: number }> = {};
  for (const [name, typeAt] of Object.entries(series)) {
    rows[name] = [];
    for (const n of SIZES) {
      const m = await measure(shared, Array.from({ length: n }, (_, i) => typeAt(i)), owners);
      rows[name].push({ n, ...m });
    }
    fits[name] = fit(rows[name].map((x) => [x.n, x.gas]));
    console.log(
      `${name.padEnd(16)} ${rows[name].map((x) => `N=${x.n}: ${x.gas}`).join("  ")}  → fixed ${Math.round(fits[name].fixed)}, per op ${Math.round(fits[name].perOp)}`,
    );
  }
  // Queue ops only, as `zksettle fallback` submits them: from the operator, then from a stranger in fallback mode.
  const queueOp = (i: number): OpType => (i % 2 === 0 ? "DEPOSIT" : "FORCED_WITHDRAW");
  const fallbackFits: Record<string, { fixed: number; perOp: number }> = {};
  for (const [name, asFallback] of [["operator", false], ["fallback", true]] as const) {
    const pts: [number, number][] = [];
    for (const n of SIZES) pts.push([n, (await measure(shared, Array.from({ length: n }, (_, i) => queueOp(i)), owners, asFallback)).gas]);
    fallbackFits[name] = fit(pts);
    console.log(`QUEUE (${name.padEnd(8)}) ${pts.map(([n, g]) => `N=${n}: ${g}`).join("  ")}  → fixed ${Math.round(fallbackFits[name].fixed)}, per op ${Math.round(fallbackFits[name].perOp)}`);
  }
  const checks = [] as { n: number; measured: number; predicted: number; tokens: number }[];
  for (const n of CHECK_SIZES) {
    const m = await measure(shared, Array.from({ length: n }, () => "TRADE" as OpType), owners);
    checks.push({ n, measured: m.gas, predicted: Math.round(fits.TRADE.fixed + fits.TRADE.perOp * n), tokens: m.tokens });
  }

  const L = layoutFor(prod);
  const r = rng(1);
  const types = Object.keys(OP_CODE) as OpType[];
  const bytesPerOp = Object.fromEntries(types.map((t) => [t, L.OP_BYTES]));
  const calldataGasPerOp = Object.fromEntries(
    types.map((t) => {
      const samples = Array.from({ length: 64 }, (_, i) => calldataGas(encodeOp(prod, opOf(t, i, r))));
      return [t, Math.round(samples.reduce((a, b) => a + b, 0) / samples.length)];
    }),
  );
  const trade = fits.TRADE;
  // EIP-7623 (Prague, in Hardhat's default hardfork): gasUsed ≥ 21000 + 10 · calldata tokens.
  // With a ~200k verifier the floor does not bind at small N; at large N it does.
  const tokenFit = fit(rows.TRADE.map((x) => [x.n, x.tokens]));
  const extrapolation = Object.fromEntries(
    EXTRAPOLATE.map((n) => {
      const standard = Math.round(trade.fixed + trade.perOp * n);
      const floor = Math.round(21_000 + 10 * (tokenFit.fixed + tokenFit.perOp * n));
      const total = Math.max(standard, floor);
      return [String(n), { standardGas: standard, eip7623FloorGas: floor, totalGas: total, gasPerTrade: Math.round(total / n) }];
    }),
  );
  const verifierGas = await verifierExecutionGas(inner.address);
  const table = gasByBatchSize(trade, tokenFit, rows.TRADE, prod.batchSize, verifierGas);
  const out = {
    fixedPerBatch: Math.round(trade.fixed),
    perOp: Object.fromEntries(Object.entries(fits).filter(([k]) => k !== "MIX").map(([k, f]) => [k, Math.round(f.perOp)])),
    bytesPerOp,
    calldataGasPerOp,
    mix: { fixed: Math.round(fits.MIX.fixed), perOp: Math.round(fits.MIX.perOp), ops: "70% TRADE, 10% DEPOSIT, 10% WITHDRAW, 5% LIQUIDATE, 5% SETTLE" },
    extrapolation,
    prodBatchSize: prod.batchSize,
    gasPerTradeAtProdBatch: table.rows.find((x) => x.n === prod.batchSize)?.gasPerTrade ?? null,
    batchSizes: table,
    fallback: {
      ops: "DEPOSIT and FORCED_WITHDRAW alternating (each FORCED_WITHDRAW credits a fresh owner)",
      operator: { fixed: Math.round(fallbackFits.operator.fixed), perOp: Math.round(fallbackFits.operator.perOp) },
      fallbackMode: { fixed: Math.round(fallbackFits.fallback.fixed), perOp: Math.round(fallbackFits.fallback.perOp) },
      note: "fallbackMode: a third party's batch after enterFallback (queue-first rule checked, FallbackBatchFinalized logged)",
    },
    calldataTokensPerTrade: Math.round(tokenFit.perOp * 10) / 10,
    checks,
    measured: rows,
    setup: {
      params: { accountDepth: prod.accountDepth, markets: prod.markets, opBytes: L.OP_BYTES, headerBytes: L.HEADER_BYTES },
      verifier: inner.source,
      hardfork: hre.config.networks.hardhat.hardfork,
      note: "gasUsed of the submitBatch transaction (21,000 intrinsic gas and calldata included); WITHDRAW/FORCED_WITHDRAW credit a fresh owner each (worst case)",
    },
    goal: { fixedPerBatch: GOAL.fixedPerBatch, tradeBytes: GOAL.tradeBytes, loopringGasPerTrade: LOOPRING_GAS_PER_TRADE },
  };
  fs.writeFileSync(benchOut("gas.json"), JSON.stringify(out, null, 2) + "\n");
  console.log(`\nfixed per batch ${out.fixedPerBatch} gas (goal ≤ ${GOAL.fixedPerBatch}); TRADE ${out.perOp.TRADE} gas and ${bytesPerOp.TRADE} bytes per op (goal ≤ ${GOAL.tradeBytes} bytes)`);
  for (const c of checks) console.log(`check N=${c.n}: measured ${c.measured}, fit ${c.predicted}, EIP-7623 floor ${21_000 + 10 * c.tokens}`);
  for (const x of table.rows) {
    console.log(`N=${String(x.n).padStart(5)}: ${x.gasPerTrade} gas per TRADE (execution ${x.executionPerTrade}, EIP-7623 floor ${x.floorPerTrade}${x.floorBinds ? ", binds" : ""})`);
  }
  console.log(`Groth16 verifier alone: ${verifierGas} gas per batch, so no batch below N = ${table.smallestBatchForGoal} reaches ${GOAL_GAS_PER_TRADE} gas per TRADE`);
  console.log(`largest batch: ${table.maxBatchSize} (${table.maxBatchLimit}); floor per TRADE as N grows: ${table.floorPerTradeLimit}; prod batch ${prod.batchSize}: ${out.gasPerTradeAtProdBatch} gas per TRADE (goal ≤ ${GOAL_GAS_PER_TRADE})`);
  console.log(`wrote ${benchOut("gas.json")}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
