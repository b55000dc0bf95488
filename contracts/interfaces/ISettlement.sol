// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title zksettle settlement contract: deposit queue and batch finalization
/// @notice Implements docs/protocol.md sections 5 (the deposit hash chain), 7 (the batch
/// calldata and the public input) and 8 (what the contract checks).
interface ISettlement {
    // ---------------------------------------------------------------------------------
    // Errors: batches
    // ---------------------------------------------------------------------------------

    /// @notice Thrown when `submitBatch` is called by anyone but the operator.
    /// @param caller The sender
    error NotOperator(address caller);

    /// @notice Thrown when the batch data is not exactly `64 + 4 + (4 + 6M) + N·OP_BYTES` bytes.
    /// @param expected DATA_BYTES
    /// @param given The length received
    error BatchDataLength(uint256 expected, uint256 given);

    /// @notice Thrown when the batch is not built on the current state root: a stale or replayed batch
    /// @param expected The stored stateRoot
    /// @param given The oldStateRoot in the batch data
    error StateRootMismatch(uint256 expected, uint256 given);

    /// @notice Thrown when a value that must be a BN254 field element (newStateRoot, a key
    /// coordinate, the genesis root) is not below r.
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

    /// @notice Emitted for each WITHDRAW of a finalized batch.
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

    /// @notice Emitted when the operator hands its role over.
    /// @param previousOperator The old operator
    /// @param newOperator The new operator
    event OperatorChanged(address indexed previousOperator, address indexed newOperator);

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
    /// verifies the proof and moves the state root. Operator only.
    /// @param data oldStateRoot (32) ‖ newStateRoot (32) ‖ depositsEnd uint32 (4) ‖ header (4 + 6M) ‖ op data (N · OP_BYTES);
    /// oldStateRoot must equal the stored stateRoot
    /// @param proof (a.x, a.y, b.x1, b.x0, b.y1, b.y0, c.x, c.y), the snarkjs calldata order
    function submitBatch(bytes calldata data, uint256[8] calldata proof) external;

    /// @notice The public input `submitBatch` would verify `data` against now, with the
    /// same checks (reverts where submitBatch would, short of the proof).
    /// @param data As for submitBatch
    /// @return inputHash uint256(sha256(hashed bytes)) mod r
    function computeInputHash(bytes calldata data) external view returns (uint256 inputHash);

    /// @notice Hands the operator role to `newOperator`. Operator only.
    /// @param newOperator The new operator (non-zero)
    function setOperator(address newOperator) external;

    /// @notice Pays every withdrawal claimable by the caller to `recipient`, once.
    /// @param recipient Where the tokens go
    function claim(address recipient) external;

    /// @notice Hands an account's L1 ownership (where its withdrawals go) to another address.
    /// @param accountIndex The account
    /// @param newOwner The new owner
    function transferAccountOwnership(uint256 accountIndex, address newOwner) external;
}
