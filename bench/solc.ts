/**
 * Compiling a generated snarkjs verifier outside Hardhat's artifacts (bench/gas.ts
 * `--verifier`, bench/prod.ts), so that a bench circuit's verifier never replaces
 * contracts/generated/Groth16Verifier.sol, the ci circuit's.
 */
import fs from "node:fs";

/** Compiles a snarkjs verifier source with the npm solc (same settings as hardhat.config.ts). */
export function compileVerifier(file: string): { abi: unknown[]; bytecode: string } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { compile(input: string): string };
  const input = {
    language: "Solidity",
    sources: { "Groth16Verifier.sol": { content: fs.readFileSync(file, "utf8") } },
    settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun", outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (out.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  const c = out.contracts["Groth16Verifier.sol"].Groth16Verifier;
  return { abi: c.abi, bytecode: "0x" + c.evm.bytecode.object };
}
