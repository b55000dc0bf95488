/**
 * Groth16 proving key, verification key and Solidity verifier for a parameter set:
 *   ts-node scripts/setup.ts --params ci|prod|FILE [--ptau FILE]
 * Needs build/<name>/batch_main.r1cs (scripts/build.ts). Without --ptau it uses the
 * INSECURE development ptau and names the zkey `batch_main.insecure.zkey`.
 */
import path from "node:path";
import { Command } from "commander";
import { REPO_ROOT } from "./lib/circom";
import { BATCH_CIRCUIT, buildDir, loadCircuitParams } from "./lib/params";
import { setupCircuit } from "./lib/setup";

async function main(): Promise<void> {
  const opts = new Command()
    .requiredOption("--params <name|file>", "parameter set: ci, prod or a JSON file")
    .option("--ptau <file>", "powers-of-tau file of a public ceremony (default: INSECURE dev ptau)")
    .parse()
    .opts<{ params: string; ptau?: string }>();
  const params = loadCircuitParams(opts.params);
  const res = await setupCircuit({
    dir: buildDir(params),
    circuit: BATCH_CIRCUIT,
    ptau: opts.ptau,
    label: params.name,
    verifierOut: path.join(REPO_ROOT, "contracts", "generated", "Groth16Verifier.sol"),
  });
  console.log(`params ${params.name}: ${res.constraints} constraints, power 2^${res.power}, made by ${res.madeBy}${res.cached ? " (cached)" : ""}`);
  console.log(`  zkey ${path.join(buildDir(params), res.zkey)}${res.insecure ? "   <-- INSECURE" : ""}`);
  console.log(`  verifier contracts/generated/Groth16Verifier.sol`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
