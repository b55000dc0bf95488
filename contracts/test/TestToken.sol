// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title A collateral token for tests: ERC-20, 6 decimals, anyone may mint
/// @notice Not for production. `transferFeeBps` (0 by default) burns a share of every
/// transfer, to test that the settlement contract rejects fee-on-transfer tokens.
contract TestToken {
    string public constant name = "zksettle test USD";
    string public constant symbol = "tUSD";
    uint8 public constant decimals = 6;

    uint256 public totalSupply;
    uint256 public transferFeeBps;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    /// @notice Thrown when a balance or allowance is too small.
    /// @param available What there is
    /// @param needed What the transfer needs
    error InsufficientFunds(uint256 available, uint256 needed);

    /// @param from The payer (zero for a mint)
    /// @param to The payee
    /// @param value The amount
    event Transfer(address indexed from, address indexed to, uint256 value);
    /// @param owner The holder
    /// @param spender The spender
    /// @param value The allowance
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice Mints `amount` to `to`.
    function mint(address to, uint256 amount) external {
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    /// @notice Sets the share of each transfer that is burnt (basis points).
    function setTransferFeeBps(uint256 bps) external {
        transferFeeBps = bps;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transfer(address to, uint256 amount) public virtual returns (bool) {
        _transfer(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < amount) revert InsufficientFunds(allowed, amount);
            allowance[from][msg.sender] = allowed - amount;
        }
        _transfer(from, to, amount);
        return true;
    }

    function _transfer(address from, address to, uint256 amount) private {
        uint256 balance = balanceOf[from];
        if (balance < amount) revert InsufficientFunds(balance, amount);
        uint256 fee = amount * transferFeeBps / 10_000;
        balanceOf[from] = balance - amount;
        balanceOf[to] += amount - fee;
        totalSupply -= fee;
        emit Transfer(from, to, amount - fee);
    }
}
