// Worker thread of the INSECURE development ptau generator (scripts/lib/ptau-dev.ts).
// Plain CommonJS so that it starts without ts-node. It turns scalars into affine
// points s·G with a fixed-base comb over ffjavascript's bn128 wasm arithmetic:
// a table of d·2^(w·k)·G per window k, then one mixed addition per window.
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
// ffjavascript loads the `web-worker` package, which assumes that any non-main thread
// is one of its own and require()s workerData.mod; the parent sets mod to this very
// file (already in the module cache), which makes that a no-op.
const { buildBn128 } = require(workerData.ffjavascript);

const PAGES = 8192; // 512 MiB of wasm memory: tables up to w = 16 for G2, plus a chunk

let ctx;
async function init() {
  // Our own instance of the curve's wasm code with a large memory: ffjavascript's
  // single-thread engine gives its instance 1.6 MB, far too small for the tables.
  const curve = await buildBn128(true);
  const memory = new WebAssembly.Memory({ initial: PAGES });
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(curve.tm.code), { env: { memory } });
  const u32 = new Uint32Array(memory.buffer);
  ctx = { x: instance.exports, memory, u32, u8: new Uint8Array(memory.buffer), gens: { 1: curve.tm.pG1gen, 2: curve.tm.pG2gen }, tables: {}, base: u32[0], top: u32[0] };
}

function alloc(n) {
  const p = (ctx.u32[0] + 7) & ~7;
  ctx.u32[0] = p + n;
  if (ctx.u32[0] > ctx.memory.buffer.byteLength) throw new Error("ptau worker: wasm memory exhausted");
  return p;
}

// Comb table for group g and window w: (nWin) windows of (2^w - 1) affine points.
function table(g, w) {
  const key = `${g}:${w}`;
  if (ctx.tables[key]) return ctx.tables[key];
  // A new window size for a group drops every table (they are cheap to rebuild
  // next to the work they save) so memory never fills with stale tables.
  if (Object.keys(ctx.tables).some((k) => k.startsWith(`${g}:`))) {
    ctx.tables = {};
    ctx.u32[0] = ctx.base;
    ctx.top = ctx.base;
  }
  ctx.u32[0] = ctx.top;
  const x = ctx.x;
  const pre = g === 1 ? "g1m" : "g2m";
  const n8 = g === 1 ? 32 : 64;
  const nWin = Math.ceil(254 / w);
  const per = (1 << w) - 1;
  const pTable = alloc(nWin * per * n8 * 2);
  const pJac = alloc(per * n8 * 3);
  const pBase = alloc(n8 * 3);
  x[`${pre}_copy`](ctx.gens[g], pBase);
  for (let k = 0; k < nWin; k++) {
    // entries d·B for d = 1 .. 2^w - 1, B = 2^(w·k)·G
    x[`${pre}_copy`](pBase, pJac);
    for (let d = 1; d < per; d++) x[`${pre}_add`](pJac + (d - 1) * n8 * 3, pBase, pJac + d * n8 * 3);
    const save = ctx.u32[0];
    x[`${pre}_batchToAffine`](pJac, per, pTable + k * per * n8 * 2);
    ctx.u32[0] = save;
    for (let i = 0; i < w; i++) x[`${pre}_double`](pBase, pBase);
  }
  ctx.u32[0] = pJac; // the jacobian scratch is not needed any more
  ctx.top = ctx.u32[0];
  ctx.tables[key] = { pTable, nWin, per, n8, pre, w };
  return ctx.tables[key];
}

// scalars: 32-byte little-endian standard-form scalars (plus 3 bytes of padding).
function mulBatch(g, w, scalars, n) {
  const t = table(g, w);
  const x = ctx.x;
  ctx.u32[0] = ctx.top;
  const pJ = alloc(n * t.n8 * 3);
  const pOut = alloc(n * t.n8 * 2);
  const add = x[`${t.pre}_addMixed`];
  const zero = x[`${t.pre}_zero`];
  const mask = t.per;
  const aff = t.n8 * 2;
  for (let i = 0; i < n; i++) {
    const pAcc = pJ + i * t.n8 * 3;
    zero(pAcc);
    const o = i * 32;
    for (let k = 0; k < t.nWin; k++) {
      const bit = k * w;
      const b = o + (bit >> 3);
      // The last window may reach past bit 255 into the next scalar's bytes: cut it.
      const m = bit + w > 256 ? (1 << (256 - bit)) - 1 : mask;
      const d = ((scalars[b] | (scalars[b + 1] << 8) | (scalars[b + 2] << 16)) >>> (bit & 7)) & m;
      if (d !== 0) add(pAcc, t.pTable + (k * t.per + d - 1) * aff, pAcc);
    }
  }
  x[`${t.pre}_batchToAffine`](pJ, n, pOut);
  const out = ctx.u8.slice(pOut, pOut + n * aff);
  ctx.u32[0] = ctx.top;
  return out;
}

parentPort.on("message", async (msg) => {
  try {
    if (!ctx) await init();
    const out = mulBatch(msg.group, msg.w, new Uint8Array(msg.scalars), msg.n);
    parentPort.postMessage({ id: msg.id, points: out }, [out.buffer]);
  } catch (err) {
    parentPort.postMessage({ id: msg.id, error: String(err && err.stack ? err.stack : err) });
  }
});
