/**
 * Where the package's own files are (docs/decisions.md, "A real package"): the folder of
 * the package.json named `zksettle`, found by walking up from this file. The same walk
 * answers for the sources under ts-node (prover/package/root.ts), the compiled build
 * (dist/prover/package/root.js, one level deeper) and an installed package
 * (node_modules/zksettle/dist/prover/…), which is why no module counts `..` from its
 * own `__dirname` any more.
 *
 * Paths under the root: circuits/params/ (shipped), artifacts/contracts/ (shipped),
 * build/ui/ (shipped when built), native/zksettle_native.node (shipped when built) and
 * build/<params>/ (circuit builds: a checkout's; an installed package is given
 * `--build-dir`).
 */
import fs from "node:fs";
import path from "node:path";

/** The `name` in the package.json that marks the root. */
export const PACKAGE_NAME = "zksettle";

/** No package.json named zksettle above `from` (a file copied out of its package). */
export class PackageRootError extends Error {
  readonly code = "PKG_ERR_NO_ROOT";

  constructor(readonly from: string) {
    super(`no package.json named "${PACKAGE_NAME}" in ${from} or any folder above it`);
    this.name = "PackageRootError";
  }
}

interface PackageJson {
  readonly name?: unknown;
  readonly version?: unknown;
}

function readPackageJson(dir: string): PackageJson | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, "package.json"), "utf8");
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as PackageJson;
  } catch {
    // a broken package.json of some other package (a fixture, say) is not ours: go on up
    return undefined;
  }
}

/**
 * The nearest folder at or above `from` whose package.json is named zksettle.
 * @throws PackageRootError when there is none
 */
export function findPackageRoot(from: string): string {
  let dir = path.resolve(from);
  for (;;) {
    if (readPackageJson(dir)?.name === PACKAGE_NAME) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new PackageRootError(from);
    dir = up;
  }
}

let cached: string | undefined;

/** This package's root (computed once: the walk reads files). */
export function packageRoot(): string {
  cached ??= findPackageRoot(__dirname);
  return cached;
}

/** A path under the package root, e.g. `packagePath("circuits", "params")`. */
export function packagePath(...parts: string[]): string {
  return path.join(packageRoot(), ...parts);
}

/** The package's version (package.json), for `zksettle --version`. */
export function packageVersion(): string {
  const v = readPackageJson(packageRoot())?.version;
  return typeof v === "string" ? v : "0.0.0";
}
