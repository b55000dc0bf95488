// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IExitVerifier} from "./IExitVerifier.sol";

/// @title zksettle settlement contract: priority queue, batch finalization, escape hatch
/// @notice Implements docs/protocol.md sections 5 (the priority queue: deposits and
/// forced-withdrawal requests on one hash chain), 7 (the batch calldata and the public
/// input) and 8 (what the contract checks), and the escape hatch of docs/security.md.
interface ISettlement {
    /// @notice Constructor parameters.
    /// @param verifier The batch circuit's Groth16 verifier
    /// @param poseidon5 circomlibjs' Poseidon contract for 5 inputs (the queue chain)
    /// @param exitVerifier The ExitVerifier for the same D, P, M
    /// @param collateral The ERC-20 collateral
    /// @param genesisStateRoot The root of the genesis state (< r; its depositHead is 0)
    /// @param accountDepth D, 1..15
    /// @param markets M, 1..13
    /// @param scenarios S, 1..16 (the width of the optional risk tail of batch data)
    /// @param batchSize N, ≥ 1
    /// @param maxOracleDrift Seconds a header timestamp may run ahead of block.timestamp
    /// @param forcedDeadline Seconds within which a queue entry must be consumed (7 days in production)
    /// @param operator The operator, also the L1 owner of account 0 (the insurance fund)
    /// @param minDeposit The least deposit or top-up accepted, ≥ 1 (capital a queue slot ties up; docs/security.md, queue spam)
    /// @param maxPendingRequests Forced-withdrawal requests one account may have unconsumed at once, 1..8
    struct Config {
        address verifier;
        address poseidon5;
        address exitVerifier;
        address collateral;
        uint256 genesisStateRoot;
        uint8 accountDepth;
        uint8 markets;
        uint8 scenarios;
        uint16 batchSize;
        uint32 maxOracleDrift;
        uint32 forcedDeadline;
        address operator;
        uint64 minDeposit;
        uint8 maxPendingRequests;
    }

    // ---------------------------------------------------------------------------------
    // Errors: batches
    // ---------------------------------------------------------------------------------

    /// @notice Thrown when `submitBatch` is called by anyone but the operator outside fallback mode.
    /// @param caller The sender
    error NotOperator(address caller);

    /// @notice Thrown when the batch data is shorter than its fixed part, `64 + 4 + (4 + 9M + 32) + N·OP_BYTES` bytes.
    /// @param expected DATA_BYTES
    /// @param given The length received
    error BatchDataLength(uint256 expected, uint256 given);

    /// @notice Thrown when the bytes after the fixed part of the batch data are neither empty
    /// nor exactly one risk tail, the M × S risk arrays as int64 (M·S·8 bytes).
    /// @param expected RISK_TAIL_BYTES, the only non-empty tail length accepted
    /// @param given The tail length received (data.length − DATA_BYTES)
    error RiskTailLength(uint256 expected, uint256 given);

    /// @notice Thrown when the batch is not built on the current state root: a stale or replayed batch
    /// @param expected The stored stateRoot
    /// @param given The oldStateRoot in the batch data
    error StateRootMismatch(uint256 expected, uint256 given);

    /// @notice Thrown when a value that must be a BN254 field element (newStateRoot, the
    /// header's riskHash, a key coordinate, the genesis root) is not below r.
    /// @param value The offending value
    error FieldOverflow(uint256 value);

    /// @notice Thrown when a batch's depositsEnd is not in [depositsConsumed, queue length].
    /// @param depositsEnd The batch's depositsEnd
    /// @param depositsConsumed Deposits consumed by earlier batches
    /// @param queueLength Deposits queued so far
    error DepositsOutOfRange(uint256 depositsEnd, uint256 depositsConsumed, uint256 queueLength);

    /// @notice Thrown when the header timestamp is later than block.timestamp + MAX_ORACLE_DRIFT.
    /// @param timestamp The header timestamp
    /// @param limit block.timestamp + MAX_ORACLE_DRIFT
    error OracleTimestampAhead(uint256 timestamp, uint256 limit);

    /// @notice Thrown when the verifier rejects the proof for the recomputed inputHash.
    error InvalidProof();

    // ---------------------------------------------------------------------------------
    // Errors: deposits
    // ---------------------------------------------------------------------------------

    /// @notice Thrown when a deposit of 0 is made.
    error ZeroAmount();

    /// @notice Thrown when a deposit amount is not below 2^63 (protocol.md section 2).
    /// @param amount The amount
    /// @param limit 2^63
    error AmountTooLarge(uint256 amount, uint256 limit);

    /// @notice Thrown when a deposit or top-up is below MIN_DEPOSIT: each queue entry costs
    /// the operator an op slot and proving time, so dust does not get one.
    /// @param amount The amount
    /// @param minDeposit MIN_DEPOSIT
    error DepositTooSmall(uint256 amount, uint256 minDeposit);

