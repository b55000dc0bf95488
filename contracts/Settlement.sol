// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ISettlement} from "./interfaces/ISettlement.sol";
import {SettlementBase} from "./settlement/SettlementBase.sol";
import {PriorityQueue} from "./settlement/PriorityQueue.sol";
import {Withdrawals} from "./settlement/Withdrawals.sol";
import {EscapeHatch} from "./settlement/EscapeHatch.sol";
import {Fallback} from "./settlement/Fallback.sol";
import {OpLayout} from "./layout/OpLayout.sol";

/// @title zksettle settlement contract
/// @notice Keeps the state root, the L1 priority queue (deposits and forced-withdrawal
/// requests on one Poseidon hash chain), finalizes batches proven by the batch circuit
/// (docs/protocol.md sections 5, 7, 8) and, when the operator stops serving the queue,
/// fallback mode (anyone proves) and then the escape hatch (docs/security.md). This file is the deployed composition: the
/// constructor, submitBatch, computeInputHash and the two-step operator transfer; the
/// parts live in contracts/settlement/.
/// @dev Batch calldata layout (protocol.md section 7), all integers big-endian:
///
///   data   oldStateRoot     --> 32 bytes (must equal the stored stateRoot)
///          newStateRoot     --> 32 bytes (< r)
///          depositsEnd      --> 4 bytes  (uint32)
///          header           --> HEADER_BYTES = 4 + 9·M + 32, at offset 68
///              timestamp        --> 4 bytes (uint32)
///              price_m          --> 6 bytes (uint48), m = 0..M-1, each followed by
///              fundingRate_m    --> 3 bytes (uint24, rate + 2^23)
///              riskHash         --> 32 bytes (the risk arrays in force from this batch on)
///          op data          --> N · OP_BYTES, OP_BYTES = 13 + 2·IDX, IDX = ceil(2·D / 8)
///              type             --> 1 byte  (bits 5-7: 0 NOOP 1 DEPOSIT 2 TRADE 3 WITHDRAW 4 LIQUIDATE 5 SETTLE
///                                            6 DELEVERAGE 7 FORCED_WITHDRAW; bits 0-4: marketId | makerIsBuy << 4)
///              aIndex           --> IDX bytes
///              bIndex           --> IDX bytes
///              q                --> 4 bytes (uint32)
///              value            --> 6 bytes (uint48: TRADE/DELEVERAGE price, WITHDRAW/FORCED_WITHDRAW amount)
///              feeA             --> 1 byte
///              feeB             --> 1 byte
///          risk tail        --> 0 or RISK_TAIL_BYTES = M·S·8 bytes, after the fixed DATA_BYTES:
///              pnl[m][s]        --> 8 bytes (int64), row by row; not hashed, not decoded
///
///   hashed bytes = oldStateRoot (32) ‖ newStateRoot (32) ‖ header ‖ queueHeads[depositsEnd] (32) ‖ op data
///                = data[0:64] ‖ header ‖ queueHeads[depositsEnd] ‖ op data
///   inputHash    = uint256(sha256(hashed bytes)) mod r
///
/// oldStateRoot travels in the data so that a stale or replayed batch is refused with
/// StateRootMismatch before the proof is checked; once it equals the stored root, the
/// first 64 bytes of `data` are the first 64 hashed bytes as they stand.
/// The ops are decoded only for WITHDRAW and FORCED_WITHDRAW (aIndex, value), which the
/// contract pays out; the circuit constrains everything else. The data is read by hand
/// rather than with abi.decode so that the bytes hashed by the circuit carry no ABI padding.
/// The risk tail is published when a batch changes riskHash, so that the arrays (committed
/// only by their hash) can be read from the chain; checking them against the header's
/// riskHash is the reader's (prover/state/replay.ts), and costs the contract nothing.
/// The layout is written once, in prover/state/layout/spec.ts; the offsets, widths and op
/// codes used here come from contracts/layout/OpLayout.sol, generated from it.
contract Settlement is SettlementBase, PriorityQueue, Withdrawals, EscapeHatch, Fallback {
    uint256 private constant DEPOSITS_END_OFFSET = OpLayout.DEPOSITS_END_OFFSET; // after the two roots
    uint256 private constant HEADER_OFFSET = OpLayout.HEADER_OFFSET; // after depositsEnd

    /// @notice Deploys the settlement of one parameter set and publishes its genesis state.
    /// @param config The parameters (ISettlement.Config)
    /// @param genesis The genesis state, encoded by prover/state/genesis-codec.ts (opaque here,
    /// only logged in GenesisPublished so that the state can be rebuilt from the chain; may be empty)
    constructor(Config memory config, bytes memory genesis) SettlementBase(config) {
        emit OperatorChanged(address(0), config.operator);
        emit AccountOwnerChanged(0, address(0), config.operator);
        emit GenesisPublished(config.genesisStateRoot, genesis);
    }

    // ---------------------------------------------------------------------------------
    // Batches
    // ---------------------------------------------------------------------------------

    /// @inheritdoc ISettlement
    function submitBatch(bytes calldata data, uint256[8] calldata proof) external notFrozen {
        bool fallbackBatch = _authorizeSubmitter();
        (uint256 newStateRoot, uint256 depositsEnd, uint256 inputHash) = _checkBatch(data);
        uint256 served = fallbackBatch ? _checkQueueFirst(data, HEADER_OFFSET + HEADER_BYTES, depositsEnd) : 0;

        bool valid = VERIFIER.verifyProof(
            [proof[0], proof[1]], [[proof[2], proof[3]], [proof[4], proof[5]]], [proof[6], proof[7]], [inputHash]
        );
        if (!valid) revert InvalidProof();

        uint256 oldStateRoot = stateRoot;
        uint256 batchNumber = _batchCount;
        stateRoot = newStateRoot;
        _batchCount = uint48(batchNumber + 1);
        _depositsConsumed = uint32(depositsEnd);
        emit BatchFinalized(batchNumber, oldStateRoot, newStateRoot, depositsEnd, inputHash);
        if (fallbackBatch) emit FallbackBatchFinalized(batchNumber, msg.sender, served);
        _creditWithdrawals(data, HEADER_OFFSET + HEADER_BYTES, batchNumber);
    }

    /// @inheritdoc ISettlement
    function computeInputHash(bytes calldata data) external view returns (uint256 inputHash) {
        (,, inputHash) = _checkBatch(data);
    }

    /// @dev The checks of protocol.md section 8 short of the proof, and the public input.
    function _checkBatch(bytes calldata data)
        private
        view
        returns (uint256 newStateRoot, uint256 depositsEnd, uint256 inputHash)
    {
        if (data.length < DATA_BYTES) revert BatchDataLength(DATA_BYTES, data.length);
        uint256 tail = data.length - DATA_BYTES;
        if (tail != 0 && tail != RISK_TAIL_BYTES) revert RiskTailLength(RISK_TAIL_BYTES, tail);

        uint256 oldStateRoot = uint256(bytes32(data[0:32]));
        if (oldStateRoot != stateRoot) revert StateRootMismatch(stateRoot, oldStateRoot);

        newStateRoot = uint256(bytes32(data[32:DEPOSITS_END_OFFSET]));
        if (newStateRoot >= FIELD_MODULUS) revert FieldOverflow(newStateRoot);

        // queueHeads[i] is non-zero exactly for 1 ≤ i ≤ queue length (SettlementBase), so the
        // head read for the hash also bounds depositsEnd by the queue length.
        depositsEnd = uint32(bytes4(data[DEPOSITS_END_OFFSET:HEADER_OFFSET]));
        uint256 depositHead = queueHeads[depositsEnd];
        if (depositsEnd < _depositsConsumed || (depositsEnd != 0 && depositHead == 0)) {
            revert DepositsOutOfRange(depositsEnd, _depositsConsumed, _queueLength);
        }

        // The circuit decomposes riskHash strictly (< r): refuse other bytes with a clear error
        // here rather than as an unverifiable proof.
        uint256 headerEnd = HEADER_OFFSET + HEADER_BYTES;
        uint256 riskHash = uint256(bytes32(data[headerEnd - OpLayout.RISK_HASH_BYTES:headerEnd]));
        if (riskHash >= FIELD_MODULUS) revert FieldOverflow(riskHash);

        uint256 timestamp = uint32(bytes4(data[HEADER_OFFSET:HEADER_OFFSET + OpLayout.TIMESTAMP_BYTES]));
        uint256 limit = block.timestamp + MAX_ORACLE_DRIFT;
        if (timestamp > limit) revert OracleTimestampAhead(timestamp, limit);

        inputHash = _inputHash(data, depositHead);
    }

    /// @dev `uint256(sha256(data[0:64] ‖ header ‖ depositHead ‖ op data)) mod r`, the hashed bytes
    /// laid out in free memory with calldatacopy (abi.encodePacked of calldata slices costs
    /// several times more per op byte) and hashed by the sha256 precompile.
    /// data[0:64] = oldStateRoot ‖ newStateRoot, oldStateRoot checked equal to stateRoot.
    /// The op data ends at DATA_BYTES: a risk tail after it is not hashed.
    function _inputHash(bytes calldata data, uint256 depositHead) private view returns (uint256) {
        uint256 headerBytes = HEADER_BYTES;
        // Inline assembly reads no library constants: these are OpLayout's, on the stack.
        uint256 rootsBytes = DEPOSITS_END_OFFSET;
        uint256 headerOffset = HEADER_OFFSET;
        uint256 fieldBytes = OpLayout.FIELD_BYTES;
        uint256 opsOffset = headerOffset + headerBytes;
        uint256 opsLength = DATA_BYTES - opsOffset;
        bool ok;
        uint256 digest;
        // sha256 over slices of calldata and a stored word: assembly copies each slice once
        // into scratch memory, where Solidity would build the preimage with abi.encodePacked copies.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, data.offset, rootsBytes)
            calldatacopy(add(ptr, rootsBytes), add(data.offset, headerOffset), headerBytes)
            let head := add(add(ptr, rootsBytes), headerBytes)
            mstore(head, depositHead)
            calldatacopy(add(head, fieldBytes), add(data.offset, opsOffset), opsLength)
            ok := staticcall(gas(), 0x02, ptr, add(add(rootsBytes, fieldBytes), add(headerBytes, opsLength)), 0, 32)
            digest := mload(0)
        }
        if (!ok) revert InvalidProof(); // only out of gas makes the sha256 precompile fail
        return digest % FIELD_MODULUS;
    }

    // ---------------------------------------------------------------------------------
    // Operator
    // ---------------------------------------------------------------------------------

    /// @inheritdoc ISettlement
    function transferOperator(address newOperator) external onlyOperator {
        pendingOperator = newOperator;
        emit OperatorTransferStarted(msg.sender, newOperator);
    }

    /// @inheritdoc ISettlement
    function acceptOperator() external {
        address pending = pendingOperator;
        if (msg.sender != pending || pending == address(0)) revert NotPendingOperator(msg.sender);
        address previous = operator;
        operator = pending;
        pendingOperator = address(0);
        emit OperatorChanged(previous, pending);
    }
}
