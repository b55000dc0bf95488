// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ISettlement} from "../interfaces/ISettlement.sol";
import {SettlementBase} from "./SettlementBase.sol";
import {IERC20Minimal} from "../interfaces/IERC20Minimal.sol";

/// @title The L1 priority queue: deposits and forced-withdrawal requests
/// @notice One Poseidon hash chain carries every entry (protocol.md section 5):
///   head_{i+1} = Poseidon(head_i, accountIndex, ax, ay, amount),  head_0 = 0
///   depositNew               (next index, ax, ay, amount)   a new account with its key
///   deposit                  (accountIndex, 0, 0, amount)   a top-up
///   requestForcedWithdrawal  (accountIndex, 0, 1, amount)   no tokens move
/// Each entry also records {depositor, amount, queuedAt} in one slot: the deadline of
/// `freeze` runs from queuedAt, and `refundDeposit` pays the depositor back.
/// Spam has a price (docs/security.md, queue spam): a deposit is at least MIN_DEPOSIT, and
/// an account has at most MAX_PENDING_REQUESTS forced-withdrawal requests unconsumed.
abstract contract PriorityQueue is SettlementBase {
    /// @dev Per account, the queue positions (+1) of its last 8 forced-withdrawal requests,
    /// 32 bits each, newest in the low bits (0 = none). Entries are consumed in queue order,
    /// so the unconsumed ones are the newest lanes whose position is ≥ depositsConsumed.
    mapping(uint256 accountIndex => uint256 lanes) private _recentRequests;

    /// @inheritdoc ISettlement
    function depositNew(uint256 ax, uint256 ay, uint256 amount)
        external
        nonReentrant
        notFrozen
        returns (uint256 accountIndex)
    {
        if (ax == 0) revert ZeroKey();
        if (ax >= FIELD_MODULUS) revert FieldOverflow(ax);
        if (ay >= FIELD_MODULUS) revert FieldOverflow(ay);
        accountIndex = _nextAccountIndex;
        if (accountIndex >= MAX_ACCOUNTS) revert AccountSpaceFull(MAX_ACCOUNTS);
        _nextAccountIndex = uint32(accountIndex + 1);
        accountOwner[accountIndex] = msg.sender;
        emit AccountOwnerChanged(accountIndex, address(0), msg.sender);
        _deposit(accountIndex, ax, ay, amount);
    }

    /// @inheritdoc ISettlement
    function deposit(uint256 accountIndex, uint256 amount) external nonReentrant notFrozen {
        // Account 0 is the insurance fund: it is never a party to an op, deposits included.
        if (accountIndex == 0 || accountIndex >= _nextAccountIndex) revert UnknownAccount(accountIndex, _nextAccountIndex);
        _deposit(accountIndex, 0, 0, amount);
    }

    /// @inheritdoc ISettlement
    function requestForcedWithdrawal(uint256 accountIndex, uint256 amount) external nonReentrant notFrozen {
        address owner = accountOwner[accountIndex];
        if (accountIndex == 0 || msg.sender != owner) revert NotAccountOwner(accountIndex, msg.sender);
        if (amount == 0 || amount >= MAX_WITHDRAWAL) revert RequestAmountOutOfRange(amount);
        uint256 lanes = _recentRequests[accountIndex];
        uint256 pending = _pendingRequests(lanes);
        if (pending >= MAX_PENDING_REQUESTS) revert TooManyPendingRequests(accountIndex, pending);
        uint256 queueIndex = _enqueue(accountIndex, 0, 1, amount, uint64(amount) | REQUEST_FLAG);
        _recentRequests[accountIndex] = (lanes << 32) | (queueIndex + 1);
        emit ForcedWithdrawalRequested(queueIndex, accountIndex, msg.sender, amount);
    }

    /// @notice Forced-withdrawal requests of an account not yet consumed by a batch.
    /// @param accountIndex The account
    function pendingRequests(uint256 accountIndex) external view returns (uint256) {
        return _pendingRequests(_recentRequests[accountIndex]);
    }

    /// @dev How many of the lanes of `_recentRequests` name an unconsumed entry.
    function _pendingRequests(uint256 lanes) private view returns (uint256 pending) {
        uint256 consumed = _depositsConsumed;
        while (pending < 8 && (lanes >> (32 * pending)) & 0xffffffff > consumed) ++pending;
    }

    /// @dev Queues a deposit, then pulls the tokens (checks, effects, interactions; the
    /// balance check after the transfer rejects tokens that deliver less).
    function _deposit(uint256 accountIndex, uint256 ax, uint256 ay, uint256 amount) private {
        if (amount == 0) revert ZeroAmount();
        if (amount < MIN_DEPOSIT) revert DepositTooSmall(amount, MIN_DEPOSIT);
        if (amount >= MAX_DEPOSIT) revert AmountTooLarge(amount, MAX_DEPOSIT);
        _enqueue(accountIndex, ax, ay, amount, uint64(amount));

        uint256 balanceBefore = COLLATERAL.balanceOf(address(this));
        // Low-level for tokens that return nothing (USDT), as in SettlementBase._pay.
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = address(COLLATERAL).call(
            abi.encodeCall(IERC20Minimal.transferFrom, (msg.sender, address(this), amount))
        );
        if (!ok || (ret.length != 0 && (ret.length != 32 || !abi.decode(ret, (bool))))) revert TokenTransferFailed();
        uint256 received = COLLATERAL.balanceOf(address(this)) - balanceBefore;
        if (received != amount) revert TransferAmountMismatch(amount, received);
    }

    /// @dev Appends an entry to the chain and records who made it and when.
    function _enqueue(uint256 accountIndex, uint256 ax, uint256 ay, uint256 amount, uint64 recorded)
        private
        returns (uint256 queueIndex)
    {
        queueIndex = _queueLength;
        if (queueIndex >= type(uint32).max) revert DepositQueueFull(queueIndex);
        uint256 head = POSEIDON5.poseidon([queueHeads[queueIndex], accountIndex, ax, ay, amount]);
        queueHeads[queueIndex + 1] = head;
        _queueLength = uint32(queueIndex + 1);
        queueEntries[queueIndex] = QueueEntry({depositor: msg.sender, amount: recorded, queuedAt: uint32(block.timestamp)});
        uint256 deposited = recorded & REQUEST_FLAG == 0 ? recorded : 0;
        depositTotals[queueIndex + 1] = depositTotals[queueIndex] + deposited;
        emit DepositQueued(queueIndex, accountIndex, ax, ay, amount, head);
    }
}
