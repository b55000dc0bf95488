// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Fallback mode: permissionless proving when the operator stops serving the queue
/// @notice After FORCED_DEADLINE of an unserved priority-queue entry, anyone may switch the
/// settlement contract to fallback mode, in which any address may submit a batch with a
/// valid proof, provided the batch serves the queue first (docs/security.md, "Fallback
/// mode"). Freezing stays the last resort, FREEZE_DEADLINE = 2 × FORCED_DEADLINE after
/// the entry was queued. The operator resumes with `resumeOperator` once no entry is overdue.
interface IFallback {
    // ---------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------

    /// @notice Thrown when `enterFallback` is called before the oldest unconsumed queue entry is overdue.
    /// @param queueIndex The oldest unconsumed entry
    /// @param opensAt The first timestamp at which fallback mode may be entered (queuedAt + FORCED_DEADLINE + 1)
    error FallbackTooEarly(uint256 queueIndex, uint256 opensAt);

    /// @notice Thrown when `enterFallback` is called while the contract is in fallback mode already.
    error AlreadyInFallback();

    /// @notice Thrown when `resumeOperator` is called while the contract is not in fallback mode.
    error NotInFallback();

    /// @notice Thrown when the operator tries to resume while a queue entry is still overdue:
    /// it must first serve the queue (with a fallback batch, like anyone).
    /// @param queueIndex The oldest unconsumed entry
    /// @param deadline When it became overdue (queuedAt + FORCED_DEADLINE)
    error QueueStillOverdue(uint256 queueIndex, uint256 deadline);

    /// @notice Thrown when a fallback batch puts an op other than DEPOSIT or FORCED_WITHDRAW
    /// in one of its first `depositsEnd − depositsConsumed` slots: queue entries come first.
    /// @param slot The op slot (0-based)
    /// @param opType Its type byte
    error FallbackOpBeforeQueue(uint256 slot, uint256 opType);

    /// @notice Thrown when a fallback batch leaves a free slot while the next unserved queue
    /// entry is older than FALLBACK_GRACE.
    /// @param queueIndex The first entry the batch leaves unserved (its depositsEnd)
    /// @param queuedAt When that entry was queued
    error FallbackQueueNotServed(uint256 queueIndex, uint256 queuedAt);

    /// @notice Thrown when a fallback batch carries an op that only the operator may choose
    /// (DELEVERAGE: the submitter would pick who bears a bankrupt account's loss).
    /// @param slot The op slot (0-based)
    /// @param opType Its type byte
    error FallbackOpNotAllowed(uint256 slot, uint256 opType);

    // ---------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------

    /// @notice Emitted when the contract enters fallback mode.
    /// @param queueIndex The overdue entry
    /// @param queuedAt When it was queued
    /// @param stateRoot The last finalized root, from which fallback provers carry on
    /// @param caller Who switched the mode
    event FallbackEntered(uint256 indexed queueIndex, uint256 queuedAt, uint256 stateRoot, address indexed caller);

    /// @notice Emitted when the operator takes batch submission back.
    /// @param operator The operator
    /// @param stateRoot The root it resumes from
    event FallbackExited(address indexed operator, uint256 stateRoot);

    /// @notice Emitted for each batch finalized in fallback mode, after its BatchFinalized.
    /// @param batchNumber The batch (0-based, as in BatchFinalized)
    /// @param submitter Who submitted it
    /// @param served Queue entries it consumed
    event FallbackBatchFinalized(uint256 indexed batchNumber, address indexed submitter, uint256 served);

    // ---------------------------------------------------------------------------------
    // Functions
    // ---------------------------------------------------------------------------------

    /// @notice Switches to fallback mode when the oldest unconsumed queue entry is older
    /// than FORCED_DEADLINE. Anyone. From then on any address may submit batches that
    /// serve the queue first.
    function enterFallback() external;

    /// @notice Ends fallback mode: batches are the operator's alone again. Operator only,
    /// and only while no unconsumed queue entry is older than FORCED_DEADLINE.
    function resumeOperator() external;

    /// @notice True while the contract is in fallback mode.
    function fallbackMode() external view returns (bool);
}
