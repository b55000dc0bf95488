/**
 * INSECURE development powers of tau (docs/security.md, "The insecure development setup").
 *
 * `snarkjs powersoftau prepare phase2` needs minutes at 2^14 and hours at 2^20 on
 * two cores, because it runs an FFT over curve points. Here τ, α and β are known
 * (derived from a public seed), so every point of the file is a known scalar times a
 * generator: the Lagrange values L_i(τ) are computed in Fr (one batch inversion per
 * domain) and each point is one fixed-base comb multiplication in the worker threads
 * of ptau-dev-worker.js. Anyone can recompute τ from the seed and forge proofs:
 * never use these files outside development and tests.
 *
 * The file is complete and phase-2 prepared: sections 1–7 as `powersoftau new` writes
 * them (with 0 contributions) and sections 12–15 as `prepare phase2` writes them.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { REPO_ROOT } from "./circom";
import { startBar } from "./progress";

// ffjavascript ships no types; only its roots of unity are used here, so that the
// Lagrange blocks are ordered exactly as snarkjs' FFT orders them.
interface Bn128Fr {
  w: unknown[];
  toObject(x: unknown): bigint;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildBn128 } = require("ffjavascript") as { buildBn128(singleThread: boolean): Promise<{ Fr: Bn128Fr }> };

export const DEV_PTAU_SEED = "zksettle INSECURE development powers of tau v1";

const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
const G1_BYTES = 64; // affine, x and y, little-endian Montgomery
const G2_BYTES = 128;
const CHUNK = 1 << 14;

const mul = (a: bigint, b: bigint): bigint => (a * b) % R;
function pow(a: bigint, e: bigint): bigint {
  let r = 1n;
  let b = a % R;
  for (; e > 0n; e >>= 1n, b = mul(b, b)) if (e & 1n) r = mul(r, b);
  return r;
}
const inv = (a: bigint): bigint => pow(a, R - 2n);

/** The secrets of the dev ceremony, derived from a public seed: known to everyone. */
export function devSecrets(seed: string = DEV_PTAU_SEED): { tau: bigint; alpha: bigint; beta: bigint } {
  const derive = (label: string) => BigInt("0x" + crypto.createHash("sha256").update(`${seed}/${label}`).digest("hex")) % R;
  return { tau: derive("tau"), alpha: derive("alpha"), beta: derive("beta") };
}

/** Default location: build/ptau/insecure-dev-<power>.ptau (the name says what it is). */
export function devPtauPath(power: number): string {
  return path.join(REPO_ROOT, "build", "ptau", `insecure-dev-${power}.ptau`);
}

interface Section {
  id: number;
  size: number;
  pos: number; // where its data starts
}

/** Section sizes of a prepared ptau of 2^power, in file order. */
function layout(power: number): { sections: Section[]; total: number } {
  const n = 2 ** power;
  const sizes: [number, number][] = [
    [1, 4 + 32 + 4 + 4],
    [2, (2 * n - 1) * G1_BYTES],
    [3, n * G2_BYTES],
    [4, n * G1_BYTES],
    [5, n * G1_BYTES],
    [6, G2_BYTES],
    [7, 4],
    [12, (2 * 2 * n - 1) * G1_BYTES], // blocks for domains 2^0 .. 2^(power+1)
    [13, (2 * n - 1) * G2_BYTES], //     blocks for domains 2^0 .. 2^power
    [14, (2 * n - 1) * G1_BYTES],
    [15, (2 * n - 1) * G1_BYTES],
  ];
  let pos = 12; // "ptau", version, number of sections
  const sections = sizes.map(([id, size]) => {
    const s = { id, size, pos: pos + 12 };
    pos += 12 + size;
    return s;
  });
  return { sections, total: pos };
}

/** Fixed-size prefix of the file (magic, section table heads and the header section). */
function headerBytes(power: number): Buffer {
  const buf = Buffer.alloc(12 + 12 + 44);
  buf.write("ptau", 0, "ascii");
  buf.writeUInt32LE(1, 4);
  buf.writeUInt32LE(11, 8);
  buf.writeUInt32LE(1, 12);
  buf.writeBigUInt64LE(44n, 16);
  buf.writeUInt32LE(32, 24);
  for (let i = 0, q = Q; i < 32; i++, q >>= 8n) buf[28 + i] = Number(q & 0xffn);
  buf.writeUInt32LE(power, 60);
  buf.writeUInt32LE(power, 64); // ceremony power
  return buf;
}