    /// @notice Thrown when an account already has MAX_PENDING_REQUESTS forced-withdrawal
    /// requests unconsumed; it may request again once a batch consumed one.
    /// @param accountIndex The account
    /// @param pending Its unconsumed requests
    error TooManyPendingRequests(uint256 accountIndex, uint256 pending);

    /// @notice Thrown when `deposit` names an account index that was never assigned.
    /// @param accountIndex The index
    /// @param nextAccountIndex The first index not yet assigned
    error UnknownAccount(uint256 accountIndex, uint256 nextAccountIndex);

    /// @notice Thrown when `depositNew` is called and all 4^D account indices are assigned.
    /// @param maxAccounts 4^D
    error AccountSpaceFull(uint256 maxAccounts);

    /// @notice Thrown when `depositNew` gets a key whose x is 0: (0, 0) means "top-up" in
    /// the queue, and ax = 0 means "empty account" in the tree, so neither can register.
    error ZeroKey();

    /// @notice Thrown when the queue already holds 2^32 - 1 entries (depositsEnd is a uint32).
    /// @param queueLength The queue length
    error DepositQueueFull(uint256 queueLength);

    /// @notice Thrown when the collateral token's transferFrom fails or returns false.
    error TokenTransferFailed();

    /// @notice Thrown when the contract received a different amount than the deposit
    /// records (a fee-on-transfer or rebasing token).
    /// @param expected The deposit amount
    /// @param received The balance increase
    error TransferAmountMismatch(uint256 expected, uint256 received);

    // ---------------------------------------------------------------------------------
    // Errors: administration
    // ---------------------------------------------------------------------------------

    /// @notice Thrown when a function is re-entered.
    error Reentrancy();

    /// @notice Thrown when an address argument is zero or, for a contract argument, has no code.
    /// @param account The address
    error InvalidAddress(address account);

    /// @notice Thrown when a constructor parameter is outside protocol.md section 1.
    /// @param value The parameter
    /// @param min The least value allowed
    /// @param max The greatest value allowed
    error ParameterOutOfRange(uint256 value, uint256 min, uint256 max);

    /// @notice Thrown when the caller of `acceptOperator` is not the pending operator.
    /// @param caller The sender
    error NotPendingOperator(address caller);

    /// @notice Thrown when the exit verifier was deployed for other parameters than the settlement contract.
    /// @param what 0 account depth (D), 1 markets (M)
    /// @param expected The settlement contract's parameter
    /// @param given The exit verifier's
    error ParameterMismatch(uint256 what, uint256 expected, uint256 given);

    // ---------------------------------------------------------------------------------
    // Errors: forced withdrawals and the escape hatch
    // ---------------------------------------------------------------------------------

    /// @notice Thrown when a batch, deposit or request is made after the contract was frozen.
    error Frozen();

    /// @notice Thrown when an exit or a refund is attempted while the contract is not frozen.
    error NotFrozen();

    /// @notice Thrown when a forced-withdrawal amount is not in 0 < amount < 2^48.
    /// @param amount The amount requested
    error RequestAmountOutOfRange(uint256 amount);

    /// @notice Thrown when `freeze` is called while every queue entry is consumed.
    error NothingPending();

    /// @notice Thrown when `freeze` is called before the oldest unconsumed entry is overdue.
    /// @param queueIndex The oldest unconsumed queue entry
    /// @param deadline The first timestamp at which it may be frozen (queuedAt + FREEZE_DEADLINE + 1)
    error FreezeTooEarly(uint256 queueIndex, uint256 deadline);

    /// @notice Thrown when an exit proof does not hash to the last finalized state root.
    /// @param accountIndex The account
    /// @param expected The stored stateRoot
    /// @param computed The root the proof hashes to
    error InvalidExitProof(uint256 accountIndex, uint256 expected, uint256 computed);

    /// @notice Thrown when an account exits a second time.
    /// @param accountIndex The account
    error AlreadyExited(uint256 accountIndex);

    /// @notice Thrown when an exit proof is for an empty leaf (nothing to exit).
    /// @param accountIndex The account
    error EmptyAccount(uint256 accountIndex);

    /// @notice Thrown when the insurance fund (account 0) tries to exit before traders had FORCED_DEADLINE to exit.
    /// @param opensAt The first timestamp at which the fund may exit
    error FundExitTooEarly(uint256 opensAt);

    /// @notice Thrown when a payout (claim, exit, refund) needs more than the contract holds
    /// beyond what it owes others: credited withdrawals not yet claimed and unconsumed
    /// deposits not yet refunded (`reserved()`, less the payout's own share of it). Nothing
    /// changes; the payout can be retried once the balance covers it.
    /// @param needed The payout
    /// @param available The balance minus what is reserved for others
    error InsufficientBalance(uint256 needed, uint256 available);

