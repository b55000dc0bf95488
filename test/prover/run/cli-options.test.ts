/**
 * One vocabulary on every command (issue 18 item 2; prover/run/cli-options.ts). Derived from
 * the commands' own option lists and serve's table, so a new option that names a shared
 * thing differently, or a help line in another style, fails here.
 */
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import hre from "hardhat";
import { Command, CommanderError, type Option } from "commander";
import { program } from "../../../prover/cli";
import { RENAMED_ENV, RENAMED_FLAGS, localEnvOf, renamedEnvMessage, renamedFlagMessage } from "../../../prover/run/cli-options";
import { FALLBACK_RENAMED, registerFallbackCommand } from "../../../prover/run/fallback-command";
import { WORKER_RENAMED, workerCommand } from "../../../prover/run/worker-command";
import { LATENCY_RENAMED, registerLatencyCommand } from "../../../prover/run/latency-command";
import { OPTIONS, circuitDir, envOf, flagOf } from "../../../prover/service/config";
import { deployConfirmations, networksFromEnv } from "../../../tasks/networks";

const ROOT = join(__dirname, "..", "..", "..");
const SHARED = new Map<string, (typeof OPTIONS)[number]>(OPTIONS.map((o) => [o.key, o]));

/**
 * What each command takes alone. An option that is in neither serve's table nor here
 * fails the test: name it as serve does (add it to OPTIONS if serve lacks it), or add it
 * here when it is truly one command's own.
 */
const LOCAL: Readonly<Record<string, readonly string[]>> = {
  serve: ["config"],
  config: ["config"],
  worker: ["id", "lockDuration", "stalledInterval", "maxStalled", "heartbeat", "drain", "singleThreadCurve"],
  fallback: ["wasm", "zkey", "headerFile", "headerUrl", "insecureDevOracle", "untilServed"],
  latency: ["blocks", "timeout", "deadline", "finality", "proving", "json", "expectClient"],
};

/** `(default X unit)`, `(required)` or `(secret)`, then `; env NAME` for an option that takes a value. */
const STYLE = /\((default [^()]+(\([^()]*\))?[^()]*|required|secret)\)(; env (?<env>ZKSETTLE_[A-Z0-9_]+))?$/;
/** Keys of times and sizes: their help states the unit. */
const TIME_OR_SIZE = /^--(.+-)?(interval|timeout|ttl|duration|heartbeat|drain|deadline|retention|after|drift|limit|proving)(-.+)?$/;
const UNIT = /(ms|s|bytes|blocks|requests\/min)\)(;|$)/;

const visible = (c: Command): Option[] => c.options.filter((o) => !o.hidden);
const commands = (): Command[] => program().commands.filter((c) => c.name() in LOCAL);

/** The env name a help line ends with. */
const envInHelp = (o: Option): string | undefined => STYLE.exec(o.description)?.groups?.env;

