// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Exit proofs of the escape hatch
/// @notice Recomputes a state root from one account leaf, its Merkle path and the whole
/// global state, with circomlibjs' Poseidon contracts (docs/protocol.md section 3), and the
/// account's equity at the committed mark prices (section 6). Stateless: the settlement
/// contract compares the root with its stored root.
interface IExitVerifier {
    /// @notice One position slot as hashed, two to a `pairHash = Poseidon6(marketId, size, fundingSnapshot, …)`.
    /// @dev `size` and `fundingSnapshot` are signed, field-encoded (x < 0 is r − |x|).
    struct Position {
        uint256 marketId;
        uint256 size;
        uint256 fundingSnapshot;
    }

    /// @notice One market leaf's fields (protocol.md section 3); `fundingIndex` is field-encoded.
    struct Market {
        uint256 kind;
        uint256 lotSize;
        uint256 expiry;
        uint256 strike;
        uint256 markPrice;
        uint256 fundingIndex;
        uint256 settlementPrice;
        uint256 settled;
    }

    /// @notice Everything needed to recompute the state root from one account.
    /// @dev `collateral` is field-encoded; `siblings[l]` are the three other children at
    /// level l (leaf level first), in child order with the path's own child removed.
    struct ExitProof {
        uint256 accountIndex;
        uint256 ax;
        uint256 ay;
        uint256 nonce;
        uint256 collateral;
        Position[] positions;
        uint256[3][] siblings;
        Market[] markets;
        uint256 oracleTimestamp;
        uint256 riskHash;
        uint256 oracleKeysHash;
        uint256 depositHead;
    }

    /// @notice Thrown when an exit proof has the wrong number of slots, levels or markets.
    /// @param what 0 positions (P), 1 siblings (D), 2 markets (M)
    /// @param expected The parameter
    /// @param given The length received
    error ExitProofShape(uint256 what, uint256 expected, uint256 given);

    /// @notice Thrown when a value of an exit proof is not a field element (< r), which would
    /// let two encodings hash alike.
    /// @param value The offending value
    error ExitFieldOverflow(uint256 value);

    /// @notice Thrown when a position slot names a market outside 1..M.
    /// @param marketId The slot's market id
    error ExitUnknownMarket(uint256 marketId);

    /// @notice Thrown when the account index is not below 4^D.
    /// @param accountIndex The index
    error ExitIndexOutOfRange(uint256 accountIndex);

    /// @notice Thrown when a Poseidon contract call fails.
    /// @param inputs The number of inputs of the failed hash
    error PoseidonFailed(uint256 inputs);

    /// @notice Thrown at construction when a parameter is out of range or a Poseidon contract is missing.
    /// @param value The parameter (or the number of Poseidon addresses given)
    error ExitParameterOutOfRange(uint256 value);

    /// @notice D, levels of the quaternary account tree.
    function ACCOUNT_DEPTH() external view returns (uint256);

    /// @notice P, position slots per account.
    function POSITION_SLOTS() external view returns (uint256);

    /// @notice M, the number of markets.
    function MARKETS() external view returns (uint256);

    /// @notice Recomputes the state root an exit proof commits to and the account's equity.
    /// @param proof The exit proof
    /// @return root Poseidon(accountsRoot, globalHash) recomputed from the proof
    /// @return equity collateral + Σ size·markPrice − Σ size·(fundingIndex − snapshot), floored at 0
    function rootAndEquity(ExitProof calldata proof) external view returns (uint256 root, uint256 equity);

    /// @notice circomlibjs' Poseidon of 1..6 inputs, through the deployed contracts (for tests).
    /// @param inputs The field elements
    /// @return The hash
    function hash(uint256[] memory inputs) external view returns (uint256);
}