    /// @notice Thrown when `refundDeposit` names an entry that is consumed, refunded, or a request.
    /// @param queueIndex The entry
    error NotRefundable(uint256 queueIndex);

    /// @notice Thrown when claim() finds nothing claimable for the caller.
    /// @param owner The caller
    error NothingToClaim(address owner);

    /// @notice Thrown when someone other than an account's L1 owner tries to act for it.
    /// @param accountIndex The account
    /// @param caller The caller
    error NotAccountOwner(uint256 accountIndex, address caller);

    // ---------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------

    /// @notice Emitted for every deposit: the queue entry and the chain head after it.
    /// @param queueIndex The entry's position in the queue (0-based)
    /// @param accountIndex The account credited (newly assigned for depositNew)
    /// @param ax The key's x for depositNew, 0 for a top-up
    /// @param ay The key's y for depositNew, 0 for a top-up
    /// @param amount The amount in collateral units
    /// @param head queueHeads[queueIndex + 1] = Poseidon(queueHeads[queueIndex], accountIndex, ax, ay, amount)
    event DepositQueued(
        uint256 indexed queueIndex, uint256 indexed accountIndex, uint256 ax, uint256 ay, uint256 amount, uint256 head
    );

    /// @notice Emitted when a batch is finalized.
    /// @param batchNumber The batch's number, 0 for the first batch after genesis
    /// @param oldStateRoot The root before the batch
    /// @param newStateRoot The root after the batch
    /// @param depositsEnd Deposits consumed after the batch (its queue position)
    /// @param inputHash The public input the proof was verified against
    event BatchFinalized(
        uint256 indexed batchNumber, uint256 oldStateRoot, uint256 newStateRoot, uint256 depositsEnd, uint256 inputHash
    );

    /// @notice Emitted when an account's L1 owner is set (at depositNew) or transferred.
    /// @param accountIndex The account
    /// @param previousOwner The owner before (0 at creation)
    /// @param newOwner The owner after
    event AccountOwnerChanged(uint256 indexed accountIndex, address indexed previousOwner, address indexed newOwner);

    /// @notice Emitted for each WITHDRAW and FORCED_WITHDRAW of a finalized batch.
    /// @param batchNumber The batch (0-based)
    /// @param accountIndex The account that withdrew
    /// @param owner The owner it is claimable by
    /// @param amount Collateral units
    event WithdrawalCredited(uint256 indexed batchNumber, uint256 indexed accountIndex, address indexed owner, uint256 amount);

    /// @notice Emitted when an owner claims its withdrawals.
    /// @param owner The owner
    /// @param recipient Where the tokens went
    /// @param amount Collateral units
    event Claimed(address indexed owner, address indexed recipient, uint256 amount);

    /// @notice Emitted when the operator role changes hands (at deployment, and on `acceptOperator`).
    /// @param previousOperator The old operator (0 at deployment)
    /// @param newOperator The new operator
    event OperatorChanged(address indexed previousOperator, address indexed newOperator);

    /// @notice Emitted when the operator names its successor (step one of two).
    /// @param operator The current operator
    /// @param pendingOperator The address that may now call `acceptOperator` (0 cancels)
    event OperatorTransferStarted(address indexed operator, address indexed pendingOperator);

    /// @notice Emitted once at deployment: the genesis state, so that auditors can rebuild from the chain alone.
    /// @param stateRoot The genesis state root
    /// @param genesis The genesis state as encoded by prover/state/genesis-codec.ts (opaque here; may be empty)
    event GenesisPublished(uint256 stateRoot, bytes genesis);

    /// @notice Emitted when an account's L1 owner requests a forced withdrawal (the entry is
    /// also logged as `DepositQueued` with key (0, 1), so the chain reads as one queue).
    /// @param queueIndex The entry's position in the queue
    /// @param accountIndex The account
    /// @param owner The requester
    /// @param amount The amount requested (the op withdraws at most what the account can spare)
    event ForcedWithdrawalRequested(uint256 indexed queueIndex, uint256 indexed accountIndex, address indexed owner, uint256 amount);

    /// @notice Emitted when the contract is frozen because a queue entry was not served in time.
    /// @param queueIndex The overdue entry
    /// @param queuedAt When it was queued
    /// @param stateRoot The last finalized root, against which accounts now exit
    /// @param caller Who froze the contract
    event ContractFrozen(uint256 indexed queueIndex, uint256 queuedAt, uint256 stateRoot, address indexed caller);

