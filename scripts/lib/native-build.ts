/**
 * Builds the native prover addon (native/, Rust) into native/zksettle_native.node,
 * where prover/zk/backend-native.ts loads it. Cargo's own incremental build is the
 * cache: target/ stays in native/target (git-ignored; CARGO_TARGET_DIR moves it), so a
 * second build with nothing changed takes a second. Machines without cargo skip it and
 * prove with snarkjs.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./circom";
import { withSpinner } from "./progress";
import { NATIVE_ADDON } from "../../prover/zk/backend-native";

const CRATE = path.join(REPO_ROOT, "native");

/** The addon, or why there is none. */
export type NativeBuild = { readonly addon: string } | { readonly problem: string };

/** The cargo version line, or undefined when cargo is not installed. */
export function cargoVersion(): string | undefined {
  const r = spawnSync("cargo", ["--version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: CRATE, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-8000)));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(" ")} exited with ${code}\n${err}`))));
  });
}

/**
 * `cargo build --release` of native/, then the library copied to the addon path when it
 * changed. A failed build is a NativeBuild problem, not an exception: callers decide
 * whether that is fatal (`npm run build:native`) or a fallback (the demo, the tests).
 */
export async function buildNative(): Promise<NativeBuild> {
  const cargo = cargoVersion();
  if (cargo === undefined) return { problem: "cargo is not installed" };
  const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(CRATE, "target");
  try {
    await withSpinner(`native prover (${cargo}, release)`, () => run("cargo", ["build", "--release", "--locked", "--target-dir", targetDir]));
  } catch (err) {
    return { problem: err instanceof Error ? err.message : String(err) };
  }
  const lib = ["libzksettle_native.so", "libzksettle_native.dylib", "zksettle_native.dll"].map((f) => path.join(targetDir, "release", f)).find((f) => fs.existsSync(f));
  if (lib === undefined) return { problem: `cargo built no library in ${path.join(targetDir, "release")}` };
  const fresh = fs.statSync(lib);
  const old = fs.existsSync(NATIVE_ADDON) ? fs.statSync(NATIVE_ADDON) : undefined;
  // a copy, not a rename: cargo's freshness check wants its own output left in place
  if (old === undefined || old.size !== fresh.size || old.mtimeMs < fresh.mtimeMs) fs.copyFileSync(lib, NATIVE_ADDON);
  return { addon: NATIVE_ADDON };
}
