// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title The part of ERC-20 that the settlement contract uses
/// @notice balanceOf, transfer and transferFrom, as the settlement contract calls them.
interface IERC20Minimal {
    /// @notice The token balance of `account`.
    /// @param account The holder
    /// @return The holder's balance
    function balanceOf(address account) external view returns (uint256);

    /// @notice Moves `amount` from the caller to `to`.
    /// @param to Recipient
    /// @param amount Token units
    /// @return ok True on success
    function transfer(address to, uint256 amount) external returns (bool ok);

    /// @notice Moves `amount` from `from` to `to` using the caller's allowance.
    /// @param from The payer
    /// @param to The payee
    /// @param amount The amount in token units
    /// @return True on success (some tokens return nothing and revert on failure)
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}
