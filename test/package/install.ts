/**
 * The package as a user gets it, for test/package/pack.test.ts: `npm run build`, `npm
 * pack`, then the tarball installed with `--omit=dev` into an empty folder, offline.
 *
 * Offline: `npm ci` fills npm's cache with the tarballs of package-lock.json but not
 * with the registry's package documents, so a plain `npm install --offline <tarball>`
 * fails with ENOTCACHED. The empty folder therefore gets a lockfile derived from ours
 * (the tarball, plus every non-dev entry of package-lock.json at the same place, since
 * zksettle's dependencies hoist the same way there) and `npm ci --offline --omit=dev`
 * installs exactly the versions this checkout tested, from the cache.
 *
 * Install scripts are skipped: better-sqlite3's would compile SQLite with node-gyp
 * (its prebuilt download is blocked here), 2 to 3 minutes on 2 cores. The addon that
 * this checkout's `npm ci` compiled is copied instead: same version (one lockfile),
 * same Node. docs/decisions.md has the measured full install.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export interface ToolRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs a command to its end (killed after `timeoutMs`); never rejects on a non-zero exit. */
export function runTool(cmd: string, args: readonly string[], opts: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<ToolRun> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/**
 * npm's cache lacks a tarball the lockfile names (a cache other than the one `npm ci`
 * filled): a missing prerequisite of the test, not a fault of the package.
 */
export class NotCachedError extends Error {
  readonly code = "ENOTCACHED";

  constructor(readonly detail: string) {
    super(`npm's cache lacks a dependency's tarball (run npm ci with this cache first): ${detail}`);
    this.name = "NotCachedError";
  }
}

/** Throws with the tool's output unless it exited 0. */
export function ok(what: string, r: ToolRun): ToolRun {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  return r;
}

interface LockEntry {
  readonly dev?: boolean;
  readonly [key: string]: unknown;
}

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly license?: string;
  readonly dependencies?: Record<string, string>;
  readonly bin?: Record<string, string>;
  readonly engines?: Record<string, string>;
}

/**
 * The package.json and lockfile of a folder that depends on the tarball only, with the
 * tarball's dependencies resolved as in `rootLock` (dev entries left out).
 */
export function consumerFiles(root: string, tarballName: string): { packageJson: object; lockfile: object } {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as PackageJson;
  const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
  const spec = `file:${tarballName}`;
  const packages: Record<string, unknown> = {
    "": { name: "zksettle-consumer", dependencies: { [pkg.name]: spec } },
    [`node_modules/${pkg.name}`]: { version: pkg.version, resolved: spec, license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines },
  };
  for (const [where, entry] of Object.entries(lock.packages)) if (where !== "" && entry.dev !== true) packages[where] = entry;
  return {
    packageJson: { name: "zksettle-consumer", private: true, dependencies: { [pkg.name]: spec } },
    lockfile: { name: "zksettle-consumer", lockfileVersion: 3, requires: true, packages },
  };
}

export interface Installed {
  /** The consumer folder; the package is in node_modules/zksettle. */
  readonly dir: string;
  /** The installed CLI (dist/prover/cli.js). */
  readonly cli: string;
  readonly tarballBytes: number;
  readonly buildMs: number;
  readonly packMs: number;
  readonly installMs: number;
}

const npm = (root: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<ToolRun> =>
  // npm's own env flags (npm_config_*) of a surrounding `npm test` would leak into the
  // nested npm (a dry run, --omit, a registry): drop them.
  runTool("npm", args, { cwd, timeoutMs, env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_config_"))) });

/** Builds, packs and installs the package from `root` into `tmp` (an empty folder). */
export async function packAndInstall(root: string, tmp: string): Promise<Installed> {
  const build = ok("npm run build", await npm(root, ["run", "build"], root, 300_000));
  // prepack would build again: it just did
  const pack = ok("npm pack", await npm(root, ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], root, 120_000));
  const [{ filename }] = JSON.parse(pack.stdout) as [{ filename: string }];
  const dir = path.join(tmp, "consumer");
  fs.mkdirSync(dir);
  const { packageJson, lockfile } = consumerFiles(root, `../${filename}`);
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(packageJson, null, 2));
  fs.writeFileSync(path.join(dir, "package-lock.json"), JSON.stringify(lockfile, null, 2));
  const installRun = await npm(root, ["ci", "--offline", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"], dir, 300_000);
  const notCached = /npm error code ENOTCACHED\n(?:npm error )?(.*)/.exec(installRun.stderr);
  if (installRun.code !== 0 && notCached !== null) throw new NotCachedError(notCached[1]);
  const install = ok("npm ci --offline --omit=dev", installRun);
  const addon = path.join("node_modules", "better-sqlite3", "build", "Release", "better_sqlite3.node");
  fs.mkdirSync(path.dirname(path.join(dir, addon)), { recursive: true });
  fs.copyFileSync(path.join(root, addon), path.join(dir, addon));
  return {
    dir,
    cli: path.join(dir, "node_modules", "zksettle", "dist", "prover", "cli.js"),
    tarballBytes: fs.statSync(path.join(tmp, filename)).size,
    buildMs: build.ms,
    packMs: pack.ms,
    installMs: install.ms,
  };
}
