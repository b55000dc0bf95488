// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ISettlement} from "../interfaces/ISettlement.sol";
import {SettlementBase} from "./SettlementBase.sol";

/// @title Withdrawals: crediting WITHDRAW and FORCED_WITHDRAW ops, claiming, account ownership
/// @notice A finalized batch's WITHDRAW (3) and FORCED_WITHDRAW (7) slots credit
/// `claimable[owner(aIndex)] += value` (protocol.md section 8); the owner claims once,
/// to any recipient, also after freezing.
abstract contract Withdrawals is SettlementBase {
    uint256 private constant OP_WITHDRAW = 3;
    uint256 private constant OP_FORCED_WITHDRAW = 7;

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
    /// Op slot: type (1) ‖ aIndex (IDX) ‖ bIndex (IDX) ‖ market (1) ‖ q (4) ‖ value (6) ‖ feeA (1) ‖ feeB (1);
    /// the type byte is read with one calldataload per slot, since most slots are not withdrawals.
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
        uint256 p = start;
        while (true) {
            // Skip to the next WITHDRAW or FORCED_WITHDRAW slot (about a dozen opcodes a slot).
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                for {} lt(p, end) { p := add(p, opBytes) } {
                    let t := shr(248, calldataload(p))
                    if or(eq(t, OP_WITHDRAW), eq(t, OP_FORCED_WITHDRAW)) { break }
                }
            }
            if (p >= end) break;
            uint256 word;
            uint256 valueWord;
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                word := calldataload(p)
                valueWord := calldataload(add(p, add(6, mul(2, idxBytes))))
            }
            uint256 accountIndex = (word << 8) >> (256 - 8 * idxBytes);
            uint256 amount = valueWord >> 208; // value: uint48 after type, indices, market and q
            address owner = accountOwner[accountIndex];
            claimable[owner] += amount;
            credited += amount;
            emit WithdrawalCredited(batchNumber, accountIndex, owner, amount);
            p += opBytes;
        }
        if (credited != 0) totalClaimable += credited;
    }
}
