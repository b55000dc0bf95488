// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGroth16Verifier} from "../interfaces/IGroth16Verifier.sol";

/// @title A gas-benchmark wrapper around the real snarkjs verifier (never deploy it for value)
/// @notice Calls the real Groth16 verifier with the proof and public input it is given,
/// so that the verification gas is real, and returns true whatever it answers: bench/gas.ts
/// can then measure submitBatch at batch sizes no circuit was built for.
contract BenchVerifier is IGroth16Verifier {
    IGroth16Verifier public immutable INNER;

    constructor(IGroth16Verifier inner) {
        INNER = inner;
    }

    /// @inheritdoc IGroth16Verifier
    function verifyProof(
        uint256[2] calldata _pA,
        uint256[2][2] calldata _pB,
        uint256[2] calldata _pC,
        uint256[1] calldata _pubSignals
    ) external view returns (bool) {
        INNER.verifyProof(_pA, _pB, _pC, _pubSignals);
        return true;
    }
}
