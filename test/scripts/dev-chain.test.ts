/**
 * scripts/dev-chain.ts checks its flags before it starts a node (issue 19 item 6): a
 * refused flag is one line naming it, with exit code 2, never a raw stack.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { DevChainArgError, devChainOptions } from "../../scripts/dev-chain";

const ROOT = join(__dirname, "..", "..");

function refusal(argv: string[]): string {
  try {
    devChainOptions(argv);
  } catch (e) {
    expect(e).to.be.instanceOf(DevChainArgError);
    return (e as Error).message;
  }
  throw new Error(`expected ${argv.join(" ")} to be refused`);
}

describe("# scripts/dev-chain.ts flags", function () {
  it("refuses a negative deposit count", function () {
    expect(refusal(["--deposits", "-2"])).to.contain('--deposits "-2"');
  });
  it("refuses a deposit count written as an exponent or in hex", function () {
    expect(refusal(["--deposits", "1e0"])).to.contain("--deposits");
    expect(refusal(["--deposits", "0x1"])).to.contain("--deposits");
  });
  it("refuses more deposits than the tree has accounts", function () {
    expect(refusal(["--deposits", "4"])).to.contain("--deposits 4: the ci tree has only accounts 1..3");
  });
  it("refuses a port that is not a decimal integer in 1..65535", function () {
    for (const v of ["0x50", "1e3", "0", "70000", "port"]) expect(refusal(["--port", v]), v).to.contain("--port");
  });
  it("refuses an unknown parameter set, naming --params", function () {
    expect(refusal(["--params", "nope"])).to.match(/^--params nope: /);
    expect(refusal(["--params", "../ci"])).to.contain("--params");
  });
  it("refuses a --json file in a directory that does not exist", function () {
    expect(refusal(["--json", "/no/such/dir/out.json"])).to.contain("--json").and.contain("/no/such/dir");
  });
  it("refuses an unknown flag", function () {
    expect(refusal(["--depozits", "1"])).to.contain("--depozits");
  });
  it("accepts the documented flags", function () {
    const o = devChainOptions(["--port", "8545", "--params", "ci", "--deposits", "2"]);
    expect(o).to.include({ port: 8545, paramsName: "ci", deposits: 2 });
  });
  it("prints one line and exits 2 when run with a bad flag", function () {
    this.timeout(120_000);
    const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", join(ROOT, "scripts", "dev-chain.ts"), "--deposits", "-2"], { cwd: ROOT, encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(2);
    expect(r.stderr.trim().split("\n")).to.have.length(1);
    expect(r.stderr).to.match(/^dev-chain: .*--deposits "-2": expected an integer in 0\.\.19/);
  });
});
