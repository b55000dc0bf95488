// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IExitVerifier} from "../interfaces/IExitVerifier.sol";

/// @title Exit-proof verifier of the escape hatch
/// @notice Recomputes, from one account and the global state, the state root of
/// docs/protocol.md section 3 with circomlibjs' generated Poseidon contracts
/// (`poseidonContract.createCode(n)`, one contract per input count n = 1..6):
///
///   pairHash_k     = Poseidon6(marketId_2k, size_2k, fundingSnapshot_2k,
///                              marketId_2k+1, size_2k+1, fundingSnapshot_2k+1)   (k < ceil(P/2);
///                    a slot past the last counts as (0, 0, 0))
///   leaf           = Poseidon_{4+ceil(P/2)}(ax, ay, nonce, collateral, pairHash_0, …)   (0 if ax = 0)
///   node           = Poseidon4(c0, c1, c2, c3), child order by the base-4 digit
///                    (index >> 2ℓ) & 3 at level ℓ, leaf level ℓ = 0
///   marketTerms_m  = Poseidon4(kind, lotSize, expiry, strike)
///   marketLeaf_m   = Poseidon5(marketTerms_m, markPrice, fundingIndex, settlementPrice, settled)
///   chunk_c        = Poseidon4(marketLeaf_4c, …, marketLeaf_4c+3)    (missing leaves 0)
///   marketsHash    = Poseidon_{ceil(M/4)}(chunk_0, …)
///   globalHash     = Poseidon5(oracleTimestamp, marketsHash, riskHash, oracleKeysHash, depositHead)
///   stateRoot      = Poseidon2(accountsRoot, globalHash)
///
/// and the account's equity at the committed marks (section 6), floored at 0:
///   equity = collateral + Σ_j size_j · markPrice_m − Σ_j size_j · (fundingIndex_m − fundingSnapshot_j)
/// Signed values are field-encoded (x < 0 is r − |x|); every input must be < r.
/// Stateless and deployed once per parameter set (D, P, M).
contract ExitVerifier is IExitVerifier {
    uint256 private constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 private constant HALF_R = R >> 1;

    /// @inheritdoc IExitVerifier
    uint256 public immutable ACCOUNT_DEPTH;
    /// @inheritdoc IExitVerifier
    uint256 public immutable POSITION_SLOTS;
    /// @inheritdoc IExitVerifier
    uint256 public immutable MARKETS;

    address private immutable POSEIDON1;
    address private immutable POSEIDON2;
    address private immutable POSEIDON3;
    address private immutable POSEIDON4;
    address private immutable POSEIDON5;
    address private immutable POSEIDON6;

    /// @notice Binds the exit verifier to its Poseidon contracts and the shape of the state.
    /// @param poseidons poseidons[n − 1] is circomlibjs' Poseidon contract for n inputs; 6 addresses
    /// @param accountDepth D, 1..15
    /// @param positionSlots P, 1..4 (the leaf hash takes 4 + ceil(P/2) ≤ 6 inputs)
    /// @param markets M, 1..13 (ceil(M/4) ≤ 4)
    constructor(address[] memory poseidons, uint256 accountDepth, uint256 positionSlots, uint256 markets) {
        if (poseidons.length != 6) revert ExitParameterOutOfRange(poseidons.length);
        for (uint256 i = 0; i < poseidons.length; i++) {
            if (poseidons[i].code.length == 0) revert ExitParameterOutOfRange(i + 1);
        }
        if (accountDepth < 1 || accountDepth > 15) revert ExitParameterOutOfRange(accountDepth);
        if (positionSlots < 1 || positionSlots > 4) revert ExitParameterOutOfRange(positionSlots);
        if (markets < 1 || markets > 13) revert ExitParameterOutOfRange(markets);
        POSEIDON1 = poseidons[0];
        POSEIDON2 = poseidons[1];
        POSEIDON3 = poseidons[2];
        POSEIDON4 = poseidons[3];
        POSEIDON5 = poseidons[4];
        POSEIDON6 = poseidons[5];
        ACCOUNT_DEPTH = accountDepth;
        POSITION_SLOTS = positionSlots;
        MARKETS = markets;
    }

    /// @inheritdoc IExitVerifier
    function rootAndEquity(ExitProof calldata proof) external view returns (uint256 root, uint256 equity) {
        if (proof.positions.length != POSITION_SLOTS) revert ExitProofShape(0, POSITION_SLOTS, proof.positions.length);
        if (proof.siblings.length != ACCOUNT_DEPTH) revert ExitProofShape(1, ACCOUNT_DEPTH, proof.siblings.length);
        if (proof.markets.length != MARKETS) revert ExitProofShape(2, MARKETS, proof.markets.length);
        if (proof.accountIndex >> (2 * ACCOUNT_DEPTH) != 0) revert ExitIndexOutOfRange(proof.accountIndex);

        uint256 accountsRoot = _accountsRoot(proof);
        uint256 global = _hash5(
            _field(proof.oracleTimestamp),
            _marketsHash(proof.markets),
            _field(proof.riskHash),
            _field(proof.oracleKeysHash),
            _field(proof.depositHead)
        );
        root = _hash2(accountsRoot, global);
        equity = proof.ax == 0 ? 0 : _equity(proof);
    }

    /// @inheritdoc IExitVerifier
    function hash(uint256[] memory inputs) public view returns (uint256 out) {
        uint256 n = inputs.length;
        address target = n == 1 ? POSEIDON1 : n == 2 ? POSEIDON2 : n == 3 ? POSEIDON3 : n == 4 ? POSEIDON4 : n == 5
            ? POSEIDON5
            : n == 6 ? POSEIDON6 : address(0);
        if (target == address(0)) revert PoseidonFailed(n);
        // poseidon(uint256[n]): the static array is n words after the selector.
        bytes4 selector = _selector(n);
        bool ok;
        // n is only known at run time and the Poseidon contracts take uint256[n]: the call data
        // is laid out by hand, since abi.encode needs a static array type per n.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                mstore(add(add(ptr, 4), mul(i, 32)), mload(add(add(inputs, 32), mul(i, 32))))
            }
            ok := staticcall(gas(), target, ptr, add(4, mul(n, 32)), 0, 32)
            ok := and(ok, eq(returndatasize(), 32))
            out := mload(0)
        }
        if (!ok) revert PoseidonFailed(n);
    }

    // ---------------------------------------------------------------------------------
    // Accounts
    // ---------------------------------------------------------------------------------

    /// @dev The leaf and its path up to the accounts root.
    function _accountsRoot(ExitProof calldata proof) private view returns (uint256 node) {
        node = _leaf(proof);
        uint256 index = proof.accountIndex;
        uint256[] memory children = new uint256[](4);
        for (uint256 level = 0; level < ACCOUNT_DEPTH; level++) {
            uint256 digit = (index >> (2 * level)) & 3;
            uint256 s = 0;
            for (uint256 c = 0; c < 4; c++) {
                children[c] = c == digit ? node : _field(proof.siblings[level][s++]);
            }
            node = hash(children);
        }
    }

    /// @dev Poseidon(ax, ay, nonce, collateral, pairHash_0, …), or 0 for an empty account.
    function _leaf(ExitProof calldata proof) private view returns (uint256) {
        if (proof.ax == 0) return 0;
        uint256 pairs = (POSITION_SLOTS + 1) / 2;
        uint256[] memory leaf = new uint256[](4 + pairs);
        (leaf[0], leaf[1], leaf[2], leaf[3]) = (_field(proof.ax), _field(proof.ay), _field(proof.nonce), _field(proof.collateral));
        uint256[] memory pair = new uint256[](6);
        for (uint256 k = 0; k < pairs; k++) {
            for (uint256 half = 0; half < 2; half++) {
                uint256 j = 2 * k + half;
                // a slot past the last hashes as the empty slot (0, 0, 0)
                bool present = j < POSITION_SLOTS;
                pair[3 * half] = present ? _field(proof.positions[j].marketId) : 0;
                pair[3 * half + 1] = present ? _field(proof.positions[j].size) : 0;
                pair[3 * half + 2] = present ? _field(proof.positions[j].fundingSnapshot) : 0;
            }
            leaf[4 + k] = hash(pair);
        }
        return hash(leaf);
    }

    /// @dev collateral + Σ size·markPrice − Σ size·(fundingIndex − snapshot), floored at 0.
    function _equity(ExitProof calldata proof) private view returns (uint256) {
        int256 e = _signed(proof.collateral);
        for (uint256 j = 0; j < proof.positions.length; j++) {
            Position calldata s = proof.positions[j];
            if (s.marketId == 0) continue;
            if (s.marketId > MARKETS) revert ExitUnknownMarket(s.marketId);
            Market calldata m = proof.markets[s.marketId - 1];
            int256 size = _signed(s.size);
            e += size * _signed(m.markPrice);
            e -= size * (_signed(m.fundingIndex) - _signed(s.fundingSnapshot));
        }
        return e > 0 ? uint256(e) : 0;
    }

    // ---------------------------------------------------------------------------------
    // Global state
    // ---------------------------------------------------------------------------------

    /// @dev Market leaves in chunks of 4 (missing leaves 0), then Poseidon over the chunks.
    function _marketsHash(Market[] calldata markets) private view returns (uint256) {
        uint256 chunks = (markets.length + 3) / 4;
        uint256[] memory chunkHashes = new uint256[](chunks);
        uint256[] memory leaves = new uint256[](4);
        for (uint256 c = 0; c < chunks; c++) {
            for (uint256 i = 0; i < 4; i++) {
                uint256 m = 4 * c + i;
                leaves[i] = m < markets.length ? _marketLeaf(markets[m]) : 0;
            }
            chunkHashes[c] = hash(leaves);
        }
        return hash(chunkHashes);
    }

    /// @dev Poseidon5(Poseidon4(kind, lotSize, expiry, strike), markPrice, fundingIndex, settlementPrice, settled).
    function _marketLeaf(Market calldata m) private view returns (uint256) {
        uint256[] memory terms = new uint256[](4);
        terms[0] = _field(m.kind);
        terms[1] = _field(m.lotSize);
        terms[2] = _field(m.expiry);
        terms[3] = _field(m.strike);
        return _hash5(hash(terms), _field(m.markPrice), _field(m.fundingIndex), _field(m.settlementPrice), _field(m.settled));
    }

    // ---------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------

    function _hash2(uint256 a, uint256 b) private view returns (uint256) {
        uint256[] memory x = new uint256[](2);
        (x[0], x[1]) = (a, b);
        return hash(x);
    }

    function _hash5(uint256 a, uint256 b, uint256 c, uint256 d, uint256 e) private view returns (uint256) {
        uint256[] memory x = new uint256[](5);
        (x[0], x[1], x[2], x[3], x[4]) = (a, b, c, d, e);
        return hash(x);
    }

    /// @dev The selector of `poseidon(uint256[n])`, the function circomlibjs' contracts expose.
    function _selector(uint256 n) private pure returns (bytes4) {
        if (n == 1) return bytes4(keccak256("poseidon(uint256[1])"));
        if (n == 2) return bytes4(keccak256("poseidon(uint256[2])"));
        if (n == 3) return bytes4(keccak256("poseidon(uint256[3])"));
        if (n == 4) return bytes4(keccak256("poseidon(uint256[4])"));
        if (n == 5) return bytes4(keccak256("poseidon(uint256[5])"));
        return bytes4(keccak256("poseidon(uint256[6])"));
    }

    /// @dev Refuses non-canonical field elements (x ≥ r would alias x − r inside Poseidon).
    function _field(uint256 x) private pure returns (uint256) {
        if (x >= R) revert ExitFieldOverflow(x);
        return x;
    }

    /// @dev The signed integer a field element encodes (> r/2 is negative).
    function _signed(uint256 x) private pure returns (int256) {
        if (x >= R) revert ExitFieldOverflow(x);
        return x > HALF_R ? -int256(R - x) : int256(x);
    }
}