describe("prover/run/cli-options: one vocabulary on every command", function () {
  this.timeout(60_000);

  it("covers serve, config, worker, fallback and latency", function () {
    expect(commands().map((c) => c.name())).to.have.members(Object.keys(LOCAL));
  });

  it("names every shared thing with serve's flag and env name, and nothing with an old name", function () {
    const localOwners = new Map<string, string>();
    for (const cmd of commands()) {
      const name = cmd.name();
      const keys = visible(cmd).map((o) => o.attributeName());
      if (name === "serve" || name === "config") expect(keys, name).to.have.members(["config", ...OPTIONS.map((o) => o.key)]);
      for (const o of visible(cmd)) {
        const key = o.attributeName();
        const where = `${name} ${o.long}`;
        expect(Object.keys(RENAMED_FLAGS), where).to.not.include(o.long);
        const shared = SHARED.get(key);
        if (shared !== undefined) {
          expect(o.long, where).to.equal(flagOf(key));
          expect(envInHelp(o), where).to.equal(envOf(key));
          if (name !== "serve" && name !== "config") expect(o.envVar, where).to.equal(envOf(key));
          expect(o.description.startsWith(shared.help), `${where}: serve's help`).to.equal(true);
          continue;
        }
        expect(LOCAL[name], `${where} is neither serve's nor in ${name}'s own list`).to.include(key);
        if (key === "config") {
          expect(envInHelp(o), where).to.equal("ZKSETTLE_CONFIG");
          continue;
        }
        // one command's own: ZKSETTLE_<COMMAND>_<KEY>; a flag two commands take belongs in serve's table
        expect(localOwners.get(o.long!), `${o.long} in ${localOwners.get(o.long!)} and ${name}: share it`).to.equal(undefined);
        localOwners.set(o.long!, name);
        if (o.isBoolean()) expect(o.envVar, where).to.equal(undefined);
        else expect([o.envVar, envInHelp(o)], where).to.deep.equal([localEnvOf(name, key), localEnvOf(name, key)]);
      }
    }
  });

  it("ends every help line the same way: default and unit, then the env name", function () {
    for (const cmd of commands()) {
      for (const o of visible(cmd)) {
        const where = `${cmd.name()} ${o.long}: ${o.description}`;
        expect(o.description, where).to.match(STYLE);
        const switchOnly = o.isBoolean() && !SHARED.has(o.attributeName());
        expect(envInHelp(o) !== undefined, where).to.equal(!switchOnly);
        if (TIME_OR_SIZE.test(o.long!)) expect(/<(ms|s|bytes)>/.test(o.flags) || UNIT.test(o.description), `${where}: no unit`).to.equal(true);
        if (SHARED.get(o.attributeName())?.secret === true) expect(o.description, where).to.contain("(secret)");
      }
      // commander adds nothing of its own ("(default: …, env: …)")
      expect(cmd.helpInformation(), cmd.name()).to.not.match(/\((default|env|choices): /);
    }
  });

  /** Parses `args` with the command `make` builds, returning the refusal (or "" when it ran). */
  async function refusal(make: (p: Command) => Command, args: string[]): Promise<{ message: string; exitCode?: number }> {
    const prog = new Command("zksettle").exitOverride();
    const cmd = make(prog).exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    cmd.action(() => undefined); // reached only when nothing was refused
    try {
      await prog.parseAsync([cmd.name(), ...args], { from: "user" });
    } catch (e) {
      if (e instanceof CommanderError) return { message: e.message, exitCode: e.exitCode };
      throw e;
    }
    return { message: "" };
  }

  const quiet = { out: () => undefined, err: () => undefined };
  const MAKERS: readonly [string, (p: Command) => Command, readonly string[], readonly string[]][] = [
    ["worker", (p) => {
      const w = workerCommand();
      p.addCommand(w);
      return w;
    }, WORKER_RENAMED, ["--store", "redis://127.0.0.1:1"]],
    ["fallback", (p) => registerFallbackCommand(p, quiet), FALLBACK_RENAMED, ["--settlement", "0x5FbDB2315678afecb367f032d93F642f64180aa3"]],
    ["latency", (p) => registerLatencyCommand(p, quiet), LATENCY_RENAMED, []],
  ];

  it("refuses each old flag with exit 2, naming the new one", async function () {
    const seen = new Set<string>();
    for (const [name, make, olds, base] of MAKERS) {
      for (const old of olds) {
        seen.add(old);
        for (const args of [[old, "x"], [old]]) {
          const r = await refusal(make, [...base, ...args]);
          expect(r.message, `${name} ${args.join(" ")}`).to.contain(renamedFlagMessage(old)).and.contain(`${old} was renamed --`);
          expect(r.exitCode, `${name} ${old}`).to.equal(2);
        }
      }
    }
    expect([...seen]).to.have.members(Object.keys(RENAMED_FLAGS));
    expect(renamedFlagMessage("--prefix")).to.equal("--prefix was renamed --store-prefix");
  });

  it("refuses to start while an old environment variable is set, naming the new one (serve too)", async function () {
    const serveConfig = (p: Command): Command => {
      const c = program().commands.find((x) => x.name() === "config")!;
      p.addCommand(c);
      return c;
    };
    const makers: [string, (p: Command) => Command, readonly string[]][] = [...MAKERS.map(([n, m, , b]): [string, (p: Command) => Command, readonly string[]] => [n, m, b]), ["config", serveConfig, []]];
    for (const old of Object.keys(RENAMED_ENV)) {
      const saved = process.env[old];
      process.env[old] = "1";
      try {
        for (const [name, make, base] of makers) {
          const r = await refusal(make, [...base]);
          expect(r.message, `${name} with ${old}`).to.contain(renamedEnvMessage(old));
          expect(r.exitCode).to.equal(2);
        }
      } finally {
        if (saved === undefined) delete process.env[old];
        else process.env[old] = saved;
      }
    }
    expect(renamedEnvMessage("ZKSETTLE_WORKER_THREADS")).to.contain("ZKSETTLE_WORKER_THREADS was renamed ZKSETTLE_WORKERS");
  });

  it("refuses a malformed secret without showing it, from a flag or the environment", async function () {
    const fallback = MAKERS[1][1];
    const base = ["--settlement", "0x5FbDB2315678afecb367f032d93F642f64180aa3"];
    const flag = await refusal(fallback, [...base, "--signer-key", "0xdeadbeef"]);
    expect(flag.message).to.contain("--signer-key <secret>").and.not.contain("deadbeef");
    expect(flag.exitCode).to.equal(2);
    const saved = process.env.ZKSETTLE_SIGNER_KEY;
    process.env.ZKSETTLE_SIGNER_KEY = "0xdeadbeef";
    try {
      const env = await refusal(fallback, base);
      expect(env.message).to.contain("--signer-key <secret>").and.contain("(from env ZKSETTLE_SIGNER_KEY)").and.not.contain("deadbeef");
    } finally {
      if (saved === undefined) delete process.env.ZKSETTLE_SIGNER_KEY;
      else process.env.ZKSETTLE_SIGNER_KEY = saved;
    }
  });

  it("resolves --params and --build-dir to the same circuit folder on every command", function () {
    expect(circuitDir({ params: "ci", buildDir: "" })).to.equal(join(ROOT, "build", "ci"));
    expect(circuitDir({ params: "ci", buildDir: "elsewhere/ci" })).to.equal(resolve("elsewhere/ci"));
  });

  it("reads the shared options from their env names (worker)", async function () {
    const saved = { ...process.env };
    Object.assign(process.env, { [envOf("storePrefix")]: "p1", [envOf("workers")]: "3", [envOf("params")]: "prod" });
    try {
      const prog = new Command("zksettle");
      const w = workerCommand().exitOverride();
      let seen: Record<string, unknown> = {};
      w.action((o: Record<string, unknown>) => {
        seen = o;
      });
      prog.addCommand(w);
      await prog.parseAsync(["worker", "--store", "redis://127.0.0.1:1"], { from: "user" });
      expect(seen).to.include({ storePrefix: "p1", workers: 3, params: "prod", buildDir: "" });
    } finally {
      for (const k of [envOf("storePrefix"), envOf("workers"), envOf("params")]) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });

  describe("Hardhat tasks", function () {
    const ours = (): string[] => {
      const names: string[] = [];
      for (const f of [...readdirSync(join(ROOT, "tasks")).map((f) => join(ROOT, "tasks", f)), join(ROOT, "hardhat.config.ts")]) {
        for (const m of readFileSync(f, "utf8").matchAll(/\b(?:task|subtask|scope)\(\s*"([^"]+)"/g)) names.push(m[1]);
      }
      return names;
    };

    it("are all under zk:", function () {
      const names = ours();
      expect(names.length).to.be.greaterThan(3);
      for (const n of names) {
        expect(n, n).to.match(/^zk:/);
        expect(hre.tasks[n], n).to.not.equal(undefined);
      }
    });

    it("name what they share with serve as serve does, and refuse an old name", function () {
      const old = new Set(Object.keys(RENAMED_FLAGS).map((f) => f.replace(/^--/, "").replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())));
      let shared = 0;
      for (const n of ours()) {
        for (const p of Object.values(hre.tasks[n].paramDefinitions)) {
          // Hardhat's flag is the kebab-case of the name, as serve's
          if (SHARED.has(p.name)) shared++;
          if (old.has(p.name)) expect(p.description, `${n} --${p.name}`).to.match(/^renamed --[a-z-]+: refused$/);
        }
      }
      expect(shared, "settlement, params, fromBlock, maxOracleDrift, rpcUrl").to.be.greaterThan(4);
      expect(hre.tasks["zk:rebuild-state"].paramDefinitions.rpcUrl, "zk:rebuild-state --rpc-url").to.not.equal(undefined);
    });

    it("zk:rebuild-state refuses --rpc, naming --rpc-url", async function () {
      let message = "";
      try {
        await hre.run("zk:rebuild-state", { settlement: "0x5FbDB2315678afecb367f032d93F642f64180aa3", rpc: "http://127.0.0.1:1" });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).to.contain("--rpc was renamed --rpc-url");
    });

    it("read a network from serve's env names", function () {
      const key = "0x" + "11".repeat(32);
      const nets = networksFromEnv({ [envOf("rpcUrl")]: "http://127.0.0.1:1", [envOf("signerKey")]: key });
      expect(nets.zksettle).to.deep.include({ url: "http://127.0.0.1:1", accounts: [key] });
      expect(deployConfirmations({ [envOf("confirmations")]: "5" })).to.equal(5);
    });
  });
});