    /// @notice Emitted when an account exits through the escape hatch.
    /// @param accountIndex The account
    /// @param owner Its L1 owner, who was paid
    /// @param equity Its equity at the last committed marks (floored at 0)
    /// @param paid What it was paid (the equity; for the fund, at most what is left)
    event Exited(uint256 indexed accountIndex, address indexed owner, uint256 equity, uint256 paid);

    /// @notice Emitted when an unconsumed deposit is refunded after freezing.
    /// @param queueIndex The entry
    /// @param depositor Who made it and was paid
    /// @param amount The amount refunded
    event DepositRefunded(uint256 indexed queueIndex, address indexed depositor, uint256 amount);

    // ---------------------------------------------------------------------------------
    // Functions
    // ---------------------------------------------------------------------------------

    /// @notice Registers a new account with key (ax, ay) and queues a deposit into it.
    /// @param ax The Baby Jubjub key's x (non-zero, < r)
    /// @param ay The Baby Jubjub key's y (< r)
    /// @param amount Collateral units, 0 < amount < 2^63, pulled with transferFrom
    /// @return accountIndex The index assigned
    function depositNew(uint256 ax, uint256 ay, uint256 amount) external returns (uint256 accountIndex);

    /// @notice Queues a top-up of an existing account.
    /// @param accountIndex An index below nextAccountIndex (0 is the insurance fund)
    /// @param amount Collateral units, 0 < amount < 2^63, pulled with transferFrom
    function deposit(uint256 accountIndex, uint256 amount) external;

    /// @notice Finalizes a batch: checks the old root, the layout and ranges, recomputes inputHash,
    /// verifies the proof and moves the state root. Operator only, except in fallback mode
    /// (IFallback), where anyone may submit a batch that serves the queue first.
    /// @param data oldStateRoot (32) ‖ newStateRoot (32) ‖ depositsEnd uint32 (4) ‖ header (4 + 9M + 32)
    /// ‖ op data (N · OP_BYTES) [‖ risk tail (M·S·8)]; oldStateRoot must equal the stored stateRoot.
    /// The risk tail, the risk arrays a batch that changes the header's riskHash puts in force,
    /// is data availability only: it is neither hashed nor checked against riskHash here (the
    /// operator publishes it; anyone rebuilding the state checks it)
    /// @param proof (a.x, a.y, b.x1, b.x0, b.y1, b.y0, c.x, c.y), the snarkjs calldata order
    function submitBatch(bytes calldata data, uint256[8] calldata proof) external;

    /// @notice The public input `submitBatch` would verify `data` against now, with the
    /// same checks (reverts where submitBatch would, short of the proof).
    /// @param data As for submitBatch
    /// @return inputHash uint256(sha256(hashed bytes)) mod r
    function computeInputHash(bytes calldata data) external view returns (uint256 inputHash);

    /// @notice Names the next operator, who takes the role with `acceptOperator`. Operator only.
    /// @param newOperator The successor (0 cancels a pending transfer)
    function transferOperator(address newOperator) external;

    /// @notice Takes the operator role. Pending operator only.
    function acceptOperator() external;

    /// @notice Asks the operator to withdraw from an account: appends (accountIndex, 0, 1, amount)
    /// to the priority queue, which a batch must consume within FORCED_DEADLINE. No tokens move.
    /// @param accountIndex The account (its L1 owner only)
    /// @param amount At most this much (0 < amount < 2^48); the op withdraws what the account can spare
    function requestForcedWithdrawal(uint256 accountIndex, uint256 amount) external;

    /// @notice Freezes the contract when the oldest unconsumed queue entry is older than
    /// FREEZE_DEADLINE (2 × FORCED_DEADLINE; fallback mode opens at FORCED_DEADLINE). Anyone. No batch is accepted afterwards; accounts exit.
    function freeze() external;

    /// @notice After freezing, pays an account's equity at the last finalized state to its L1 owner, once.
    /// @param proof The account's leaf, Merkle path and the global state (prover/chain/exit-proof.ts)
    function exit(IExitVerifier.ExitProof calldata proof) external;

    /// @notice After freezing, returns an unconsumed deposit to its depositor, once.
    /// @param queueIndex The entry (≥ depositsConsumed)
    function refundDeposit(uint256 queueIndex) external;

    /// @notice What the contract owes outside the state: credited withdrawals not yet
    /// claimed (totalClaimable) plus deposits queued and neither consumed nor refunded
    /// (pendingDeposits). Every payout is paid from the balance beyond it.
    function reserved() external view returns (uint256);

    /// @notice Pays every withdrawal claimable by the caller to `recipient`, once.
    /// @param recipient Where the tokens go
    function claim(address recipient) external;

    /// @notice Hands an account's L1 ownership (where its withdrawals go) to another address.
    /// @param accountIndex The account
    /// @param newOwner The new owner
    function transferAccountOwnership(uint256 accountIndex, address newOwner) external;
}
