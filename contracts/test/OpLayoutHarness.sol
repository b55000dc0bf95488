// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {OpLayout} from "../layout/OpLayout.sol";

/// @title Decodes op data with the generated OpLayout, for tests
/// @notice Not for production. The settlement contract decodes only what it pays out
/// (WITHDRAW and FORCED_WITHDRAW); this harness reads every field of every slot with the
/// same generated offsets and widths, so that a test can compare them, at any parameter
/// set, with the TypeScript decoding of prover/state/layout/ops.ts.
contract OpLayoutHarness {
    /// @notice One op slot's uniform fields, as raw integers (opType and market share its first byte).
    struct Slot {
        uint256 opType;
        uint256 aIndex;
        uint256 bIndex;
        uint256 market;
        uint256 q;
        uint256 value;
        uint256 feeA;
        uint256 feeB;
    }

    /// @notice The op data's length is not batchSize slots.
    /// @param expected batchSize · OP_BYTES
    /// @param actual The length given
    error OpDataLength(uint256 expected, uint256 actual);

    /// @notice Every slot of `ops`, decoded field by field.
    /// @param ops The op data, batchSize · OP_BYTES bytes
    /// @param accountDepth D, which fixes the index width
    /// @param batchSize N
    /// @return slots The decoded slots
    function decodeOps(bytes calldata ops, uint256 accountDepth, uint256 batchSize) external pure returns (Slot[] memory slots) {
        uint256 idx = OpLayout.idxBytes(accountDepth);
        uint256 opBytes = OpLayout.opBytes(idx);
        if (ops.length != batchSize * opBytes) revert OpDataLength(batchSize * opBytes, ops.length);
        slots = new Slot[](batchSize);
        for (uint256 i; i < batchSize; ++i) {
            uint256 b = i * opBytes;
            uint256 head = _read(ops, b + OpLayout.OP_TYPE_OFFSET, OpLayout.OP_TYPE_BYTES);
            slots[i] = Slot({
                opType: head >> OpLayout.MARKET_BITS,
                aIndex: _read(ops, b + OpLayout.OP_A_INDEX_OFFSET, idx),
                bIndex: _read(ops, b + OpLayout.opBIndexOffset(idx), idx),
                market: head & ((1 << OpLayout.MARKET_BITS) - 1),
                q: _read(ops, b + OpLayout.opQOffset(idx), OpLayout.OP_Q_BYTES),
                value: _read(ops, b + OpLayout.opValueOffset(idx), OpLayout.OP_VALUE_BYTES),
                feeA: _read(ops, b + OpLayout.opFeeAOffset(idx), OpLayout.OP_FEE_A_BYTES),
                feeB: _read(ops, b + OpLayout.opFeeBOffset(idx), OpLayout.OP_FEE_B_BYTES)
            });
        }
    }

    /// @notice The parameter-dependent sizes, as the settlement constructor computes them.
    /// @return idx IDX_BYTES
    /// @return opBytes OP_BYTES
    /// @return headerBytes HEADER_BYTES
    /// @return dataBytes DATA_BYTES
    /// @return riskTailBytes RISK_TAIL_BYTES
    function sizes(uint256 accountDepth, uint256 markets, uint256 scenarios, uint256 batchSize)
        external
        pure
        returns (uint256 idx, uint256 opBytes, uint256 headerBytes, uint256 dataBytes, uint256 riskTailBytes)
    {
        idx = OpLayout.idxBytes(accountDepth);
        opBytes = OpLayout.opBytes(idx);
        headerBytes = OpLayout.headerBytes(markets);
        dataBytes = OpLayout.dataBytes(markets, batchSize, idx);
        riskTailBytes = OpLayout.riskTailBytes(markets, scenarios);
    }

    /// @dev A big-endian unsigned integer of `width` bytes at `offset`, byte by byte (a
    /// 32-byte word read could run past the end of `data`).
    function _read(bytes calldata data, uint256 offset, uint256 width) private pure returns (uint256 v) {
        for (uint256 i; i < width; ++i) v = (v << 8) | uint8(data[offset + i]);
    }
}
