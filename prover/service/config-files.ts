/**
 * What `loadConfig` cannot check without touching the disk: the files and directories
 * the options name. `zksettle config` and `zksettle serve` both run it, so the
 * configuration `config` prints is one `serve` can start with, and a path that is
 * wrong is reported naming its option (never as a raw stack trace).
 */
import fs from "node:fs";
import path from "node:path";
import { loadParams } from "../state/params";
import { flagOf, parseStore, type Config } from "./config";
import { GenesisError, loadGenesis } from "./genesis-file";
import { loadRiskConfig } from "./risk-loop";

/** `dataDir (--data-dir): …` */
function named(key: keyof Config, what: string): string {
  return `${key} (${flagOf(key)}): ${what}`;
}

/** Why `dir` cannot be (or become) a directory, or undefined. */
function dirProblem(dir: string): string | undefined {
  let at = path.resolve(dir);
  for (;;) {
    if (fs.existsSync(at)) return fs.statSync(at).isDirectory() ? undefined : `${at} is not a directory`;
    const up = path.dirname(at);
    if (up === at) return undefined;
    at = up;
  }
}

/** Why `file` is not a readable file, or undefined. */
function fileProblem(file: string): string | undefined {
  if (!fs.existsSync(file)) return `${file} does not exist`;
  if (!fs.statSync(file).isFile()) return `${file} is not a file`;
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    return `${file} is not readable`;
  }
  return undefined;
}

/**
 * Every problem with the paths of `c`, each naming its option: the data directory, the
 * SQLite file's directory, the genesis file (exists and describes a genesis for
 * `--params`) and the risk config file (exists and parses).
 */
export async function fileProblems(c: Config): Promise<string[]> {
  const p: string[] = [];
  const data = dirProblem(c.dataDir);
  if (data !== undefined) p.push(named("dataDir", data));
  const where = parseStore(c.store, c.dataDir);
  if ("kind" in where && where.kind === "sqlite" && c.store !== "sqlite" && c.store !== "") {
    const dir = dirProblem(path.dirname(where.file));
    if (dir !== undefined) p.push(named("store", dir));
    else if (fs.existsSync(where.file) && !fs.statSync(where.file).isFile()) p.push(named("store", `${where.file} is not a file`));
  }
  let params;
  try {
    params = loadParams(c.params);
  } catch (e) {
    p.push(named("params", (e as Error).message));
  }
  if (c.genesis !== "") {
    const f = fileProblem(c.genesis);
    if (f !== undefined) p.push(named("genesis", f));
    else if (params !== undefined) {
      try {
        await loadGenesis({ file: c.genesis, dev: false, params, paramsName: c.params });
      } catch (e) {
        if (!(e instanceof GenesisError)) throw e;
        for (const q of e.problems) p.push(named("genesis", q));
      }
    }
  }
  if (c.riskConfig !== "") {
    const f = fileProblem(c.riskConfig);
    if (f !== undefined) p.push(named("riskConfig", f));
    else if (params !== undefined) {
      try {
        loadRiskConfig(c.riskConfig, params.markets);
      } catch (e) {
        p.push(named("riskConfig", (e as Error).message));
      }
    }
  }
  return p;
}
