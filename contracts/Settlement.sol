// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ISettlement} from "./interfaces/ISettlement.sol";
import {IGroth16Verifier} from "./interfaces/IGroth16Verifier.sol";
import {IPoseidon5} from "./interfaces/IPoseidon5.sol";
import {IERC20Minimal} from "./interfaces/IERC20Minimal.sol";

/// @title zksettle settlement contract
/// @notice Keeps the state root, the L1 deposit queue and its Poseidon hash chain, and
/// finalizes batches proven by the batch circuit (docs/protocol.md sections 5, 7, 8).
/// @dev Batch calldata layout (protocol.md section 7), all integers big-endian:
///
///   data   oldStateRoot     --> 32 bytes (must equal the stored stateRoot)
///          newStateRoot     --> 32 bytes (< r)
///          depositsEnd      --> 4 bytes  (uint32)
///          header           --> HEADER_BYTES = 4 + 9·M, at offset 68
///              timestamp        --> 4 bytes (uint32)
///              price_m          --> 6 bytes (uint48), m = 0..M-1, each followed by
///              fundingRate_m    --> 3 bytes (uint24, rate + 2^23)
///          op data          --> N · OP_BYTES, OP_BYTES = 14 + 2·IDX, IDX = ceil(2·D / 8)
///              type             --> 1 byte  (0 NOOP 1 DEPOSIT 2 TRADE 3 WITHDRAW 4 LIQUIDATE 5 SETTLE 6 DELEVERAGE)
///              aIndex           --> IDX bytes
///              bIndex           --> IDX bytes
///              market           --> 1 byte  (marketId | makerIsBuy << 7 for TRADE)
///              q                --> 4 bytes (uint32)
///              value            --> 6 bytes (uint48: TRADE/DELEVERAGE price, WITHDRAW amount)
///              feeA             --> 1 byte
///              feeB             --> 1 byte
///
///   hashed bytes = oldStateRoot (32) ‖ newStateRoot (32) ‖ header ‖ queueHeads[depositsEnd] (32) ‖ op data
///                = data[0:64] ‖ header ‖ queueHeads[depositsEnd] ‖ op data
///   inputHash    = uint256(sha256(hashed bytes)) mod r
///
/// oldStateRoot travels in the data so that a stale or replayed batch is refused with
/// StateRootMismatch before the proof is checked; once it equals the stored root, the
/// first 64 bytes of `data` are the first 64 hashed bytes as they stand.
/// The ops are decoded only for WITHDRAW (aIndex, value), which the contract pays out;
/// the circuit constrains everything else, and the contract needs only their bytes. The data is read by hand rather than with abi.decode
/// so that the bytes hashed by the circuit carry no ABI padding.
/// The TypeScript side of the same layout is prover/state/layout.ts.
contract Settlement is ISettlement {
    /// @notice The BN254 scalar field modulus r.
    uint256 public constant FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice Deposits are below 2^63 (protocol.md section 2).
    uint256 public constant MAX_DEPOSIT = 1 << 63;

    // Fixed field widths of the calldata (bytes).
    uint256 private constant ROOT_BYTES = 32; // oldStateRoot, newStateRoot --> 32 bytes each
    uint256 private constant NEW_ROOT_OFFSET = ROOT_BYTES; // newStateRoot starts at 32
    uint256 private constant DEPOSITS_END_OFFSET = 2 * ROOT_BYTES; // depositsEnd starts at 64
    uint256 private constant DEPOSITS_END_BYTES = 4; // depositsEnd --> 4 bytes
    uint256 private constant HEADER_OFFSET = DEPOSITS_END_OFFSET + DEPOSITS_END_BYTES; // header starts at 68
    uint256 private constant TIMESTAMP_BYTES = 4; // header.timestamp --> 4 bytes
    uint256 private constant MARKET_BYTES = 9; // header.price_m 6 bytes + fundingRate_m 3 bytes
    uint256 private constant OP_FIXED_BYTES = 14; // type 1 + market 1 + q 4 + value 6 + fees 2
    uint8 private constant OP_WITHDRAW = 3;
    uint256 private constant VALUE_BYTES = 6; // op.value --> 6 bytes (uint48)

    // Parameters (protocol.md section 1) and the widths that follow from them.
    /// @notice D, levels of the quaternary account tree.
    uint256 public immutable ACCOUNT_DEPTH;
    /// @notice M, the number of markets.
    uint256 public immutable MARKETS;
    /// @notice N, op slots per batch.
    uint256 public immutable BATCH_SIZE;
    /// @notice 4^D, the number of account indices.
    uint256 public immutable MAX_ACCOUNTS;
    /// @notice IDX = ceil(2·D / 8), bytes of an account index in op data.
    uint256 public immutable IDX_BYTES;
    /// @notice OP_BYTES = 14 + 2·IDX, bytes of one op slot.
    uint256 public immutable OP_BYTES;
    /// @notice HEADER_BYTES = 4 + 9·M.
    uint256 public immutable HEADER_BYTES;
    /// @notice DATA_BYTES = 64 + 4 + HEADER_BYTES + N·OP_BYTES, the exact length of `data`.
    uint256 public immutable DATA_BYTES;
    /// @notice A header timestamp may be at most this many seconds after block.timestamp.
    uint256 public immutable MAX_ORACLE_DRIFT;

    /// @notice The snarkjs Groth16 verifier of the batch circuit.
    IGroth16Verifier public immutable VERIFIER;
    /// @notice circomlibjs' Poseidon contract for 5 inputs.
    IPoseidon5 public immutable POSEIDON5;
    /// @notice The collateral token (a plain ERC-20, 6 decimals; no fee on transfer).
    IERC20Minimal public immutable COLLATERAL;

    /// @notice The only address that may submit batches.
    address public operator;
    /// @notice The root of the last finalized state (the genesis root before any batch).
    uint256 public stateRoot;
    /// @notice Batches finalized so far.
    uint256 public batchCount;
    /// @notice Queue entries consumed by finalized batches.
    uint256 public depositsConsumed;
    /// @notice The next account index depositNew assigns (account 0 exists at genesis).
    uint256 public nextAccountIndex = 1;
    /// @notice queueHeads[i] is the deposit chain head after i entries; queueHeads[0] = 0.
    uint256[] public queueHeads;
    /// @notice The L1 owner of each account (who made it with depositNew); withdrawals go to it.
    mapping(uint256 accountIndex => address owner) public accountOwner;
    /// @notice Withdrawn collateral each owner can claim (from finalized batches).
    mapping(address owner => uint256 amount) public claimable;

    bool private transient _locked;

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

    /// @param verifier The batch circuit's Groth16 verifier
    /// @param poseidon5 circomlibjs' Poseidon contract for 5 inputs
    /// @param collateralToken The ERC-20 collateral
    /// @param genesisStateRoot The root of the genesis state (< r; its depositHead is 0)
    /// @param accountDepth D, 1..15
    /// @param markets M, 1..13
    /// @param batchSize N, ≥ 1
    /// @param maxOracleDrift Seconds a header timestamp may run ahead of block.timestamp
    /// @param initialOperator The operator
    constructor(
        address verifier,
        address poseidon5,
        IERC20Minimal collateralToken,
        uint256 genesisStateRoot,
        uint8 accountDepth,
        uint8 markets,
        uint16 batchSize,
        uint32 maxOracleDrift,
        address initialOperator
    ) {
        if (verifier.code.length == 0) revert InvalidAddress(verifier);
        if (poseidon5.code.length == 0) revert InvalidAddress(poseidon5);
        if (address(collateralToken).code.length == 0) revert InvalidAddress(address(collateralToken));
        if (initialOperator == address(0)) revert InvalidAddress(initialOperator);
        if (genesisStateRoot >= FIELD_MODULUS) revert FieldOverflow(genesisStateRoot);
        if (accountDepth < 1 || accountDepth > 15) revert ParameterOutOfRange(accountDepth, 1, 15);
        if (markets < 1 || markets > 13) revert ParameterOutOfRange(markets, 1, 13);
        if (batchSize < 1) revert ParameterOutOfRange(batchSize, 1, type(uint16).max);

        VERIFIER = IGroth16Verifier(verifier);
        POSEIDON5 = IPoseidon5(poseidon5);
        COLLATERAL = collateralToken;
        ACCOUNT_DEPTH = accountDepth;
        MARKETS = markets;
        BATCH_SIZE = batchSize;
        MAX_ORACLE_DRIFT = maxOracleDrift;
        MAX_ACCOUNTS = 1 << (2 * uint256(accountDepth));

        uint256 idx = (2 * uint256(accountDepth) + 7) / 8;
        uint256 opBytes = OP_FIXED_BYTES + 2 * idx;
        uint256 headerBytes = TIMESTAMP_BYTES + MARKET_BYTES * uint256(markets);
        IDX_BYTES = idx;
        OP_BYTES = opBytes;
        HEADER_BYTES = headerBytes;
        DATA_BYTES = HEADER_OFFSET + headerBytes + uint256(batchSize) * opBytes;

        stateRoot = genesisStateRoot;
        queueHeads.push(0);
        operator = initialOperator;
        emit OperatorChanged(address(0), initialOperator);
    }

    // ---------------------------------------------------------------------------------
    // Deposits
    // ---------------------------------------------------------------------------------

    /// @inheritdoc ISettlement
    function depositNew(uint256 ax, uint256 ay, uint256 amount) external nonReentrant returns (uint256 accountIndex) {
        if (ax == 0) revert ZeroKey();
        if (ax >= FIELD_MODULUS) revert FieldOverflow(ax);
        if (ay >= FIELD_MODULUS) revert FieldOverflow(ay);
        accountIndex = nextAccountIndex;
        if (accountIndex >= MAX_ACCOUNTS) revert AccountSpaceFull(MAX_ACCOUNTS);
        nextAccountIndex = accountIndex + 1;
        accountOwner[accountIndex] = msg.sender;
        emit AccountOwnerChanged(accountIndex, address(0), msg.sender);
        _enqueue(accountIndex, ax, ay, amount);
    }

    /// @inheritdoc ISettlement
    function deposit(uint256 accountIndex, uint256 amount) external nonReentrant {
        // Account 0 is the insurance fund: it is never a party to an op, deposits included.
        if (accountIndex == 0 || accountIndex >= nextAccountIndex) revert UnknownAccount(accountIndex, nextAccountIndex);
        _enqueue(accountIndex, 0, 0, amount);
    }

    /// @notice Number of deposits queued so far.
    function depositCount() external view returns (uint256) {
        return queueHeads.length - 1;
    }

    /// @dev Appends an entry to the chain, then pulls the tokens (checks, effects,
    /// interactions; the balance check after the transfer rejects tokens that deliver less).
    function _enqueue(uint256 accountIndex, uint256 ax, uint256 ay, uint256 amount) private {
        if (amount == 0) revert ZeroAmount();
        if (amount >= MAX_DEPOSIT) revert AmountTooLarge(amount, MAX_DEPOSIT);
        uint256 queueIndex = queueHeads.length - 1;
        if (queueIndex >= type(uint32).max) revert DepositQueueFull(queueIndex);

        uint256 head = POSEIDON5.poseidon([queueHeads[queueIndex], accountIndex, ax, ay, amount]);
        queueHeads.push(head);
        emit DepositQueued(queueIndex, accountIndex, ax, ay, amount, head);

        uint256 balanceBefore = COLLATERAL.balanceOf(address(this));
        (bool ok, bytes memory ret) = address(COLLATERAL).call(
            abi.encodeCall(IERC20Minimal.transferFrom, (msg.sender, address(this), amount))
        );
        if (!ok || (ret.length != 0 && (ret.length != 32 || !abi.decode(ret, (bool))))) revert TokenTransferFailed();
        uint256 received = COLLATERAL.balanceOf(address(this)) - balanceBefore;
        if (received != amount) revert TransferAmountMismatch(amount, received);
    }

    // ---------------------------------------------------------------------------------
    // Batches
    // ---------------------------------------------------------------------------------

    /// @inheritdoc ISettlement
    function submitBatch(bytes calldata data, uint256[8] calldata proof) external onlyOperator {
        (uint256 newStateRoot, uint256 depositsEnd, uint256 inputHash) = _checkBatch(data);

        bool valid = VERIFIER.verifyProof(
            [proof[0], proof[1]], [[proof[2], proof[3]], [proof[4], proof[5]]], [proof[6], proof[7]], [inputHash]
        );
        if (!valid) revert InvalidProof();

        uint256 oldStateRoot = stateRoot;
        uint256 batchNumber = batchCount;
        stateRoot = newStateRoot;
        batchCount = batchNumber + 1;
        depositsConsumed = depositsEnd;
        emit BatchFinalized(batchNumber, oldStateRoot, newStateRoot, depositsEnd, inputHash);
        _creditWithdrawals(data, batchNumber);
    }

    /// @dev Makes every WITHDRAW of a finalized batch claimable by the account's owner.
    function _creditWithdrawals(bytes calldata data, uint256 batchNumber) private {
        uint256 offset = HEADER_OFFSET + HEADER_BYTES;
        uint256 idxBytes = IDX_BYTES;
        uint256 valueOffset = 1 + 2 * idxBytes + 1 + 4;
        for (uint256 i = 0; i < BATCH_SIZE; i++) {
            if (uint8(data[offset]) == OP_WITHDRAW) {
                uint256 accountIndex = uint256(bytes32(data[offset + 1:offset + 1 + idxBytes])) >> (256 - 8 * idxBytes);
                uint256 amount = uint48(bytes6(data[offset + valueOffset:offset + valueOffset + VALUE_BYTES]));
                address owner = accountOwner[accountIndex];
                claimable[owner] += amount;
                emit WithdrawalCredited(batchNumber, accountIndex, owner, amount);
            }
            offset += OP_BYTES;
        }
    }

    // ---------------------------------------------------------------------------------
    // Withdrawals
    // ---------------------------------------------------------------------------------

    /// @inheritdoc ISettlement
    function claim(address recipient) external nonReentrant {
        if (recipient == address(0)) revert InvalidAddress(recipient);
        uint256 amount = claimable[msg.sender];
        if (amount == 0) revert NothingToClaim(msg.sender);
        claimable[msg.sender] = 0;
        emit Claimed(msg.sender, recipient, amount);
        _pay(recipient, amount);
    }

    /// @inheritdoc ISettlement
    function transferAccountOwnership(uint256 accountIndex, address newOwner) external {
        address owner = accountOwner[accountIndex];
        if (msg.sender != owner || owner == address(0)) revert NotAccountOwner(accountIndex, msg.sender);
        if (newOwner == address(0)) revert InvalidAddress(newOwner);
        accountOwner[accountIndex] = newOwner;
        emit AccountOwnerChanged(accountIndex, owner, newOwner);
    }

    /// @dev Pays collateral out; reverts unless the token reports success.
    function _pay(address to, uint256 amount) private {
        (bool ok, bytes memory ret) = address(COLLATERAL).call(abi.encodeCall(IERC20Minimal.transfer, (to, amount)));
        if (!ok || (ret.length != 0 && (ret.length != 32 || !abi.decode(ret, (bool))))) revert TokenTransferFailed();
    }

    /// @inheritdoc ISettlement
    function computeInputHash(bytes calldata data) external view returns (uint256 inputHash) {
        (,, inputHash) = _checkBatch(data);
    }

    /// @dev The checks of protocol.md section 8 short of the proof, and the public input.
    function _checkBatch(bytes calldata data)
        private
        view
        returns (uint256 newStateRoot, uint256 depositsEnd, uint256 inputHash)
    {
        if (data.length != DATA_BYTES) revert BatchDataLength(DATA_BYTES, data.length);

        uint256 oldStateRoot = uint256(bytes32(data[0:NEW_ROOT_OFFSET]));
        if (oldStateRoot != stateRoot) revert StateRootMismatch(stateRoot, oldStateRoot);

        newStateRoot = uint256(bytes32(data[NEW_ROOT_OFFSET:DEPOSITS_END_OFFSET]));
        if (newStateRoot >= FIELD_MODULUS) revert FieldOverflow(newStateRoot);

        depositsEnd = uint32(bytes4(data[DEPOSITS_END_OFFSET:HEADER_OFFSET]));
        uint256 queueLength = queueHeads.length - 1;
        if (depositsEnd < depositsConsumed || depositsEnd > queueLength) {
            revert DepositsOutOfRange(depositsEnd, depositsConsumed, queueLength);
        }

        uint256 timestamp = uint32(bytes4(data[HEADER_OFFSET:HEADER_OFFSET + TIMESTAMP_BYTES]));
        uint256 limit = block.timestamp + MAX_ORACLE_DRIFT;
        if (timestamp > limit) revert OracleTimestampAhead(timestamp, limit);

        uint256 opsOffset = HEADER_OFFSET + HEADER_BYTES;
        // data[0:64] = oldStateRoot ‖ newStateRoot, oldStateRoot checked equal to stateRoot above.
        bytes memory hashed = abi.encodePacked(
            data[0:DEPOSITS_END_OFFSET], data[HEADER_OFFSET:opsOffset], queueHeads[depositsEnd], data[opsOffset:]
        );
        inputHash = uint256(sha256(hashed)) % FIELD_MODULUS;
    }

    // ---------------------------------------------------------------------------------
    // Administration
    // ---------------------------------------------------------------------------------

    /// @inheritdoc ISettlement
    function setOperator(address newOperator) external onlyOperator {
        if (newOperator == address(0)) revert InvalidAddress(newOperator);
        emit OperatorChanged(operator, newOperator);
        operator = newOperator;
    }
}
