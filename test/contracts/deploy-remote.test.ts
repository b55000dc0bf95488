/**
 * Deployment to a real network: Hardhat's networks come from the environment with the
 * names `zksettle serve` uses (tasks/networks.ts), and `zk:deploy` refuses the test token
 * and the INSECURE dev genesis off a local chain. Tested against a `hardhat node` with
 * another chain id, reached through its URL as if it were remote.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { loadConfig } from "../../prover/service/config";
import { startHardhatNode, type DevChain } from "../../scripts/lib/dev-chain";
import { NetworkConfigError, deployConfirmations, isLocalChain, networksFromEnv } from "../../tasks/networks";

const ROOT = path.resolve(__dirname, "..", "..");
const HARDHAT = path.join(ROOT, "node_modules", ".bin", "hardhat");
/** Hardhat's first dev account: public knowledge, funded on every `hardhat node`. */
const DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const REMOTE_CHAIN_ID = 4242;

function refusal(env: NodeJS.ProcessEnv): string {
  try {
    networksFromEnv(env);
  } catch (e) {
    expect(e).to.be.instanceOf(NetworkConfigError);
    return (e as Error).message;
  }
  throw new Error("accepted");
}

describe("networks from the environment", function () {
  it("has only localhost when ZKSETTLE_RPC_URL is unset", function () {
    expect(Object.keys(networksFromEnv({}))).to.deep.equal(["localhost"]);
  });

  it("adds the zksettle network with the signer key and the chain id", function () {
    const n = networksFromEnv({ ZKSETTLE_RPC_URL: "https://rpc.example:8545", ZKSETTLE_SIGNER_KEY: DEV_KEY, ZKSETTLE_CHAIN_ID: "10" });
    expect(n.zksettle).to.deep.equal({ url: "https://rpc.example:8545", accounts: [DEV_KEY], chainId: 10 });
  });

  it("names the variable that is wrong", function () {
    expect(refusal({ ZKSETTLE_RPC_URL: "not a url" })).to.match(/^ZKSETTLE_RPC_URL: /);
    expect(refusal({ ZKSETTLE_RPC_URL: "ftp://127.0.0.1:8546" })).to.match(/^ZKSETTLE_RPC_URL: ftp: is not http/);
    expect(refusal({ ZKSETTLE_RPC_URL: "http://127.0.0.1:8545", ZKSETTLE_SIGNER_KEY: "0x12" })).to.match(/^ZKSETTLE_SIGNER_KEY: /);
    expect(refusal({ ZKSETTLE_RPC_URL: "http://127.0.0.1:8545", ZKSETTLE_CHAIN_ID: "1e3" })).to.match(/^ZKSETTLE_CHAIN_ID: "1e3" is not/);
    expect(() => deployConfirmations({ ZKSETTLE_CONFIRMATIONS: "0" })).to.throw(NetworkConfigError, /^ZKSETTLE_CONFIRMATIONS: /);
  });

  it("leaves serve's settings alone: a signer key without a URL, a WebSocket URL (with a warning)", function () {
    expect(Object.keys(networksFromEnv({ ZKSETTLE_SIGNER_KEY: DEV_KEY }))).to.deep.equal(["localhost"]);
    const warnings: string[] = [];
    expect(Object.keys(networksFromEnv({ ZKSETTLE_RPC_URL: "ws://127.0.0.1:8546" }, (m) => warnings.push(m)))).to.deep.equal(["localhost"]);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include("ws:");
  });

  it("counts Hardhat's and Ganache's chain ids as local, and no other", function () {
    expect([31337n, 1337n, 1n, 4242n].map(isLocalChain)).to.deep.equal([true, true, false, false]);
  });
});

describe("zk:deploy on a chain reached through its URL", function () {
  this.timeout(180_000);
  let chain: DevChain;
  let dir: string;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-deploy-"));
    // The node reads its chain id from hardhat.config.ts, which reads this variable.
    process.env.ZKSETTLE_HARDHAT_CHAIN_ID = String(REMOTE_CHAIN_ID);
    try {
      chain = await startHardhatNode();
    } finally {
      delete process.env.ZKSETTLE_HARDHAT_CHAIN_ID;
    }
  });

  after(async function () {
    await chain?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function deploy(extra: string[], env: NodeJS.ProcessEnv = {}) {
    const r = spawnSync(HARDHAT, ["--network", "zksettle", "zk:deploy", "--params", "ci", ...extra], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, ZKSETTLE_RPC_URL: chain.url, ZKSETTLE_SIGNER_KEY: DEV_KEY, ZKSETTLE_CHAIN_ID: String(REMOTE_CHAIN_ID), ...env },
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it("refuses the test token and the dev genesis when they are not asked for explicitly", async function () {
    const before = await chain.provider.getBlockNumber();
    const r = deploy([]);
    expect(r.status).to.not.equal(0);
    expect(r.stderr).to.include(`zk:deploy on chain ${REMOTE_CHAIN_ID} (network zksettle): --token and --genesis-root missing`);
    expect(await chain.provider.getBlockNumber(), "nothing deployed").to.equal(before);
  });

  it("refuses a node whose chain id is not ZKSETTLE_CHAIN_ID", function () {
    const r = deploy(["--insecure-dev"], { ZKSETTLE_CHAIN_ID: "1" });
    expect(r.status).to.not.equal(0);
    expect(r.stderr).to.match(/chain ?id/i);
  });

  it("with --insecure-dev deploys, prints the deployment as JSON and writes a config that serve reads", async function () {
    const out = path.join(dir, "serve.json");
    const r = deploy(["--insecure-dev", "--out", out]);
    expect(r.status, r.stderr).to.equal(0);
    const printed = JSON.parse(r.stdout.slice(r.stdout.indexOf("{"))) as { chainId: number; settlement: string; fromBlock: number; token: string };
    expect(printed.chainId).to.equal(REMOTE_CHAIN_ID);
    expect(await chain.provider.getCode(printed.settlement)).to.not.equal("0x");
    // The operator adds what the deployment cannot know, such as the API keys.
    const config = loadConfig({ file: out, env: { ZKSETTLE_API_KEY_HASHES: "ab".repeat(32) }, flags: {} });
    expect(config.settlement).to.equal(printed.settlement);
    expect(config.rpcUrl).to.equal(chain.url);
    expect(config.fromBlock).to.equal(printed.fromBlock);
    expect(config.params).to.equal("ci");
  });
});
