// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IFallback} from "../interfaces/IFallback.sol";
import {SettlementBase} from "./SettlementBase.sol";
import {OpLayout} from "../layout/OpLayout.sol";

/// @title Fallback mode: anyone proves when the operator stops serving the queue (docs/security.md)
/// @notice Order of the remedies for an unserved queue entry (decisions.md, "Fallback before freeze"):
///   queuedAt + FORCED_DEADLINE   anyone may `enterFallback`: any address may submit batches
///   queuedAt + FREEZE_DEADLINE   anyone may `freeze` (EscapeHatch.sol): no batch ever again, accounts exit
/// A fallback batch is an ordinary batch (same data, same circuit, same proof, oracle-signed
/// header included) from any submitter, under the queue-first rule checked here:
///   1. its first `served = depositsEnd − depositsConsumed` slots are DEPOSIT or FORCED_WITHDRAW
///      (the circuit makes exactly `served` slots consume queue entries, in queue order, so no
///      other op runs before them);
///   2. if it leaves a slot for other ops while entries remain, the first entry it leaves is
///      younger than FALLBACK_GRACE (so a stream of fresh deposits cannot make every batch
///      stale while it is being proven, and an old entry cannot be skipped);
///   3. no DELEVERAGE: the only op whose counterparty the submitter would choose freely.
/// Racing submitters are resolved by the old root: the first valid batch moves `stateRoot`,
/// every other one built on the same root reverts StateRootMismatch before its proof is
/// checked, so nothing is applied twice.
/// The operator ends the mode with `resumeOperator` once no unconsumed entry is overdue.
abstract contract Fallback is SettlementBase, IFallback {
    /// @notice A fallback batch may leave queue entries younger than this for the next batch.
    uint256 public constant FALLBACK_GRACE = 1 hours;

    /// @inheritdoc IFallback
    function enterFallback() external notFrozen {
        if (_fallbackMode) revert AlreadyInFallback();
        uint256 queueIndex = _depositsConsumed;
        if (queueIndex >= _queueLength) revert NothingPending();
        uint256 queuedAt = queueEntries[queueIndex].queuedAt;
        if (block.timestamp <= queuedAt + FORCED_DEADLINE) revert FallbackTooEarly(queueIndex, queuedAt + FORCED_DEADLINE + 1);
        _fallbackMode = true;
        emit FallbackEntered(queueIndex, queuedAt, stateRoot, msg.sender);
    }

    /// @inheritdoc IFallback
    function resumeOperator() external notFrozen {
        if (!_fallbackMode) revert NotInFallback();
        if (msg.sender != operator) revert NotOperator(msg.sender);
        uint256 queueIndex = _depositsConsumed;
        if (queueIndex < _queueLength) {
            uint256 deadline = queueEntries[queueIndex].queuedAt + FORCED_DEADLINE;
            if (block.timestamp > deadline) revert QueueStillOverdue(queueIndex, deadline);
        }
        _fallbackMode = false;
        emit FallbackExited(msg.sender, stateRoot);
    }

    /// @inheritdoc IFallback
    function fallbackMode() external view returns (bool) {
        return _fallbackMode;
    }

    /// @notice Who may submit a batch: the operator, or anyone in fallback mode.
    /// @return fallbackBatch True when the batch must pass `_checkQueueFirst` (every batch in
    /// fallback mode, the operator's included: the mode ends only through resumeOperator)
    function _authorizeSubmitter() internal view returns (bool fallbackBatch) {
        if (_fallbackMode) return true;
        if (msg.sender != operator) revert NotOperator(msg.sender);
        return false;
    }

    /// @notice The queue-first rule of a fallback batch (see the contract's notice). `depositsEnd`
    /// is already checked to be in [depositsConsumed, queue length].
    /// @param data The batch data
    /// @param opsOffset Where the op data starts in `data`
    /// @param depositsEnd The batch's depositsEnd
    /// @return served Queue entries the batch consumes
    function _checkQueueFirst(bytes calldata data, uint256 opsOffset, uint256 depositsEnd)
        internal
        view
        returns (uint256 served)
    {
        served = depositsEnd - _depositsConsumed;
        uint256 n = BATCH_SIZE;
        uint256 opBytes = OP_BYTES;
        if (served < n && depositsEnd < _queueLength) {
            uint256 queuedAt = queueEntries[depositsEnd].queuedAt;
            if (block.timestamp >= queuedAt + FALLBACK_GRACE) revert FallbackQueueNotServed(depositsEnd, queuedAt);
        }
        for (uint256 slot; slot < n; ++slot) {
            // the type byte's top bits; its low ones are the market
            uint256 t = uint8(data[opsOffset + slot * opBytes + OpLayout.OP_TYPE_OFFSET]) >> OpLayout.MARKET_BITS;
            if (slot < served) {
                if (t != OpLayout.OP_DEPOSIT && t != OpLayout.OP_FORCED_WITHDRAW) revert FallbackOpBeforeQueue(slot, t);
            } else if (t == OpLayout.OP_DELEVERAGE) {
                revert FallbackOpNotAllowed(slot, t);
            }
        }
    }
}
