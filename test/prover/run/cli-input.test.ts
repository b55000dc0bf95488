/**
 * Command-line input is checked everywhere (issue 19 item 6): integers are decimal
 * digits only, `zksettle config` checks the URL and the files it prints, every path
 * option names itself in its error, and a refusal is one line with exit code 2.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidArgumentError } from "commander";
import fc from "fast-check";
import { hashApiKey } from "../../../prover/api/auth";
import { intArg, numberArg } from "../../../prover/run/cli-args";
import { workerCommand } from "../../../prover/run/worker-command";
import { ConfigError, loadConfig, type Config } from "../../../prover/service/config";
import { fileProblems } from "../../../prover/service/config-files";

const ROOT = join(__dirname, "..", "..", "..");
const KEYS = { ZKSETTLE_API_KEY_HASHES: hashApiKey("k") };

function problemsOf(flags: Record<string, unknown>): string {
  try {
    loadConfig({ flags, env: KEYS });
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return (e as ConfigError).problems.join("\n");
  }
  return "";
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "zksettle-cli-"));
}

function config(over: Partial<Config>): Config {
  return { ...loadConfig({ env: KEYS }), dataDir: tmp(), ...over };
}

describe("# cli input", function () {
  it("refuses an integer option written as an exponent, in hex, with a fraction or blank", function () {
    for (const v of ["1e3", "0x50", "80.5", " ", "", "0b1", "Infinity", "8_0", "1,000"]) {
      expect(problemsOf({ port: v }), v).to.contain(`port (--port): ${JSON.stringify(v)} is not an integer`);
    }
    expect(problemsOf({ batchInterval: "1e-2" })).to.contain("batchInterval (--batch-interval)");
    expect(loadConfig({ flags: { port: "8081", batchInterval: "0.5" }, env: KEYS })).to.include({ port: 8081, batchInterval: 0.5 });
  });

  it("reads every decimal integer in range as itself and refuses every other string (property)", function () {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), (n) => loadConfig({ flags: { port: String(n) }, env: KEYS }).port === n),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.string(), (s) => {
        fc.pre(!/^[+-]?\d+$/.test(s.trim()));
        return problemsOf({ port: s }).includes("port (--port)");
      }),
      { numRuns: 300 },
    );
  });

  it("refuses an RPC URL that is not an http(s) or ws(s) URL", function () {
    expect(problemsOf({ rpcUrl: "notaurl" })).to.contain('rpcUrl: "notaurl" is not a URL');
    expect(problemsOf({ rpcUrl: "ftp://127.0.0.1:8545" })).to.contain("the scheme must be http, https, ws or wss");
    expect(problemsOf({ rpcUrl: "https://rpc.example.org/v1" })).to.equal("");
  });

  it("names --genesis when its file is missing, not JSON, or not a genesis for --params", async function () {
    const dir = tmp();
    expect((await fileProblems(config({ genesis: "/missing.json" }))).join("\n")).to.contain("genesis (--genesis): /missing.json does not exist");
    writeFileSync(join(dir, "bad.json"), "{oops");
    expect((await fileProblems(config({ genesis: join(dir, "bad.json") }))).join("\n")).to.match(/^genesis \(--genesis\): .*bad\.json: .*JSON/m);
    writeFileSync(join(dir, "empty.json"), "{}");
    expect((await fileProblems(config({ genesis: join(dir, "empty.json") }))).join("\n")).to.contain("genesis (--genesis)").and.contain("oracleKeys");
    expect((await fileProblems(config({ genesis: dir }))).join("\n")).to.contain(`genesis (--genesis): ${dir} is not a file`);
  });

  it("names --data-dir when it is a file, --store when its directory is a file, --risk-config when missing", async function () {
    const dir = tmp();
    const f = join(dir, "plain");
    writeFileSync(f, "x");
    expect((await fileProblems(config({ dataDir: f }))).join("\n")).to.contain(`dataDir (--data-dir): ${f} is not a directory`);
    expect((await fileProblems(config({ dataDir: join(f, "below") }))).join("\n")).to.contain(`dataDir (--data-dir): ${f} is not a directory`);
    expect((await fileProblems(config({ store: join(f, "jobs.sqlite") }))).join("\n")).to.contain(`store (--store): ${f} is not a directory`);
    expect((await fileProblems(config({ riskConfig: join(dir, "nope.json") }))).join("\n")).to.contain("riskConfig (--risk-config)");
    expect(await fileProblems(config({ dataDir: join(dir, "new", "deeper") }))).to.deep.equal([]);
  });

  it("`zksettle config` exits 2 naming every problem (no stack) and prints only a configuration it checked", function () {
    this.timeout(120_000);
    const run = (args: string[]) =>
      spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", join(ROOT, "prover", "cli.ts"), "config", ...args], {
        cwd: ROOT,
        env: { ...process.env, ...KEYS },
        encoding: "utf8",
      });
    const bad = run(["--rpc-url", "notaurl", "--port", "0x50"]);
    expect(bad.status, bad.stderr).to.equal(2);
    expect(bad.stderr).to.contain("rpcUrl").and.contain("port (--port)").and.not.match(/\n\s+at /);
    const missing = run(["--genesis", "/missing.json"]);
    expect(missing.status, missing.stderr).to.equal(2);
    expect(missing.stderr).to.contain("genesis (--genesis): /missing.json does not exist").and.not.match(/\n\s+at /);
    const ok = run(["--data-dir", tmp()]);
    expect(ok.status, ok.stderr).to.equal(0);
    expect(JSON.parse(ok.stdout)).to.include({ rpcUrl: "http://127.0.0.1:8545" });
  });

  it("strict flag parsers refuse exponents, hex, fractions and out-of-range values, naming the flag", function () {
    const port = intArg("--port", 1, 65535);
    expect(port("8545")).to.equal(8545);
    for (const v of ["1e3", "0x50", "80.0", "", "-1", "0", "65536"]) expect(() => port(v), v).to.throw(InvalidArgumentError, `--port ${JSON.stringify(v)}`);
    const secs = numberArg("--drain", 0);
    expect(secs("2.5")).to.equal(2.5);
    for (const v of ["1e3", "0x10", "-1", "."]) expect(() => secs(v), v).to.throw(InvalidArgumentError, "--drain");
  });

  it("`zksettle worker` refuses --workers 1e3 and 0x50 before it connects anywhere", function () {
    for (const v of ["1e3", "0x50", "2.5"]) {
      const cmd = workerCommand().exitOverride().configureOutput({ writeErr: () => undefined });
      expect(() => cmd.parse(["--store", "redis://127.0.0.1:1", "--workers", v], { from: "user" }), v).to.throw(/--workers/);
    }
  });
});
