/**
 * A git worktree of an earlier commit, for benches that run the code before a change
 * beside this tree's in the same run (bench/intake.ts, bench/book.ts): this checkout's
 * node_modules are linked in, and the given files of this tree copied over its own.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const REPO_ROOT = path.resolve(__dirname, "..");

/** Checks out `rev` in a temporary folder; `copy` lists repository paths of this tree to put in it. */
export function baselineTree(rev: string, copy: readonly string[] = []): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zksettle-baseline-"));
  const r = spawnSync("git", ["worktree", "add", "--detach", dir, rev], { cwd: REPO_ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git worktree add ${rev}: ${r.stderr}`);
  fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"));
  for (const file of copy) fs.copyFileSync(path.join(REPO_ROOT, file), path.join(dir, file));
  return dir;
}

/** Removes a tree made by baselineTree. */
export function removeBaselineTree(dir: string): void {
  spawnSync("git", ["worktree", "remove", "--force", dir], { cwd: REPO_ROOT });
}
