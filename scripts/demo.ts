/**
 * The demo on embedded defaults (`npm run demo`): builds what is missing for the `ci`
 * parameters, starts a local Hardhat chain on 127.0.0.1, and runs the scenario of
 * scripts/lib/demo-flow.ts, printing a table per batch and writing out/demo/.
 */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { JsonRpcProvider, Network } from "ethers";
import { Command } from "commander";
import { REPO_ROOT } from "./lib/circom";
import { ensureBuilt } from "./lib/pipeline";
import { runDemo, type DemoBatch } from "./lib/demo-flow";
import { terminateCurves } from "../prover/zk/prover";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function startChain(port: number): Promise<{ node: ChildProcess; provider: JsonRpcProvider }> {
  const node = spawn(path.join(REPO_ROOT, "node_modules", ".bin", "hardhat"), ["node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: REPO_ROOT,
    stdio: "ignore",
  });
  const provider = new JsonRpcProvider(`http://127.0.0.1:${port}`, Network.from(31337), { staticNetwork: true, polling: true, pollingInterval: 50 });
  for (let i = 0; i < 600; i++) {
    if (node.exitCode !== null) throw new Error(`hardhat node exited with code ${node.exitCode}`);
    try {
      await provider.getBlockNumber();
      return { node, provider };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  node.kill();
  throw new Error("hardhat node did not answer within 60 s");
}

function table(batches: DemoBatch[]): string {
  const rows = [["batch", "ops", "witness ms", "prove ms", "verify ms", "submit→receipt ms", "gas used"]];
  for (const b of batches) {
    rows.push([String(b.number), b.ops.join("; "), ...[b.timingsMs.witness, b.timingsMs.prove, b.timingsMs.verify, b.timingsMs.submit].map(String), b.gasUsed]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ")).join("\n");
}

async function main(): Promise<void> {
  const opts = new Command()
    .description("Run the zksettle demo on a local Hardhat chain")
    .option("--params <name|file>", "parameter set", "ci")
    .option("--out <dir>", "output folder", path.join(REPO_ROOT, "out", "demo"))
    .parse()
    .opts<{ params: string; out: string }>();

  const built = await ensureBuilt(opts.params);
  console.log(`circuit ${built.params.name}: ${built.circuit.constraints} constraints, ptau 2^${built.setup.power}${built.setup.insecure ? " (INSECURE dev setup)" : ""}`);
  const { node, provider } = await startChain(await freePort());
  try {
    const signers = await Promise.all([0, 1, 2, 3, 4].map((i) => provider.getSigner(i)));
    const result = await runDemo({
      params: built.params,
      circuitDir: built.dir,
      operator: signers[0],
      traders: signers.slice(1),
      provider,
      outDir: opts.out,
      log: (l) => console.log(l),
    });
    console.log("\n" + table(result.summary.batches));
    console.log(`\nfinal state root ${result.state.stateRoot()} (on chain: ${await result.settlement.stateRoot()})`);
    console.log(`wrote ${path.relative(process.cwd(), opts.out)}/: summary.json, state.json, verification_key.json, batch-*.proof.json, batch-*.public.json`);
  } finally {
    provider.destroy();
    node.kill();
    await terminateCurves();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
