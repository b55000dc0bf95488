pragma circom 2.1.9;

// GENERATED from prover/state/layout/spec.ts by scripts/gen-layout.ts (npm run gen:layout). Do not edit by hand:
// edit prover/state/layout/spec.ts and rerun; test/scripts/gen-layout.test.ts fails while this file is out of date.

// Op type codes (protocol.md section 5); an op's type byte is its code.
function OP_CODE_NOOP() { return 0; }
function OP_CODE_DEPOSIT() { return 1; }
function OP_CODE_TRADE() { return 2; }
function OP_CODE_WITHDRAW() { return 3; }
function OP_CODE_LIQUIDATE() { return 4; }
function OP_CODE_SETTLE() { return 5; }
function OP_CODE_DELEVERAGE() { return 6; }
function OP_CODE_FORCED_WITHDRAW() { return 7; }
// Op types; the codes are 0 .. LAYOUT_OP_TYPE_COUNT() - 1.
function LAYOUT_OP_TYPE_COUNT() { return 8; }

// Bytes of an account index for tree depth D: ceil(2D / 8).
function LAYOUT_IDX_BYTES(D) { return (2 * D + 7) \ 8; }
// Bytes of one op slot: 13 + 2 * IDX.
function LAYOUT_OP_BYTES(D) { return 13 + 2 * LAYOUT_IDX_BYTES(D); }
// Fields of an op slot: type, aIndex, bIndex, q, value, feeA, feeB.
function LAYOUT_OP_FIELD_COUNT() { return 7; }
// Their widths in bytes, in slot order.
function LAYOUT_OP_FIELD_WIDTHS(D) {
    var IDX = LAYOUT_IDX_BYTES(D);
    return [1, IDX, IDX, 4, 6, 1, 1];
}
// The type byte: the op type above LAYOUT_MARKET_BITS() market bits, marketId the low
// LAYOUT_MARKET_ID_BITS() of them and TRADE's makerIsBuy the bit above.
function LAYOUT_MARKET_BITS() { return 5; }
function LAYOUT_MARKET_ID_BITS() { return 4; }

// Header: timestamp, then per market price and rate + 2^23, then riskHash.
function LAYOUT_TIMESTAMP_BYTES() { return 4; }
function LAYOUT_PRICE_BYTES() { return 6; }
function LAYOUT_RATE_BYTES() { return 3; }
function LAYOUT_HEADER_MARKET_BYTES() { return 9; }
function LAYOUT_RISK_HASH_BYTES() { return 32; }
function LAYOUT_HEADER_BYTES(M) { return 4 + 9 * M + 32; }

// Hashed bytes: oldStateRoot, newStateRoot, header, depositHead, op data.
function LAYOUT_FIELD_BYTES() { return 32; }
function LAYOUT_HASHED_BYTES(D, M, N) { return 96 + LAYOUT_HEADER_BYTES(M) + N * LAYOUT_OP_BYTES(D); }