/** Comb window that minimises table building (per worker) plus one addition per window. */
function bestWindow(points: number, workers: number): number {
  let best = 2;
  let bestCost = Infinity;
  for (let w = 2; w <= 16; w++) {
    const cost = Math.ceil(254 / w) * (workers * 2 ** w + points);
    if (cost < bestCost) [best, bestCost] = [w, cost];
  }
  return best;
}

class CombPool {
  private workers: Worker[] = [];
  private idle: Worker[] = [];
  private waiting: (() => void)[] = [];
  private pending = new Set<Promise<void>>();
  /** Rejects the job a worker is running, should the worker itself die. */
  private running = new Map<Worker, (err: Error) => void>();

  constructor(count: number) {
    const ff = require.resolve("ffjavascript");
    for (let i = 0; i < count; i++) {
      const file = path.join(__dirname, "ptau-dev-worker.js");
      // `mod`: see the note at the top of ptau-dev-worker.js.
      const w = new Worker(file, { workerData: { ffjavascript: ff, mod: file } });
      w.on("error", (err) => this.running.get(w)?.(err));
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  /** Queues s_i·G for every scalar; `done` receives the affine points. */
  async submit(group: 1 | 2, w: number, scalars: bigint[], done: (points: Uint8Array) => void): Promise<void> {
    while (this.idle.length === 0) await new Promise<void>((r) => this.waiting.push(r));
    const worker = this.idle.pop() as Worker;
    const bytes = new Uint8Array(scalars.length * 32 + 3);
    const view = new DataView(bytes.buffer);
    scalars.forEach((s, i) => {
      for (let k = 0; k < 4; k++) view.setBigUint64(i * 32 + k * 8, (s >> BigInt(64 * k)) & 0xffffffffffffffffn, true);
    });
    const job = new Promise<void>((resolve, reject) => {
      this.running.set(worker, reject);
      worker.once("message", (msg: { points?: Uint8Array; error?: string }) => {
        this.running.delete(worker);
        this.idle.push(worker);
        this.waiting.shift()?.();
        if (msg.error !== undefined || !msg.points) return reject(new Error(msg.error));
        done(msg.points);
        resolve();
      });
    });
    this.pending.add(job);
    void job.finally(() => this.pending.delete(job)).catch(() => undefined);
    worker.postMessage({ group, w, scalars: bytes.buffer, n: scalars.length }, [bytes.buffer]);
  }

  async drain(): Promise<void> {
    await Promise.all(this.pending);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** ω^i·(τ^n − 1) / (n·(τ − ω^i)) for i < n = 2^p: the Lagrange basis of domain p at τ. */
function lagrangeAtTau(tau: bigint, omega: bigint, p: number): bigint[] {
  const n = 2 ** p;
  const wi: bigint[] = new Array(n);
  const prefix: bigint[] = new Array(n);
  let acc = 1n;
  let w = 1n;
  for (let i = 0; i < n; i++, w = mul(w, omega)) {
    wi[i] = w;
    prefix[i] = acc;
    acc = mul(acc, (tau - w + R) % R);
  }
  // One inversion for the whole domain (Montgomery's batch trick).
  let accInv = inv(acc);
  const c = mul((pow(tau, BigInt(n)) - 1n + R) % R, inv(BigInt(n)));
  const out: bigint[] = new Array(n);
  for (let i = n - 1; i >= 0; i--) {
    const invI = mul(accInv, prefix[i]);
    accInv = mul(accInv, (tau - wi[i] + R) % R);
    out[i] = mul(mul(c, wi[i]), invI);
  }
  return out;
}

export interface DevPtauOptions {
  power: number;
  out?: string;
  seed?: string;
  workers?: number;
  /** Regenerate even if a file of the right size and header exists. */
  force?: boolean;
}

/** True when `file` is already a dev ptau of this power (size and header match). */
function isCurrent(file: string, power: number): boolean {
  if (!fs.existsSync(file) || fs.statSync(file).size !== layout(power).total) return false;
  const fd = fs.openSync(file, "r");
  try {
    const head = Buffer.alloc(68);
    fs.readSync(fd, head, 0, 68, 0);
    return head.equals(headerBytes(power));
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes a phase-2-prepared INSECURE ptau of 2^power (or keeps the cached one) and
 * returns its path. Supports circuits with up to 2^power constraints+public inputs.
 */
export async function generateDevPtau(opts: DevPtauOptions): Promise<string> {
  const { power } = opts;
  if (!Number.isInteger(power) || power < 1 || power > 27) throw new RangeError(`power must be in 1..27, got ${power}`);
  const out = path.resolve(opts.out ?? devPtauPath(power));
  if (!path.basename(out).includes("insecure")) throw new Error(`dev ptau file name must contain "insecure": ${out}`);
  if (!opts.force && isCurrent(out, power)) return out;
  fs.mkdirSync(path.dirname(out), { recursive: true });

  const { tau, alpha, beta } = devSecrets(opts.seed);
  const curve = await buildBn128(true); // single-threaded: only for the roots of unity
  const omega = (p: number): bigint => curve.Fr.toObject(curve.Fr.w[p]);

  const n = 2 ** power;
  const { sections, total } = layout(power);
  const sec = new Map(sections.map((s) => [s.id, s]));
  const tmp = `${out}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, "w");
  const nWorkers = opts.workers ?? Math.max(1, Math.min(os.cpus().length, 8));
  const pool = new CombPool(nWorkers);
  const g1Points = 12 * n;
  const w1 = bestWindow(g1Points, nWorkers);
  const w2 = bestWindow(3 * n, nWorkers);
  const bar = startBar(`INSECURE dev ptau 2^${power}`, g1Points + 3 * n);
  try {
    fs.writeSync(fd, headerBytes(power), 0, 68, 0);
    for (const s of sections.slice(1)) {
      const head = Buffer.alloc(12);
      head.writeUInt32LE(s.id, 0);
      head.writeBigUInt64LE(BigInt(s.size), 4);
      fs.writeSync(fd, head, 0, 12, s.pos - 12);
    }
    fs.writeSync(fd, Buffer.alloc(4), 0, 4, sec.get(7)!.pos); // 0 contributions

    // Writes s_i·G for a run of scalars at byte `pos`, in chunks across the workers.
    const emit = async (group: 1 | 2, scalars: bigint[], pos: number) => {
      const size = group === 1 ? G1_BYTES : G2_BYTES;
      for (let i = 0; i < scalars.length; i += CHUNK) {
        const at = pos + i * size;
        await pool.submit(group, group === 1 ? w1 : w2, scalars.slice(i, i + CHUNK), (pts) => {
          fs.writeSync(fd, pts, 0, pts.length, at);
          bar.increment(pts.length / size);
        });
      }
    };

    // Sections 2–6: powers of τ, times α and β.
    const taus: bigint[] = new Array(2 * n - 1);
    for (let i = 0, t = 1n; i < 2 * n - 1; i++, t = mul(t, tau)) taus[i] = t;
    await emit(1, taus, sec.get(2)!.pos);
    await emit(2, taus.slice(0, n), sec.get(3)!.pos);
    await emit(1, taus.slice(0, n).map((t) => mul(t, alpha)), sec.get(4)!.pos);
    await emit(1, taus.slice(0, n).map((t) => mul(t, beta)), sec.get(5)!.pos);
    await emit(2, [beta], sec.get(6)!.pos);

    // Sections 12–15: one Lagrange block per domain 2^p, stored one after another.
    for (let p = 0; p <= power + 1; p++) {
      const size = 2 ** p;
      const off = size - 1; // points in the blocks of smaller domains
      let L = lagrangeAtTau(tau, omega(p), p);
      if (p === power + 1) {
        // prepare phase2 builds this extra block (used by zkey new for the H query)
        // from τ^0..τ^(size−2) with the last power set to zero; remove the missing
        // term τ^(size−1)·ω^i/size from every L_i accordingly.
        const last = mul(mul(taus[size - 2], tau), inv(BigInt(size)));
        let wi = 1n;
        const om = omega(p);
        L = L.map((l) => {
          const v = (l - mul(last, wi) + R) % R;
          wi = mul(wi, om);
          return v;
        });
        await emit(1, L, sec.get(12)!.pos + off * G1_BYTES);
        break;
      }
      await emit(1, L, sec.get(12)!.pos + off * G1_BYTES);
      await emit(2, L, sec.get(13)!.pos + off * G2_BYTES);
      await emit(1, L.map((l) => mul(l, alpha)), sec.get(14)!.pos + off * G1_BYTES);
      await emit(1, L.map((l) => mul(l, beta)), sec.get(15)!.pos + off * G1_BYTES);
    }
    await pool.drain();
  } finally {
    bar.stop();
    fs.closeSync(fd);
    await pool.close();
  }
  if (fs.statSync(tmp).size !== total) throw new Error(`dev ptau: wrote ${fs.statSync(tmp).size} bytes, expected ${total}`);
  fs.renameSync(tmp, out);
  return out;
}
