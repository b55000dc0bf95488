/**
 * Makes snarkjs usable inside a worker thread (a piscina worker).
 *
 * ffjavascript, snarkjs' curve arithmetic, does `require("web-worker")` to start its
 * own threads. Outside the main thread that package does not export a Worker class: it
 * assumes the thread is one it started itself, destructures `workerData.mod` (a
 * TypeError under piscina, whose workerData is ours), turns the global object into a
 * WorkerGlobalScope and exports `undefined`, so snarkjs then fails with "Worker is not
 * a constructor". Importing this module first (before anything that loads snarkjs)
 * puts a small main-side Worker in the require cache under web-worker's resolved path.
 * The nested threads it starts run the real web-worker file, whose worker side
 * evaluates ffjavascript's `data:` URL as usual. They end with the piscina worker that
 * owns them (a terminated thread takes its child threads with it).
 *
 * Only the part of the Web Worker API that ffjavascript 0.3 uses is provided:
 * `addEventListener("message")`, `onmessage`, `postMessage` and `terminate`.
 */
import path from "node:path";
import { Module } from "node:module";
import { isMainThread, Worker as ThreadWorker, type TransferListItem } from "node:worker_threads";

/** A `message` event as ffjavascript reads it (`e.data`). */
interface MessageEventLike {
  readonly type: "message";
  readonly data: unknown;
}
type Listener = (e: MessageEventLike) => void;

/** The resolved path of the web-worker package that ffjavascript (resolved from `from`) requires. */
function webWorkerPath(from: string): string {
  const ffjavascript = path.dirname(require.resolve("ffjavascript", { paths: [from] }));
  return require.resolve("web-worker", { paths: [ffjavascript] });
}

function nestedWorkerClass(webWorkerFile: string) {
  return class NestedWorker {
    onmessage: Listener | null = null;
    private readonly listeners = new Set<Listener>();
    private readonly thread: ThreadWorker;

    constructor(url: string | URL) {
      // web-worker's own protocol: its worker side require()s or evaluates workerData.mod
      this.thread = new ThreadWorker(webWorkerFile, { workerData: { mod: String(url) } });
      this.thread.on("message", (data: unknown) => {
        const e: MessageEventLike = { type: "message", data };
        this.onmessage?.(e);
        for (const l of this.listeners) l(e);
      });
      // No 'error' listener on purpose: a failing curve thread then becomes an uncaught
      // error of the prover thread, which piscina reports as the task's failure instead
      // of leaving the proof waiting forever for an answer.
    }

    addEventListener(type: string, fn: Listener): void {
      if (type === "message") this.listeners.add(fn);
    }

    removeEventListener(type: string, fn: Listener): void {
      if (type === "message") this.listeners.delete(fn);
    }

    postMessage(data: unknown, transfer?: readonly TransferListItem[]): void {
      this.thread.postMessage(data, transfer);
    }

    terminate(): void {
      void this.thread.terminate();
    }
  };
}

/**
 * Installs the shim in this thread (no-op on the main thread, idempotent).
 * @param from - where the ffjavascript to shim is resolved from (circomlibjs has its own copy)
 */
export function installWebWorkerShim(from: string = __dirname): void {
  if (isMainThread) return;
  const file = webWorkerPath(from);
  const cached = require.cache[file];
  if (cached?.loaded && typeof cached.exports === "function") return;
  const m = new Module(file);
  m.filename = file;
  m.loaded = true;
  m.exports = nestedWorkerClass(file);
  require.cache[file] = m;
}

installWebWorkerShim();
