/**
 * `zksettle fallback`'s options (prover/fallback/command.ts): a bad option exits 2 naming
 * it, before any chain or circuit is touched.
 */
import { expect } from "chai";
import { Command } from "commander";
import { registerFallbackCommand } from "../../../prover/fallback/command";

const ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const KEY = "0x" + "11".repeat(32);

/** Runs `zksettle fallback …args` and returns the exit code and what it printed on stderr. */
async function run(args: string[]): Promise<{ code: number | undefined; err: string }> {
  let err = "";
  const prog = new Command("zksettle").exitOverride();
  registerFallbackCommand(prog, { out: () => undefined, err: (s) => (err += s) });
  const saved = process.exitCode;
  process.exitCode = undefined;
  try {
    await prog.parseAsync(["node", "zksettle", "fallback", ...args]);
    return { code: process.exitCode as number | undefined, err };
  } finally {
    process.exitCode = saved;
  }
}

describe("zksettle fallback options", () => {
  const base = ["--rpc", "http://127.0.0.1:1", "--build", "/nonexistent-build"];

  it("refuses a settlement that is not an address", async () => {
    const r = await run([...base, "--settlement", "0x1234", "--key", KEY, "--insecure-dev-oracle"]);
    expect(r.code).to.equal(2);
    expect(r.err).to.contain("--settlement 0x1234 is not an address");
  });

  it("refuses a missing or malformed key", async () => {
    const r = await run([...base, "--settlement", ADDRESS, "--key", "0x12", "--insecure-dev-oracle"]);
    expect(r.code).to.equal(2);
    expect(r.err).to.contain("--key (or ZKSETTLE_FALLBACK_KEY) must be a 32-byte hex private key");
  });

  it("needs exactly one header source", async () => {
    const none = await run([...base, "--settlement", ADDRESS, "--key", KEY]);
    expect(none.code).to.equal(2);
    expect(none.err).to.contain("name exactly one header source");
    const two = await run([...base, "--settlement", ADDRESS, "--key", KEY, "--insecure-dev-oracle", "--header-file", "h.json"]);
    expect(two.code).to.equal(2);
    expect(two.err).to.contain("name exactly one header source");
  });

  it("names the circuit build folder it cannot find", async () => {
    const r = await run([...base, "--settlement", ADDRESS, "--key", KEY, "--insecure-dev-oracle"]);
    expect(r.code).to.equal(2);
    expect(r.err).to.contain("/nonexistent-build/setup.json not found");
  });

  it("refuses a poll interval out of range", async () => {
    let message = "";
    try {
      await run([...base, "--settlement", ADDRESS, "--key", KEY, "--insecure-dev-oracle", "--poll-ms", "0"]);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).to.contain('--poll-ms "0": expected an integer in 10..3600000');
  });
});
