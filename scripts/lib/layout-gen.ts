/**
 * Renders the op-data layout of prover/state/layout/spec.ts as a Circom include and a
 * Solidity library, so that the circuit and the contract read widths, offsets and op
 * codes from the one written layout instead of keeping copies that drift. Pure: the
 * files are written by scripts/gen-layout.ts, and test/scripts/gen-layout.test.ts
 * renders them again in memory to catch a committed file that is out of date.
 *
 * An offset inside an op slot depends on the account depth only through IDX, the bytes
 * of an account index, so each is rendered as `c + k·IDX` with c and k summed from
 * OP_SLOT_FIELDS; the other widths are constants or linear in M and N.
 */
import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./circom";
import {
  HEADER_MARKET_BYTES,
  HEADER_RISK_HASH_BYTES,
  MARKET_BITS,
  MARKET_ID_BITS,
  OP_CODE,
  OP_SLOT_FIELDS,
  OP_TYPES,
  WIDTH,
  idxBytes,
} from "../../prover/state/layout/spec";

export { REPO_ROOT };
const SPEC = "prover/state/layout/spec.ts";
const SCRIPT = "scripts/gen-layout.ts";

/** One slot field: offset = constant + idxCoeff·IDX, width a constant or IDX. */
export interface SlotFieldLayout {
  name: string;
  constant: number;
  idxCoeff: number;
  width: number | "IDX";
}

/** The op slot's fields with their offsets as linear functions of IDX. */
export function slotFields(): SlotFieldLayout[] {
  let constant = 0;
  let idxCoeff = 0;
  return OP_SLOT_FIELDS.map((f) => {
    const out = { name: f.name, constant, idxCoeff, width: f.width };
    if (f.width === "IDX") idxCoeff++;
    else constant += f.width;
    return out;
  });
}

/** OP_BYTES = fixed + perIdx·IDX. */
function opBytesTerms(): { fixed: number; perIdx: number } {
  const fields = slotFields();
  const last = fields[fields.length - 1];
  const width = last.width === "IDX" ? 0 : last.width;
  return { fixed: last.constant + width, perIdx: last.idxCoeff + (last.width === "IDX" ? 1 : 0) };
}

/**
 * Both languages have integer division, not ceil: IDX is rendered as (2D + 7) / 8, which
 * is spec.ts's idxBytes for every depth protocol.md section 1 allows (checked here, so a
 * change to idxBytes cannot leave the rendered formula behind).
 */
function checkIdxFormula(): void {
  for (let D = 1; D <= 15; D++) {
    if (Math.floor((2 * D + 7) / 8) !== idxBytes(D)) throw new Error(`${SPEC}: idxBytes(${D}) is no longer (2D + 7) / 8; update ${SCRIPT}`);
  }
}

/** `c + k * idx`, without the terms that are zero. */
function linear(constant: number, coeff: number, variable: string): string {
  if (coeff === 0) return String(constant);
  const term = coeff === 1 ? variable : `${coeff} * ${variable}`;
  return constant === 0 ? term : `${constant} + ${term}`;
}

const snake = (name: string): string => name.replace(/([A-Z])/g, "_$1").toUpperCase();
const pascal = (name: string): string => name[0].toUpperCase() + name.slice(1);

const HEADER_LINES = [
  `GENERATED from ${SPEC} by ${SCRIPT} (npm run gen:layout). Do not edit by hand:`,
  `edit ${SPEC} and rerun; test/scripts/gen-layout.test.ts fails while this file is out of date.`,
];

