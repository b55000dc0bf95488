// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ISettlement} from "../interfaces/ISettlement.sol";
import {IERC20Minimal} from "../interfaces/IERC20Minimal.sol";
import {IGroth16Verifier} from "../interfaces/IGroth16Verifier.sol";
import {IPoseidon5} from "../interfaces/IPoseidon5.sol";
import {IExitVerifier} from "../interfaces/IExitVerifier.sol";
import {OpLayout} from "../layout/OpLayout.sol";

/// @title Storage, parameters and guards shared by the parts of the settlement contract
/// @notice The settlement contract is composed of small abstract contracts:
///   SettlementBase  storage, immutables, modifiers, token transfers (this file)
///   PriorityQueue   depositNew, deposit, requestForcedWithdrawal: one Poseidon hash chain
///   Withdrawals     claim, transferAccountOwnership, crediting WITHDRAW / FORCED_WITHDRAW
///   EscapeHatch     freeze, exit, refundDeposit
///   Fallback        enterFallback, resumeOperator, the queue-first rule of fallback batches
///   Settlement      constructor, submitBatch, computeInputHash, operator transfer
/// @dev Storage is packed so that a batch reads two slots and writes two:
///   slot A  operator (160) | frozen (8) | fallbackMode (8) | depositsConsumed (32) | batchCount (48)   read and written by submitBatch
///   slot B  stateRoot                                                                read and written by submitBatch
///   slot C  queueLength (32) | nextAccountIndex (32) | frozenAt (32) | pendingOperator (160)
/// The queue length is not read by submitBatch: `queueHeads[i]` is non-zero for every
/// 1 ≤ i ≤ queue length (a Poseidon output is 0 with probability 2^-254) and 0 beyond.
abstract contract SettlementBase is ISettlement {
    /// @notice The BN254 scalar field modulus r.
    uint256 public constant FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice Deposits are below 2^63 (protocol.md section 2).
    uint256 public constant MAX_DEPOSIT = 1 << 63;
    /// @notice Withdrawal and forced-withdrawal amounts are below 2^48 (protocol.md section 2):
    /// the width of an op slot's value, which carries them.
    uint256 public constant MAX_WITHDRAWAL = 1 << (8 * OpLayout.OP_VALUE_BYTES);

    /// @notice One priority-queue entry, packed in one slot: who made it, its amount and when.
    /// @dev Bit 63 of `amount` (REQUEST_FLAG) marks a forced-withdrawal request (deposits are
    /// below 2^63, requests below 2^48); a refunded deposit has amount 0.
    struct QueueEntry {
        address depositor;
        uint64 amount;
        uint32 queuedAt;
    }

    uint64 internal constant REQUEST_FLAG = uint64(1) << 63;

    // Parameters (protocol.md section 1) and the widths that follow from them (OpLayout,
    // generated from prover/state/layout/spec.ts), evaluated once here.
    /// @notice D, levels of the quaternary account tree.
    uint256 public immutable ACCOUNT_DEPTH;
    /// @notice M, the number of markets.
    uint256 public immutable MARKETS;
    /// @notice S, the number of margin scenarios.
    uint256 public immutable SCENARIOS;
    /// @notice N, op slots per batch.
    uint256 public immutable BATCH_SIZE;
    /// @notice 4^D, the number of account indices.
    uint256 public immutable MAX_ACCOUNTS;
    /// @notice IDX = ceil(2·D / 8), bytes of an account index in op data.
    uint256 public immutable IDX_BYTES;
    /// @notice OP_BYTES = 13 + 2·IDX, bytes of one op slot.
    uint256 public immutable OP_BYTES;
    /// @notice HEADER_BYTES = 4 + 9·M + 32 (timestamp, prices and rates, riskHash).
    uint256 public immutable HEADER_BYTES;
    /// @notice DATA_BYTES = 64 + 4 + HEADER_BYTES + N·OP_BYTES, the fixed part of `data` (all of it is hashed).
    uint256 public immutable DATA_BYTES;
    /// @notice RISK_TAIL_BYTES = M·S·8, the length of the optional risk tail after the fixed part.
    uint256 public immutable RISK_TAIL_BYTES;
    /// @notice A header timestamp may be at most this many seconds after block.timestamp.
    uint256 public immutable MAX_ORACLE_DRIFT;
    /// @notice Seconds within which a batch must consume a queue entry; after that anyone may
    /// switch to fallback mode (permissionless proving, Fallback.sol).
    uint256 public immutable FORCED_DEADLINE;
    /// @notice The least deposit or top-up accepted (queue spam, docs/security.md).
    uint256 public immutable MIN_DEPOSIT;
    /// @notice Forced-withdrawal requests one account may have unconsumed at once, 1..8.
    uint256 public immutable MAX_PENDING_REQUESTS;
    /// @notice 2 × FORCED_DEADLINE: seconds after which an unconsumed entry lets anyone freeze (the last resort).
    uint256 public immutable FREEZE_DEADLINE;
    /// @notice The collateral token (a plain ERC-20, 6 decimals; no fee on transfer).
    IERC20Minimal public immutable COLLATERAL;
    /// @notice The snarkjs Groth16 verifier of the batch circuit.
    IGroth16Verifier public immutable VERIFIER;
    /// @notice circomlibjs' Poseidon contract for 5 inputs (the queue's hash chain).
    IPoseidon5 public immutable POSEIDON5;
    /// @notice The exit-proof verifier of the escape hatch (same D, P, M).
    IExitVerifier public immutable EXIT_VERIFIER;

    // slot A
    /// @notice The only address that may submit batches.
    address public operator;
    /// @notice True once the contract is frozen: no batch, deposit or request; accounts exit.
    bool public frozen;
    /// @dev True in fallback mode (Fallback.sol): any address may submit a batch that serves the queue first.
    bool internal _fallbackMode;
    uint32 internal _depositsConsumed;
    uint48 internal _batchCount;
    // slot B
    /// @notice The root of the last finalized state (the genesis root before any batch).
    uint256 public stateRoot;
    // slot C
    uint32 internal _queueLength;
    uint32 internal _nextAccountIndex;
    /// @notice When the contract was frozen (0 while it is not).
    uint32 public frozenAt;
    /// @notice The address named by `transferOperator`, which may call `acceptOperator`.
    address public pendingOperator;

    /// @notice Withdrawals credited by finalized batches and not yet claimed, in total.
    uint256 public totalClaimable;
    /// @notice Unconsumed deposits refunded after freezing, in total.
    uint256 public refundedDeposits;
    /// @notice depositTotals[i] is the sum of the deposit amounts among the first i queue entries
    /// (requests add nothing): what the batches consuming them moved into the state, read
    /// without a loop by `pendingDeposits` and so costing `submitBatch` nothing.
    mapping(uint256 queueIndex => uint256 total) public depositTotals;
    /// @notice queueHeads[i] is the priority-queue chain head after i entries; queueHeads[0] = 0.
    mapping(uint256 queueIndex => uint256 head) public queueHeads;
    /// @notice Who made each queue entry, its amount and when (refunds and deadlines).
    mapping(uint256 queueIndex => QueueEntry) public queueEntries;
    /// @notice The L1 owner of each account (who made it with depositNew; account 0: the first operator).
    mapping(uint256 accountIndex => address owner) public accountOwner;
    /// @notice Withdrawn collateral each owner can claim (from finalized batches).
    mapping(address owner => uint256 amount) public claimable;
    /// @notice Accounts that exited through the escape hatch.
    mapping(uint256 accountIndex => bool) public exited;

    bool private transient _locked;

    /// @notice Checks the deployment's contracts and fixes its parameters.
    /// @param c The deployment's parameters (ISettlement.Config)
    constructor(Config memory c) {
        if (c.verifier.code.length == 0) revert InvalidAddress(c.verifier);
        if (c.poseidon5.code.length == 0) revert InvalidAddress(c.poseidon5);
        if (c.exitVerifier.code.length == 0) revert InvalidAddress(c.exitVerifier);
        if (c.collateral.code.length == 0) revert InvalidAddress(c.collateral);
        if (c.operator == address(0)) revert InvalidAddress(c.operator);
        if (c.genesisStateRoot >= FIELD_MODULUS) revert FieldOverflow(c.genesisStateRoot);
        if (c.accountDepth < 1 || c.accountDepth > 15) revert ParameterOutOfRange(c.accountDepth, 1, 15);
        if (c.markets < 1 || c.markets > 13) revert ParameterOutOfRange(c.markets, 1, 13);
        if (c.scenarios < 1 || c.scenarios > 16) revert ParameterOutOfRange(c.scenarios, 1, 16);
        if (c.batchSize < 1) revert ParameterOutOfRange(c.batchSize, 1, type(uint16).max);
        if (c.forcedDeadline < 1) revert ParameterOutOfRange(c.forcedDeadline, 1, type(uint32).max);
        if (c.minDeposit < 1) revert ParameterOutOfRange(c.minDeposit, 1, type(uint64).max);
        if (c.maxPendingRequests < 1 || c.maxPendingRequests > 8) revert ParameterOutOfRange(c.maxPendingRequests, 1, 8);
        uint256 exitDepth = IExitVerifier(c.exitVerifier).ACCOUNT_DEPTH();
        if (exitDepth != c.accountDepth) revert ParameterMismatch(0, c.accountDepth, exitDepth);
        uint256 exitMarkets = IExitVerifier(c.exitVerifier).MARKETS();
        if (exitMarkets != c.markets) revert ParameterMismatch(1, c.markets, exitMarkets);

        VERIFIER = IGroth16Verifier(c.verifier);
        POSEIDON5 = IPoseidon5(c.poseidon5);
        EXIT_VERIFIER = IExitVerifier(c.exitVerifier);
        COLLATERAL = IERC20Minimal(c.collateral);
        ACCOUNT_DEPTH = c.accountDepth;
        MARKETS = c.markets;
        SCENARIOS = c.scenarios;
        BATCH_SIZE = c.batchSize;
        MAX_ORACLE_DRIFT = c.maxOracleDrift;
        FORCED_DEADLINE = c.forcedDeadline;
        MIN_DEPOSIT = c.minDeposit;
        MAX_PENDING_REQUESTS = c.maxPendingRequests;
        FREEZE_DEADLINE = 2 * uint256(c.forcedDeadline);
        MAX_ACCOUNTS = 1 << (2 * uint256(c.accountDepth));

        uint256 idx = OpLayout.idxBytes(c.accountDepth);
        IDX_BYTES = idx;
        OP_BYTES = OpLayout.opBytes(idx);
        HEADER_BYTES = OpLayout.headerBytes(c.markets);
        DATA_BYTES = OpLayout.dataBytes(c.markets, c.batchSize, idx);
        RISK_TAIL_BYTES = OpLayout.riskTailBytes(c.markets, c.scenarios);

        stateRoot = c.genesisStateRoot;
        operator = c.operator;
        _nextAccountIndex = 1;
        accountOwner[0] = c.operator;
    }

    modifier onlyOperator() {
        if (msg.sender != operator) revert NotOperator(msg.sender);
        _;
    }

    modifier nonReentrant() {
        if (_locked) revert Reentrancy();
        _locked = true;
        _;
        _locked = false;
    }

    modifier notFrozen() {
        if (frozen) revert Frozen();
        _;
    }

    modifier onlyFrozen() {
        if (!frozen) revert NotFrozen();
        _;
    }

    /// @notice Queue entries consumed by finalized batches.
    function depositsConsumed() public view returns (uint256) {
        return _depositsConsumed;
    }

    /// @notice Batches finalized so far.
    function batchCount() external view returns (uint256) {
        return _batchCount;
    }

    /// @notice Entries (deposits and forced-withdrawal requests) queued so far.
    function depositCount() public view returns (uint256) {
        return _queueLength;
    }

    /// @notice The next account index depositNew assigns (account 0 exists at genesis).
    function nextAccountIndex() external view returns (uint256) {
        return _nextAccountIndex;
    }

    /// @inheritdoc ISettlement
    function reserved() public view returns (uint256) {
        return totalClaimable + pendingDeposits();
    }

    /// @notice Deposits queued and neither consumed by a batch nor refunded, in total.
    function pendingDeposits() public view returns (uint256) {
        return depositTotals[_queueLength] - depositTotals[_depositsConsumed] - refundedDeposits;
    }

    /// @dev Pays `amount` out of the balance beyond `reserved()`. A payout of something
    /// reserved (a claim, a refund) first takes its own share out of the reserve (the
    /// caller's effects), so it is paid from what is its own and never from what is owed
    /// to others; an exit is paid from what no one else is owed. Reverts
    /// InsufficientBalance, undoing the caller's effects, when the amount does not fit.
    function _payFromFree(address to, uint256 amount) internal {
        uint256 free = _free();
        if (amount > free) revert InsufficientBalance(amount, free);
        _pay(to, amount);
    }

    /// @dev The balance beyond `reserved()` (0 if the balance falls short of it).
    function _free() internal view returns (uint256) {
        uint256 balance = COLLATERAL.balanceOf(address(this));
        uint256 owed = reserved();
        return balance > owed ? balance - owed : 0;
    }

    /// @dev Pays collateral out; a failing transfer's revert data is bubbled up (so a
    /// re-entered call's error surfaces), a transfer that returns false is TokenTransferFailed.
    function _pay(address to, uint256 amount) internal {
        // A low-level call, as OpenZeppelin's SafeERC20 makes it: tokens that return nothing
        // (USDT) must be accepted, and a reverting token's own error must reach the caller.
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = address(COLLATERAL).call(abi.encodeCall(IERC20Minimal.transfer, (to, amount)));
        if (!ok && ret.length > 0) {
            // Re-throws the token's revert data unchanged; Solidity has no statement for that.
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
        if (!ok || (ret.length != 0 && (ret.length != 32 || !abi.decode(ret, (bool))))) revert TokenTransferFailed();
    }
}
