// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ISettlement} from "../interfaces/ISettlement.sol";
import {SettlementBase} from "./SettlementBase.sol";
import {OpLayout} from "../layout/OpLayout.sol";

/// @title Withdrawals: crediting WITHDRAW and FORCED_WITHDRAW ops, claiming, account ownership
/// @notice A finalized batch's WITHDRAW (3) and FORCED_WITHDRAW (7) slots credit
/// `claimable[owner(aIndex)] += value` (protocol.md section 8); the owner claims once,
/// to any recipient, also after freezing.
abstract contract Withdrawals is SettlementBase {
    /// @inheritdoc ISettlement
    function claim(address recipient) external nonReentrant {
        if (recipient == address(0)) revert InvalidAddress(recipient);
        uint256 amount = claimable[msg.sender];
        if (amount == 0) revert NothingToClaim(msg.sender);
        claimable[msg.sender] = 0;
        totalClaimable -= amount;
        emit Claimed(msg.sender, recipient, amount);
        _payFromFree(recipient, amount);
    }

    /// @inheritdoc ISettlement
    function transferAccountOwnership(uint256 accountIndex, address newOwner) external {
        address owner = accountOwner[accountIndex];
        if (msg.sender != owner || owner == address(0)) revert NotAccountOwner(accountIndex, msg.sender);
        if (newOwner == address(0)) revert InvalidAddress(newOwner);
        accountOwner[accountIndex] = newOwner;
        emit AccountOwnerChanged(accountIndex, owner, newOwner);
    }

    /// @notice Credits every WITHDRAW and FORCED_WITHDRAW of a finalized batch to the account's owner.
    /// Op slot: type ‖ aIndex ‖ bIndex ‖ market ‖ q ‖ value ‖ feeA ‖ feeB, offsets and widths
    /// from OpLayout; the type byte is read with one calldataload per slot, since most slots
    /// are not withdrawals.
    /// @param data The batch data
    /// @param opsOffset Where the op data starts in `data`
    /// @param batchNumber The batch's number, logged with each credit
    function _creditWithdrawals(bytes calldata data, uint256 opsOffset, uint256 batchNumber) internal {
        uint256 idxBytes = IDX_BYTES;
        uint256 opBytes = OP_BYTES;
        uint256 start;
        // Raw calldata pointers: the slots are read word by word without copying the op data.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            start := add(data.offset, opsOffset)
        }
        uint256 end = start + BATCH_SIZE * opBytes;
        uint256 credited;
        for (uint256 p = _nextWithdrawal(start, end, opBytes); p < end; p = _nextWithdrawal(p + opBytes, end, opBytes)) {
            (uint256 accountIndex, uint256 amount) = _withdrawalAt(p, idxBytes);
            address owner = accountOwner[accountIndex];
            claimable[owner] += amount;
            credited += amount;
            emit WithdrawalCredited(batchNumber, accountIndex, owner, amount);
        }
        if (credited != 0) totalClaimable += credited;
    }

    /// @dev The first WITHDRAW or FORCED_WITHDRAW slot at or after calldata pointer `p`, or
    /// `end` if there is none (about a dozen opcodes a skipped slot).
    function _nextWithdrawal(uint256 p, uint256 end, uint256 opBytes) private pure returns (uint256) {
        // Inline assembly reads no library constants: these are OpLayout's, on the stack.
        uint256 typeOffset = OpLayout.OP_TYPE_OFFSET;
        uint256 typeShift = OpLayout.OP_TYPE_SHIFT;
        uint256 withdraw = OpLayout.OP_WITHDRAW;
        uint256 forced = OpLayout.OP_FORCED_WITHDRAW;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            for {} lt(p, end) { p := add(p, opBytes) } {
                let t := shr(typeShift, calldataload(add(p, typeOffset)))
                if or(eq(t, withdraw), eq(t, forced)) { break }
            }
        }
        return p;
    }

    /// @dev aIndex and value of the slot at calldata pointer `p`, indices `idxBytes` wide.
    function _withdrawalAt(uint256 p, uint256 idxBytes) private pure returns (uint256 accountIndex, uint256 amount) {
        uint256 indexOffset = OpLayout.OP_A_INDEX_OFFSET;
        uint256 valueOffset = OpLayout.opValueOffset(idxBytes);
        uint256 indexWord;
        uint256 valueWord;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            indexWord := calldataload(add(p, indexOffset))
            valueWord := calldataload(add(p, valueOffset))
        }
        accountIndex = indexWord >> OpLayout.indexShift(idxBytes);
        amount = valueWord >> OpLayout.OP_VALUE_SHIFT;
    }
}
