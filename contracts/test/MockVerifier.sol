// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGroth16Verifier} from "../interfaces/IGroth16Verifier.sol";

/// @title A stand-in for the snarkjs verifier, for contract tests
/// @notice `verifyProof` is `view` and the settlement contract calls it with STATICCALL,
/// so the mock cannot store what it saw. Instead it can
///  - return a settable result (`setResult`);
///  - accept only one public input (`expectInput`), so a batch finalizes only if the
///    contract passed exactly that inputHash;
///  - accept only one proof (`expectProof`), as a real verifier accepts a proof for its
///    statement only: a malleated or foreign proof is then refused;
///  - reveal what it was given (`setReveal`): it reverts with `Observed(a, b, c, input)`,
///    which the settlement contract bubbles up to the test.
contract MockVerifier is IGroth16Verifier {
    bool public result = true;
    bool public checkInput;
    uint256 public expectedInput;
    bool public reveal;
    bool public checkProof;
    bytes32 public expectedProofHash;

    /// @notice Raised in reveal mode with the arguments received.
    /// @param a The proof's A
    /// @param b The proof's B
    /// @param c The proof's C
    /// @param input The one public input
    error Observed(uint256[2] a, uint256[2][2] b, uint256[2] c, uint256 input);

    function setResult(bool value) external {
        result = value;
    }

    /// @notice From now on, return false for any public input other than `input`.
    function expectInput(uint256 input) external {
        checkInput = true;
        expectedInput = input;
    }

    /// @notice From now on, return false for any proof other than `proof` (snarkjs calldata order).
    function expectProof(uint256[8] calldata proof) external {
        checkProof = true;
        expectedProofHash = keccak256(abi.encode(proof));
    }

    function setReveal(bool value) external {
        reveal = value;
    }

    /// @inheritdoc IGroth16Verifier
    function verifyProof(
        uint256[2] calldata _pA,
        uint256[2][2] calldata _pB,
        uint256[2] calldata _pC,
        uint256[1] calldata _pubSignals
    ) external view returns (bool) {
        if (reveal) revert Observed(_pA, _pB, _pC, _pubSignals[0]);
        if (checkInput && _pubSignals[0] != expectedInput) return false;
        if (checkProof) {
            uint256[8] memory p = [_pA[0], _pA[1], _pB[0][0], _pB[0][1], _pB[1][0], _pB[1][1], _pC[0], _pC[1]];
            if (keccak256(abi.encode(p)) != expectedProofHash) return false;
        }
        return result;
    }
}
