/**
 * `zksettle fallback`'s options (prover/run/fallback-command.ts): a bad option exits 2 naming
 * it, before any chain or circuit is touched.
 */
import { expect } from "chai";
import path from "node:path";
import { Command } from "commander";
import { registerFallbackCommand } from "../../../prover/run/fallback-command";

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
  const base = ["--rpc-url", "http://127.0.0.1:1", "--build-dir", "/nonexistent-build"];

  /** The message of what `run` threw (commander refuses a bad value while parsing). */
  async function refusal(args: string[]): Promise<string> {
    try {
      await run(args);
    } catch (e) {
      return (e as Error).message;
    }
    return "";
  }

  it("refuses a settlement that is not an address", async () => {
    expect(await refusal([...base, "--settlement", "0x1234", "--signer-key", KEY, "--insecure-dev-oracle"])).to.contain('--settlement "0x1234": does not match');
    const badChecksum = ADDRESS.replace("aa3", "aA3");
    const r = await run([...base, "--settlement", badChecksum, "--signer-key", KEY, "--insecure-dev-oracle"]);
    expect(r.code).to.equal(2);
    expect(r.err).to.contain(`--settlement ${badChecksum} is not an address`);
  });

  it("refuses a missing or malformed key, never printing it", async () => {
    const bad = await refusal([...base, "--settlement", ADDRESS, "--signer-key", "0x12", "--insecure-dev-oracle"]);
    expect(bad).to.contain("--signer-key <secret>: does not match").and.not.contain("0x12");
    const saved = process.env.ZKSETTLE_SIGNER_KEY;
    delete process.env.ZKSETTLE_SIGNER_KEY;
    try {
      const r = await run([...base, "--settlement", ADDRESS, "--insecure-dev-oracle"]);
      expect(r.code).to.equal(2);
      expect(r.err).to.contain("--signer-key (better: env ZKSETTLE_SIGNER_KEY) must be the paying account's 32-byte hex private key");
    } finally {
      if (saved !== undefined) process.env.ZKSETTLE_SIGNER_KEY = saved;
    }
  });

  it("needs exactly one header source", async () => {
    const none = await run([...base, "--settlement", ADDRESS, "--signer-key", KEY]);
    expect(none.code).to.equal(2);
    expect(none.err).to.contain("name exactly one header source");
    const two = await run([...base, "--settlement", ADDRESS, "--signer-key", KEY, "--insecure-dev-oracle", "--header-file", "h.json"]);
    expect(two.code).to.equal(2);
    expect(two.err).to.contain("name exactly one header source");
  });

  it("names the circuit build folder it cannot find", async () => {
    const r = await run([...base, "--settlement", ADDRESS, "--signer-key", KEY, "--insecure-dev-oracle"]);
    expect(r.code).to.equal(2);
    expect(r.err).to.contain("/nonexistent-build/setup.json not found");
  });

  it("finds the circuit of --params in build/<params>/ as serve does", async () => {
    const r = await run(["--params", "no_such_set", "--settlement", ADDRESS, "--signer-key", KEY, "--insecure-dev-oracle"]);
    expect(r.code).to.equal(2);
    expect(r.err).to.contain(`${path.join("build", "no_such_set", "setup.json")} not found`).and.contain("--params");
  });

  it("refuses a poll interval out of range", async () => {
    expect(await refusal([...base, "--settlement", ADDRESS, "--signer-key", KEY, "--insecure-dev-oracle", "--poll-interval", "0"])).to.contain('--poll-interval "0": expected an integer in 10..600000');
  });
});