/** The Circom include: functions, since Circom has no global constants. */
export function renderCircom(): string {
  checkIdxFormula();
  // OpType's one-hot compares the type with each t below the count: codes must be 0..count-1.
  OP_TYPES.forEach((t, i) => {
    if (OP_CODE[t] !== i) throw new Error(`${SPEC}: OP_CODE.${t} = ${OP_CODE[t]}, the codes must be 0 .. ${OP_TYPES.length - 1} in order`);
  });
  const { fixed, perIdx } = opBytesTerms();
  const widths = OP_SLOT_FIELDS.map((f) => (f.width === "IDX" ? "IDX" : String(f.width))).join(", ");
  const L: string[] = ["pragma circom 2.1.9;", "", ...HEADER_LINES.map((l) => `// ${l}`), ""];
  L.push("// Op type codes (protocol.md section 5); an op's type byte is its code.");
  for (const t of OP_TYPES) L.push(`function OP_CODE_${t}() { return ${OP_CODE[t]}; }`);
  L.push(`// Op types; the codes are 0 .. LAYOUT_OP_TYPE_COUNT() - 1.`);
  L.push(`function LAYOUT_OP_TYPE_COUNT() { return ${OP_TYPES.length}; }`);
  L.push("");
  L.push("// Bytes of an account index for tree depth D: ceil(2D / 8).");
  L.push("function LAYOUT_IDX_BYTES(D) { return (2 * D + 7) \\ 8; }");
  L.push(`// Bytes of one op slot: ${linear(fixed, perIdx, "IDX")}.`);
  L.push(`function LAYOUT_OP_BYTES(D) { return ${linear(fixed, perIdx, "LAYOUT_IDX_BYTES(D)")}; }`);
  L.push(`// Fields of an op slot: ${OP_SLOT_FIELDS.map((f) => f.name).join(", ")}.`);
  L.push(`function LAYOUT_OP_FIELD_COUNT() { return ${OP_SLOT_FIELDS.length}; }`);
  L.push("// Their widths in bytes, in slot order.");
  L.push(`function LAYOUT_OP_FIELD_WIDTHS(D) {`, `    var IDX = LAYOUT_IDX_BYTES(D);`, `    return [${widths}];`, `}`);
  L.push(`// The type byte: the op type above LAYOUT_MARKET_BITS() market bits, marketId the low`);
  L.push(`// LAYOUT_MARKET_ID_BITS() of them and TRADE's makerIsBuy the bit above.`);
  L.push(`function LAYOUT_MARKET_BITS() { return ${MARKET_BITS}; }`);
  L.push(`function LAYOUT_MARKET_ID_BITS() { return ${MARKET_ID_BITS}; }`);
  L.push("");
  L.push("// Header: timestamp, then per market price and rate + 2^23, then riskHash.");
  L.push(`function LAYOUT_TIMESTAMP_BYTES() { return ${WIDTH.timestamp}; }`);
  L.push(`function LAYOUT_PRICE_BYTES() { return ${WIDTH.markPrice}; }`);
  L.push(`function LAYOUT_RATE_BYTES() { return ${WIDTH.fundingRate}; }`);
  L.push(`function LAYOUT_HEADER_MARKET_BYTES() { return ${HEADER_MARKET_BYTES}; }`);
  L.push(`function LAYOUT_RISK_HASH_BYTES() { return ${HEADER_RISK_HASH_BYTES}; }`);
  L.push(`function LAYOUT_HEADER_BYTES(M) { return ${WIDTH.timestamp} + ${HEADER_MARKET_BYTES} * M + ${HEADER_RISK_HASH_BYTES}; }`);
  L.push("");
  L.push("// Hashed bytes: oldStateRoot, newStateRoot, header, depositHead, op data.");
  L.push(`function LAYOUT_FIELD_BYTES() { return ${WIDTH.field}; }`);
  L.push(
    `function LAYOUT_HASHED_BYTES(D, M, N) { return ${3 * WIDTH.field} + LAYOUT_HEADER_BYTES(M) + N * LAYOUT_OP_BYTES(D); }`,
  );
  return L.join("\n") + "\n";
}

const constant = (name: string, value: number | string, doc: string): string[] => [
  `    /// @dev ${doc}`,
  `    uint256 internal constant ${name} = ${value};`,
];
const pureFn = (name: string, args: string[], body: string, doc: string): string[] => [
  `    /// @dev ${doc}`,
  `    function ${name}(${args.map((a) => `uint256 ${a}`).join(", ")}) internal pure returns (uint256) {`,
  `        return ${body};`,
  `    }`,
];

