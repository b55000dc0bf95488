// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TestToken} from "./TestToken.sol";

/// @title A malicious collateral token for reentrancy tests
/// @notice Behaves like TestToken until armed; then, on the next `transfer` out of the
/// target (a payout of claim, exit or refundDeposit), it calls the target back with the
/// stored calldata before moving the tokens, and bubbles up the callback's revert.
contract ReentrantToken is TestToken {
    address public target;
    bytes public callbackData;
    bool public armed;

    /// @notice Arms the callback: the next transfer from `target_` first calls `target_` with `data`.
    function arm(address target_, bytes calldata data) external {
        target = target_;
        callbackData = data;
        armed = true;
    }

    function transfer(address to, uint256 amount) public override returns (bool) {
        if (armed && msg.sender == target) {
            armed = false;
            (bool ok, bytes memory ret) = target.call(callbackData);
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(ret, 32), mload(ret))
                }
            }
        }
        return super.transfer(to, amount);
    }
}
