/** Configuration: precedence flags > environment > file > defaults, every problem reported at once; API keys; docs/api.md mirrors the catalogue and the options. */
import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiKeys, hashApiKey, presentedKey } from "../../../prover/api/auth";
import { API_ERRORS } from "../../../prover/api/errors";
import { ConfigError, OPTIONS, envOf, flagOf, loadConfig, parseStore, redacted } from "../../../prover/service/config";

const HASH = hashApiKey("k");

function file(content: string): string {
  const p = join(mkdtempSync(join(tmpdir(), "zksettle-config-")), "config.json");
  writeFileSync(p, content);
  return p;
}

function problems(f: () => unknown): readonly string[] {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("# config", function () {
  it("takes flags over the environment over the file over the defaults", function () {
    const f = file(JSON.stringify({ port: 1000, host: "0.0.0.0", maxQueue: 3, apiKeyHashes: [HASH] }));
    const c = loadConfig({ file: f, env: { ZKSETTLE_PORT: "2000", ZKSETTLE_MAX_QUEUE: "4" }, flags: { port: "3000" } });
    expect(c).to.include({ port: 3000, maxQueue: 4, host: "0.0.0.0", mode: "batch" });
    expect(c.apiKeyHashes).to.deep.equal([HASH]);
    expect(loadConfig({ env: { ZKSETTLE_API_KEY_HASHES: `${HASH},${HASH}`, ZKSETTLE_DEV_ORACLE: "true", ZKSETTLE_MODE: "sequencer" } })).to.include({ devOracle: true, mode: "sequencer" });
    expect(flagOf("apiKeyHashes")).to.equal("--api-key-hashes");
    expect(envOf("apiKeyHashes")).to.equal("ZKSETTLE_API_KEY_HASHES");
  });

  it("reports every problem at once, naming the option and where its value came from", function () {
    const f = file(JSON.stringify({ port: "x", colour: "red" }));
    const p = problems(() => loadConfig({ file: f, env: { ZKSETTLE_BATCH_INTERVAL: "-1", ZKSETTLE_API_KEY_HASHES: "nothex" }, flags: { mode: "both" } }));
    expect(p.join("\n")).to.contain(`unknown key "colour"`).and.contain("port (config file").and.contain("batchInterval (ZKSETTLE_BATCH_INTERVAL): -1 outside").and.contain("mode (--mode)").and.contain("apiKeyHashes (ZKSETTLE_API_KEY_HASHES)");
    expect(problems(() => loadConfig({ file: file("{oops") }))[0]).to.match(/not valid JSON/);
    expect(problems(() => loadConfig({}))[0]).to.match(/no API key is configured/);
  });

  it("--store: sqlite (the data directory's file), sqlite:PATH or a path, or redis://HOST:PORT[/DB]; anything else is named", function () {
    expect(parseStore("sqlite", "/d")).to.deep.equal({ kind: "sqlite", file: "/d/jobs.sqlite" });
    expect(parseStore("sqlite:/x/jobs.db", "/d")).to.deep.equal({ kind: "sqlite", file: "/x/jobs.db" });
    expect(parseStore("./jobs.db", "/d")).to.deep.equal({ kind: "sqlite", file: "./jobs.db" });
    expect(parseStore("redis://10.0.0.5:6379/2", "/d")).to.deep.equal({ kind: "redis", url: "redis://10.0.0.5:6379/2" });
    for (const bad of ["redis://host", "redis://:6379", "redis://h:99999", "redis://h:6379/x", "redis:/h:1", "rediss://h:6379", "sqlite:"]) {
      expect(parseStore(bad, "/d"), bad).to.have.property("problem");
    }
    const c = loadConfig({ env: { ZKSETTLE_API_KEY_HASHES: HASH }, flags: { store: "redis://127.0.0.1:6390", storePrefix: "desk-a", leaderTtlMs: "3000" } });
    expect(c).to.include({ store: "redis://127.0.0.1:6390", storePrefix: "desk-a", leaderTtlMs: 3000 });
    expect(loadConfig({ env: { ZKSETTLE_API_KEY_HASHES: HASH } })).to.include({ store: "sqlite", storePrefix: "zksettle", leaderTtlMs: 10_000 });
    const p = problems(() => loadConfig({ env: { ZKSETTLE_API_KEY_HASHES: HASH, ZKSETTLE_STORE: "redis://nohost", ZKSETTLE_LEADER_TTL_MS: "5" } }));
    expect(p.join("\n")).to.contain('store: "redis://nohost" is not redis://HOST:PORT[/DB]').and.contain("leaderTtlMs (ZKSETTLE_LEADER_TTL_MS): 5 outside 300..600000");
  });

  it("never prints the signer key", function () {
    const c = loadConfig({ env: { ZKSETTLE_API_KEY_HASHES: HASH, ZKSETTLE_SIGNER_KEY: "0x" + "ab".repeat(32) } });
    expect(JSON.stringify(redacted(c))).to.not.contain("abab");
  });

  it("API keys: only sha256 digests are kept; Bearer or X-API-Key", function () {
    const keys = new ApiKeys([HASH]);
    expect(keys.check("k")).to.equal(true);
    expect(keys.check("K")).to.equal(false);
    expect(keys.check(undefined)).to.equal(false);
    expect(presentedKey({ authorization: "Bearer k" })).to.equal("k");
    expect(presentedKey({ "x-api-key": "k" })).to.equal("k");
    expect(() => new ApiKeys(["k"])).to.throw(RangeError);
  });
});

describe("# docs/api.md", function () {
  it("lists every error code and every option", function () {
    const doc = readFileSync(join(__dirname, "..", "..", "..", "docs", "api.md"), "utf8");
    for (const [code, [status]] of Object.entries(API_ERRORS)) expect(doc, code).to.contain(`| \`${code}\` | ${status} |`);
    for (const o of OPTIONS) expect(doc, o.key).to.contain(`| \`${flagOf(o.key)}\` | \`${envOf(o.key)}\` |`);
  });
});
