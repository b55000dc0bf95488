/**
 * The import graph of prover/, read from the source text (relative imports only: a
 * package import crosses no folder of ours). Kept free of the TypeScript compiler so
 * the layering test runs in milliseconds and reads exactly what a reviewer reads.
 */
import fs from "node:fs";
import path from "node:path";

/** A file's relative imports, resolved to repository paths (`prover/x/y.ts`). */
export type FileGraph = ReadonlyMap<string, readonly string[]>;

// `import … from "./x"`, `export … from "./x"`, `import "./x"`, `import("./x")`, `require("./x")`
const RELATIVE = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["'](\.{1,2}(?:\/[^"']*)?)["']/g;

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

function resolve(from: string, spec: string): string | undefined {
  const base = path.normalize(path.join(path.dirname(from), spec));
  return [base, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts")].find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
}

/** Every .ts file under `root` (relative to `repo`) with the files it imports. */
export function fileGraph(repo: string, root = "prover"): FileGraph {
  const graph = new Map<string, string[]>();
  for (const abs of tsFiles(path.join(repo, root))) {
    const file = path.relative(repo, abs).split(path.sep).join("/");
    const targets = [...fs.readFileSync(abs, "utf8").matchAll(RELATIVE)]
      .map((m) => resolve(abs, m[1]))
      .filter((t): t is string => t !== undefined)
      .map((t) => path.relative(repo, t).split(path.sep).join("/"));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** The first folder below `root` (`prover/api/routes/x.ts` → `api`); files directly in `root` are `(root)`. */
export function folderOf(file: string, root = "prover"): string {
  const parts = file.slice(root.length + 1).split("/");
  return parts.length > 1 ? parts[0] : "(root)";
}

/** Folder → folders it imports, each with one file import that makes the edge (for the failure message). */
export function folderGraph(files: FileGraph, root = "prover"): Map<string, Map<string, string>> {
  const g = new Map<string, Map<string, string>>();
  for (const [from, targets] of files) {
    const a = folderOf(from, root);
    if (!g.has(a)) g.set(a, new Map());
    for (const to of targets) {
      if (!to.startsWith(`${root}/`)) continue;
      const b = folderOf(to, root);
      if (a !== b && !g.get(a)!.has(b)) g.get(a)!.set(b, `${from} → ${to}`);
    }
  }
  return g;
}

/** The strongly connected components with more than one node (Tarjan): each is a cycle. */
export function cycles(graph: ReadonlyMap<string, Iterable<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}
