// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ISettlement} from "../interfaces/ISettlement.sol";
import {SettlementBase} from "./SettlementBase.sol";
import {IExitVerifier} from "../interfaces/IExitVerifier.sol";

/// @title The escape hatch: freeze, exit, refundDeposit (docs/security.md)
/// @notice If a queue entry (a deposit or a forced-withdrawal request) stays unconsumed
/// for more than FREEZE_DEADLINE (2 × FORCED_DEADLINE: after FORCED_DEADLINE anyone may
/// first try fallback mode, Fallback.sol), anyone may freeze the contract.
/// Frozen, it accepts no batch; each account exits once with a Merkle proof of its leaf
/// against the last finalized root and is paid its equity at the last committed marks;
/// each unconsumed deposit is refunded once. Credited withdrawals stay claimable.
///
/// Shortfall policy: every payout is paid from the balance beyond `reserved()`, what is
/// owed outside the state (credited withdrawals, unconsumed deposits), so a claim or a
/// refund always finds its own money. A trader's exit pays its equity in full or reverts
/// InsufficientBalance (it can be retried after a top-up). The insurance fund (account 0),
/// the first-loss capital, exits last: not before FORCED_DEADLINE after freezing, and it
/// takes at most what is left beyond what is reserved.
abstract contract EscapeHatch is SettlementBase {
    /// @inheritdoc ISettlement
    function freeze() external notFrozen {
        uint256 queueIndex = _depositsConsumed;
        if (queueIndex >= _queueLength) revert NothingPending();
        uint256 queuedAt = queueEntries[queueIndex].queuedAt;
        if (block.timestamp <= queuedAt + FREEZE_DEADLINE) revert FreezeTooEarly(queueIndex, queuedAt + FREEZE_DEADLINE + 1);
        frozen = true;
        frozenAt = uint32(block.timestamp);
        emit ContractFrozen(queueIndex, queuedAt, stateRoot, msg.sender);
    }

    /// @inheritdoc ISettlement
    function exit(IExitVerifier.ExitProof calldata proof) external nonReentrant onlyFrozen {
        uint256 accountIndex = proof.accountIndex;
        if (exited[accountIndex]) revert AlreadyExited(accountIndex);
        if (proof.ax == 0) revert EmptyAccount(accountIndex);
        (uint256 root, uint256 equity) = EXIT_VERIFIER.rootAndEquity(proof);
        if (root != stateRoot) revert InvalidExitProof(accountIndex, stateRoot, root);

        uint256 paid = equity;
        if (accountIndex == 0) {
            uint256 opensAt = uint256(frozenAt) + FORCED_DEADLINE;
            if (block.timestamp < opensAt) revert FundExitTooEarly(opensAt);
            uint256 free = _free();
            if (paid > free) paid = free;
        }

        exited[accountIndex] = true;
        address owner = accountOwner[accountIndex];
        emit Exited(accountIndex, owner, equity, paid);
        if (paid != 0) _payFromFree(owner, paid);
    }

    /// @inheritdoc ISettlement
    function refundDeposit(uint256 queueIndex) external nonReentrant onlyFrozen {
        QueueEntry memory e = queueEntries[queueIndex];
        if (queueIndex < _depositsConsumed || queueIndex >= _queueLength || e.amount == 0 || e.amount & REQUEST_FLAG != 0) {
            revert NotRefundable(queueIndex);
        }
        queueEntries[queueIndex].amount = 0;
        refundedDeposits += e.amount;
        emit DepositRefunded(queueIndex, e.depositor, e.amount);
        _payFromFree(e.depositor, e.amount);
    }
}
