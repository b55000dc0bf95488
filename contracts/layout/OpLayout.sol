// SPDX-License-Identifier: MIT
// GENERATED from prover/state/layout/spec.ts by scripts/gen-layout.ts (npm run gen:layout). Do not edit by hand:
// edit prover/state/layout/spec.ts and rerun; test/scripts/gen-layout.test.ts fails while this file is out of date.
pragma solidity ^0.8.28;

/// @title OpLayout: the batch calldata layout of protocol.md section 7
/// @notice Generated from prover/state/layout/spec.ts, the one written layout: op codes, widths and offsets.
/// What depends on the parameters is a function of them (idx = idxBytes(accountDepth));
/// the settlement contract evaluates those once, into immutables, at construction.
library OpLayout {
    /// @dev Op type code of NOOP.
    uint256 internal constant OP_NOOP = 0;
    /// @dev Op type code of DEPOSIT.
    uint256 internal constant OP_DEPOSIT = 1;
    /// @dev Op type code of TRADE.
    uint256 internal constant OP_TRADE = 2;
    /// @dev Op type code of WITHDRAW.
    uint256 internal constant OP_WITHDRAW = 3;
    /// @dev Op type code of LIQUIDATE.
    uint256 internal constant OP_LIQUIDATE = 4;
    /// @dev Op type code of SETTLE.
    uint256 internal constant OP_SETTLE = 5;
    /// @dev Op type code of DELEVERAGE.
    uint256 internal constant OP_DELEVERAGE = 6;
    /// @dev Op type code of FORCED_WITHDRAW.
    uint256 internal constant OP_FORCED_WITHDRAW = 7;

    /// @dev Bytes of a field element (a state root, riskHash, depositHead).
    uint256 internal constant FIELD_BYTES = 32;
    /// @dev Offset of depositsEnd in `data`, after the two roots.
    uint256 internal constant DEPOSITS_END_OFFSET = 64;
    /// @dev Offset of the header in `data`, after depositsEnd.
    uint256 internal constant HEADER_OFFSET = 68;
    /// @dev Bytes of the header timestamp, the header's first field.
    uint256 internal constant TIMESTAMP_BYTES = 4;
    /// @dev Bytes of one market in the header: price, then rate + 2^23.
    uint256 internal constant HEADER_MARKET_BYTES = 9;
    /// @dev Bytes of riskHash, the header's last field.
    uint256 internal constant RISK_HASH_BYTES = 32;
    /// @dev Bytes of one pnl[m][s] of the risk tail (int64).
    uint256 internal constant PNL_BYTES = 8;
    /// @dev The type byte's low bits that hold the market; the op type is above them.
    uint256 internal constant MARKET_BITS = 5;
    /// @dev marketId is the type byte's low bits; TRADE's makerIsBuy the bit above.
    uint256 internal constant MARKET_ID_BITS = 4;

    /// @dev Width of an op slot's type.
    uint256 internal constant OP_TYPE_BYTES = 1;
    /// @dev A word read at type's offset, shifted right by this, is the op type.
    uint256 internal constant OP_TYPE_SHIFT = 253;
    /// @dev Offset of type (1 byte) in an op slot.
    uint256 internal constant OP_TYPE_OFFSET = 0;
    /// @dev Offset of aIndex (IDX bytes) in an op slot.
    uint256 internal constant OP_A_INDEX_OFFSET = 1;
    /// @dev Offset of bIndex (IDX bytes) in an op slot.
    function opBIndexOffset(uint256 idx) internal pure returns (uint256) {
        return 1 + idx;
    }
    /// @dev Width of an op slot's q.
    uint256 internal constant OP_Q_BYTES = 4;
    /// @dev A word read at q's offset, shifted right by this, is q.
    uint256 internal constant OP_Q_SHIFT = 224;
    /// @dev Offset of q (4 bytes) in an op slot.
    function opQOffset(uint256 idx) internal pure returns (uint256) {
        return 1 + 2 * idx;
    }
    /// @dev Width of an op slot's value.
    uint256 internal constant OP_VALUE_BYTES = 6;
    /// @dev A word read at value's offset, shifted right by this, is value.
    uint256 internal constant OP_VALUE_SHIFT = 208;
    /// @dev Offset of value (6 bytes) in an op slot.
    function opValueOffset(uint256 idx) internal pure returns (uint256) {
        return 5 + 2 * idx;
    }
    /// @dev Width of an op slot's feeA.
    uint256 internal constant OP_FEE_A_BYTES = 1;
    /// @dev A word read at feeA's offset, shifted right by this, is feeA.
    uint256 internal constant OP_FEE_A_SHIFT = 248;
    /// @dev Offset of feeA (1 byte) in an op slot.
    function opFeeAOffset(uint256 idx) internal pure returns (uint256) {
        return 11 + 2 * idx;
    }
    /// @dev Width of an op slot's feeB.
    uint256 internal constant OP_FEE_B_BYTES = 1;
    /// @dev A word read at feeB's offset, shifted right by this, is feeB.
    uint256 internal constant OP_FEE_B_SHIFT = 248;
    /// @dev Offset of feeB (1 byte) in an op slot.
    function opFeeBOffset(uint256 idx) internal pure returns (uint256) {
        return 12 + 2 * idx;
    }
    /// @dev A word read at an account index's offset, shifted right by this, is the index.
    function indexShift(uint256 idx) internal pure returns (uint256) {
        return 256 - 8 * idx;
    }

    /// @dev IDX = ceil(2D / 8), bytes of an account index (< 4^D).
    function idxBytes(uint256 accountDepth) internal pure returns (uint256) {
        return (2 * accountDepth + 7) / 8;
    }
    /// @dev OP_BYTES, bytes of one op slot.
    function opBytes(uint256 idx) internal pure returns (uint256) {
        return 13 + 2 * idx;
    }
    /// @dev HEADER_BYTES: timestamp, price and rate per market, riskHash.
    function headerBytes(uint256 markets) internal pure returns (uint256) {
        return 4 + 9 * markets + 32;
    }
    /// @dev DATA_BYTES, the fixed (hashed) part of `data`: roots, depositsEnd, header, op data.
    function dataBytes(uint256 markets, uint256 batchSize, uint256 idx) internal pure returns (uint256) {
        return HEADER_OFFSET + headerBytes(markets) + batchSize * opBytes(idx);
    }
    /// @dev RISK_TAIL_BYTES, the optional pnl arrays after DATA_BYTES.
    function riskTailBytes(uint256 markets, uint256 scenarios) internal pure returns (uint256) {
        return markets * scenarios * PNL_BYTES;
    }
}
