/**
 * Writes the layout constants of prover/state/layout/spec.ts into the circuit
 * (circuits/lib/generated/layout.circom) and the contract (contracts/layout/OpLayout.sol).
 * The build runs it before compiling either; `--check` only reports stale files and
 * exits 1 if there are any (what test/scripts/gen-layout.test.ts asserts).
 *
 *   npm run gen:layout [-- --check]
 */
import { staleLayout, writeLayout } from "./lib/layout-gen";

if (process.argv.includes("--check")) {
  const stale = staleLayout();
  for (const f of stale) console.error(`${f} is out of date: run npm run gen:layout`);
  process.exit(stale.length === 0 ? 0 : 1);
}
const written = writeLayout();
console.log(written.length === 0 ? "layout: generated files up to date" : `layout: wrote ${written.join(", ")}`);
