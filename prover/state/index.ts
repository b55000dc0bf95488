/**
 * The reference rules of zksettle (protocol.md sections 2–6): pure, no I/O.
 * `await initCrypto()` before anything that hashes or signs.
 * (`layout.ts` and `params.ts` are imported from their own modules: layout's op
 * types describe op *data* and share names with the rule types here.)
 */
export * from "./field";
export * from "./crypto";
export * from "./errors";
export * from "./account";
export * from "./tree";
export * from "./global";
export * from "./state";
export * from "./margin";
export * from "./signing";
export * from "./header";
export * from "./ops/noop";
export * from "./ops/deposit";
export * from "./ops/common";
export * from "./ops/trade";
export * from "./ops/withdraw";
export * from "./ops/liquidate";
export * from "./ops/settle";
export * from "./ops/deleverage";
export * from "./trace";
export * from "./batch";
export * from "./genesis";
