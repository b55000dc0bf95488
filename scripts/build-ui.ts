/**
 * Builds the operator dashboard (ui/, Vite + React) into build/ui, which the service
 * serves at /ui (prover/api/routes/ui.ts, docs/ui.md). Cached: the build is skipped
 * when build/ui/.source-hash matches a hash of ui/'s sources, the vite and react
 * versions, so calling it before every test run is cheap.
 *
 *   npx ts-node scripts/build-ui.ts [--force]
 *
 * `ensureUiBuilt()` is the function scripts/prepare-test.ts (or a test) calls.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { packageRoot } from "../prover/package/root";

const ROOT = packageRoot();
export const UI_SRC = path.join(ROOT, "ui");
export const UI_OUT = path.join(ROOT, "build", "ui");
const STAMP = ".source-hash";

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name === "node_modules" || e.name.startsWith(".")) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function version(pkg: string): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}

/** Hash of everything the build reads: ui/'s files and the toolchain's versions. */
export function uiSourceHash(): string {
  const h = createHash("sha256");
  for (const pkg of ["vite", "@vitejs/plugin-react", "react", "react-dom"]) h.update(`${pkg}@${version(pkg)}\n`);
  for (const f of files(UI_SRC)) {
    h.update(path.relative(UI_SRC, f).split(path.sep).join("/") + "\n");
    h.update(fs.readFileSync(f));
  }
  return h.digest("hex");
}

/** Vite is ESM only: load it with a real dynamic import (ts-node compiles `import()` to require). */
const importEsm = new Function("s", "return import(s)") as <T>(s: string) => Promise<T>;

/**
 * Builds build/ui unless it is up to date. Returns whether it built.
 * @param opts.force - build even when the hash matches
 */
export async function ensureUiBuilt(opts: { force?: boolean; quiet?: boolean } = {}): Promise<{ built: boolean; hash: string; dir: string }> {
  const hash = uiSourceHash();
  const stamp = path.join(UI_OUT, STAMP);
  const fresh = fs.existsSync(path.join(UI_OUT, "index.html")) && fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8").trim() === hash;
  if (fresh && opts.force !== true) return { built: false, hash, dir: UI_OUT };
  const vite = await importEsm<typeof import("vite")>("vite");
  const t0 = Date.now();
  await vite.build({
    configFile: path.join(UI_SRC, "vite.config.ts"),
    root: UI_SRC,
    logLevel: opts.quiet === true ? "silent" : "warn",
    build: { outDir: UI_OUT, emptyOutDir: true },
  });
  fs.writeFileSync(stamp, hash + "\n");
  if (opts.quiet !== true) console.log(`ui built into ${path.relative(ROOT, UI_OUT)} in ${Date.now() - t0} ms`);
  return { built: true, hash, dir: UI_OUT };
}

if (require.main === module) {
  ensureUiBuilt({ force: process.argv.includes("--force") })
    .then((r) => {
      if (!r.built) console.log(`ui up to date (${path.relative(ROOT, r.dir)}, ${r.hash.slice(0, 12)})`);
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    });
}
