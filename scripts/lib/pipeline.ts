/**
 * "Build what is missing": the circuit of a parameter set (cached by source hash,
 * checked with circom --inspect), its Groth16 keys and Solidity verifier (cached by
 * r1cs hash), the Hardhat artifacts, and the native prover addon where cargo is
 * installed (scripts/lib/native-build.ts; without it proofs use snarkjs). Shared by scripts/build.ts, the demo and the
 * test preparation, so that a fresh clone needs one command.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { compileCircuit, REPO_ROOT, type CompiledCircuit } from "./circom";
import { BATCH_CIRCUIT, batchMainSource, buildDir, loadCircuitParams, type CircuitParams } from "./params";
import { buildNative, type NativeBuild } from "./native-build";
import { setupCircuit, type SetupResult } from "./setup";
import { withSpinner } from "./progress";
import { writeLayout } from "./layout-gen";

/** Splits --inspect warnings into those of allow-listed circomlib templates and the rest. */
function applyAllowlist(warnings: string[]): { allowed: string[]; rejected: string[] } {
  const file = path.join(REPO_ROOT, "circuits", "inspect-allowlist.json");
  const templates = Object.keys((JSON.parse(fs.readFileSync(file, "utf8")) as { templates: Record<string, string> }).templates);
  const allowed: string[] = [];
  const rejected: string[] = [];
  for (const w of warnings) {
    const template = /In template "([A-Za-z0-9_]+)\(/.exec(w)?.[1];
    (template !== undefined && templates.includes(template) ? allowed : rejected).push(w);
  }
  return { allowed, rejected };
}

/** Fails on any --inspect warning outside the allowlist, printing each; returns the allow-listed ones. */
export function refuseInspectWarnings(warnings: string[]): string[] {
  const { allowed, rejected } = applyAllowlist(warnings);
  if (rejected.length > 0) {
    for (const w of rejected) console.error(w + "\n");
    throw new Error(`circom --inspect reported ${rejected.length} warning(s) outside circuits/inspect-allowlist.json`);
  }
  return allowed;
}

/** Rewrites the generated layout files from prover/state/layout/spec.ts if they are stale. */
export function generateLayout(): void {
  const written = writeLayout();
  if (written.length > 0) console.log(`layout: regenerated ${written.join(", ")} from prover/state/layout/spec.ts`);
}

/** Compiles the batch circuit; fails on any --inspect warning outside the allowlist. */
export async function buildCircuit(params: CircuitParams, inspect = true): Promise<CompiledCircuit> {
  generateLayout();
  const out = await compileCircuit({ name: BATCH_CIRCUIT, mainSource: batchMainSource(params), outDir: buildDir(params), inspect });
  refuseInspectWarnings(out.warnings);
  return out;
}

/** Compiles the contracts (after the verifier was generated). */
export async function compileContracts(): Promise<void> {
  generateLayout();
  await withSpinner("hardhat compile", async () => {
    execFileSync(path.join(REPO_ROOT, "node_modules", ".bin", "hardhat"), ["compile", "--quiet"], { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "inherit"] });
  });
}

export interface Built {
  params: CircuitParams;
  circuit: CompiledCircuit;
  setup: SetupResult;
  dir: string;
  native: NativeBuild;
}

/**
 * Everything a proof and a deployment need for a parameter set, built if missing.
 * @param paramsName - ci, prod or a JSON file
 * @param ptau - a ceremony file; omitted, the INSECURE dev ptau
 */
export async function ensureBuilt(paramsName: string, ptau?: string): Promise<Built> {
  const params = loadCircuitParams(paramsName);
  // Side by side: circom2 (WebAssembly) works on one core, cargo on what is left, and
  // neither needs the other. The addon comes before the keys: it makes the INSECURE dev
  // key in seconds where snarkjs takes minutes (scripts/lib/setup-native.ts).
  const [circuit, native] = await Promise.all([buildCircuit(params), buildNative()]);
  if ("problem" in native) console.error(`native prover not built (${native.problem.split("\n")[0]}): proofs and the dev setup use snarkjs`);
  const setup = await setupCircuit({
    dir: buildDir(params),
    circuit: BATCH_CIRCUIT,
    ptau,
    label: params.name,
    verifierOut: path.join(REPO_ROOT, "contracts", "generated", "Groth16Verifier.sol"),
  });
  await compileContracts();
  return { params, circuit, setup, dir: buildDir(params), native };
}
