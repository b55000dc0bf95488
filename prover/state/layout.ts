/**
 * The byte layout of protocol.md section 7, the one written layout that the circuit and
 * contracts/Settlement.sol mirror: widths and offsets (layout/spec.ts), the decoded forms
 * (layout/wire.ts), the header (layout/header.ts), op slots (layout/ops.ts), and the
 * calldata and public input (layout/batch.ts), and the risk tail (layout/risk-tail.ts).
 */
export * from "./layout/spec";
export * from "./layout/wire";
export * from "./layout/header";
export * from "./layout/ops";
export * from "./layout/batch";
export * from "./layout/risk-tail";
