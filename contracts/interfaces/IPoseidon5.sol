// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Poseidon with 5 inputs over the BN254 scalar field
/// @notice The contract whose bytecode circomlibjs 0.1.7 generates with
/// `poseidonContract.createCode(5)` (ABI: `poseidonContract.generateABI(5)`); it computes
/// the same function as circomlib's `Poseidon(5)` and circomlibjs' `buildPoseidon`.
interface IPoseidon5 {
    /// @notice The Poseidon hash of five field elements.
    /// @param input Five field elements (each < r)
    /// @return The Poseidon hash, a field element
    function poseidon(uint256[5] calldata input) external pure returns (uint256);
}