/** The Solidity library: constants, and pure functions of what the deployment fixes. */
export function renderSolidity(): string {
  checkIdxFormula();
  const { fixed, perIdx } = opBytesTerms();
  const B: string[] = [];
  for (const t of OP_TYPES) B.push(...constant(`OP_${t}`, OP_CODE[t], `Op type code of ${t}.`));
  B.push("");
  B.push(...constant("FIELD_BYTES", WIDTH.field, "Bytes of a field element (a state root, riskHash, depositHead)."));
  B.push(...constant("DEPOSITS_END_OFFSET", 2 * WIDTH.field, "Offset of depositsEnd in `data`, after the two roots."));
  B.push(...constant("HEADER_OFFSET", 2 * WIDTH.field + WIDTH.depositsEnd, "Offset of the header in `data`, after depositsEnd."));
  B.push(...constant("TIMESTAMP_BYTES", WIDTH.timestamp, "Bytes of the header timestamp, the header's first field."));
  B.push(...constant("HEADER_MARKET_BYTES", HEADER_MARKET_BYTES, "Bytes of one market in the header: price, then rate + 2^23."));
  B.push(...constant("RISK_HASH_BYTES", HEADER_RISK_HASH_BYTES, "Bytes of riskHash, the header's last field."));
  B.push(...constant("PNL_BYTES", WIDTH.pnl, "Bytes of one pnl[m][s] of the risk tail (int64)."));
  B.push(...constant("MARKET_BITS", MARKET_BITS, "The type byte's low bits that hold the market; the op type is above them."));
  B.push(...constant("MARKET_ID_BITS", MARKET_ID_BITS, "marketId is the type byte's low bits; TRADE's makerIsBuy the bit above."));
  B.push("");
  for (const f of slotFields()) {
    const N = snake(f.name);
    const width = f.width === "IDX" ? "IDX bytes" : `${f.width} byte${f.width === 1 ? "" : "s"}`;
    if (f.width !== "IDX") {
      B.push(...constant(`OP_${N}_BYTES`, f.width, `Width of an op slot's ${f.name}.`));
      // the type byte also holds the market: the op type is its top bits
      const shift = f.name === "type" ? 256 - 8 * f.width + MARKET_BITS : 256 - 8 * f.width;
      B.push(...constant(`OP_${N}_SHIFT`, shift, `A word read at ${f.name}'s offset, shifted right by this, is ${f.name === "type" ? "the op type" : f.name}.`));
    }
    const doc = `Offset of ${f.name} (${width}) in an op slot.`;
    if (f.idxCoeff === 0) B.push(...constant(`OP_${N}_OFFSET`, f.constant, doc));
    else B.push(...pureFn(`op${pascal(f.name)}Offset`, ["idx"], linear(f.constant, f.idxCoeff, "idx"), doc));
  }
  B.push(...pureFn("indexShift", ["idx"], "256 - 8 * idx", "A word read at an account index's offset, shifted right by this, is the index."));
  B.push("");
  B.push(...pureFn("idxBytes", ["accountDepth"], "(2 * accountDepth + 7) / 8", "IDX = ceil(2D / 8), bytes of an account index (< 4^D)."));
  B.push(...pureFn("opBytes", ["idx"], linear(fixed, perIdx, "idx"), "OP_BYTES, bytes of one op slot."));
  B.push(
    ...pureFn(
      "headerBytes",
      ["markets"],
      `${WIDTH.timestamp} + ${HEADER_MARKET_BYTES} * markets + ${HEADER_RISK_HASH_BYTES}`,
      "HEADER_BYTES: timestamp, price and rate per market, riskHash.",
    ),
  );
  B.push(
    ...pureFn(
      "dataBytes",
      ["markets", "batchSize", "idx"],
      `HEADER_OFFSET + headerBytes(markets) + batchSize * opBytes(idx)`,
      "DATA_BYTES, the fixed (hashed) part of `data`: roots, depositsEnd, header, op data.",
    ),
  );
  B.push(...pureFn("riskTailBytes", ["markets", "scenarios"], `markets * scenarios * PNL_BYTES`, "RISK_TAIL_BYTES, the optional pnl arrays after DATA_BYTES."));
  return [
    "// SPDX-License-Identifier: MIT",
    ...HEADER_LINES.map((l) => `// ${l}`),
    "pragma solidity ^0.8.28;",
    "",
    "/// @title OpLayout: the batch calldata layout of protocol.md section 7",
    `/// @notice Generated from ${SPEC}, the one written layout: op codes, widths and offsets.`,
    "/// What depends on the parameters is a function of them (idx = idxBytes(accountDepth));",
    "/// the settlement contract evaluates those once, into immutables, at construction.",
    "library OpLayout {",
    ...B,
    "}",
    "",
  ].join("\n");
}

/** The generated files, relative to the repository root, and their renderers. */
export const GENERATED_LAYOUT: readonly { file: string; render: () => string }[] = [
  { file: "circuits/lib/generated/layout.circom", render: renderCircom },
  { file: "contracts/layout/OpLayout.sol", render: renderSolidity },
];

/**
 * Writes every generated file whose content differs (an unchanged file keeps its mtime,
 * so Hardhat's and the circuit cache's checks see no change).
 * @returns the files written, relative to the repository root
 */
export function writeLayout(root: string = REPO_ROOT): string[] {
  const written: string[] = [];
  for (const { file, render } of GENERATED_LAYOUT) {
    const target = path.join(root, file);
    const text = render();
    if (fs.existsSync(target) && fs.readFileSync(target, "utf8") === text) continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
    written.push(file);
  }
  return written;
}

/** The generated files whose committed content is not what spec.ts renders now. */
export function staleLayout(root: string = REPO_ROOT): string[] {
  return GENERATED_LAYOUT.filter(({ file, render }) => {
    const target = path.join(root, file);
    return !fs.existsSync(target) || fs.readFileSync(target, "utf8") !== render();
  }).map(({ file }) => file);
}
