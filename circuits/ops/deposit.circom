pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";
include "../lib/range.circom";

/**
 * DEPOSIT and FORCED_WITHDRAW (protocol.md section 5) consume the next L1 priority-queue
 * entry (accountIndex, ax, ay, amount) and advance the queue's hash chain
 *   depositHeadOut = Poseidon(depositHeadIn, accountIndex, ax, ay, amount).
 * DEPOSIT: a non-zero key creates the (empty) account with that key; key (0, 0) tops up
 * an account that exists. FORCED_WITHDRAW: the entry's key is the marker (0, 1) and its
 * amount the requested withdrawal (ForcedWithdrawOp sizes it). Positions and nonce never
 * change here.
 * @input enabled - {Bool} - 1 iff the slot is a DEPOSIT
 * @input forced - {Bool} - 1 iff the slot is a FORCED_WITHDRAW
 * @input accountIndex - {Uint} - index of the account updated in this slot (update a)
 * @input ax, ay - the account's key before
 * @input depositAccountIndex, depositAx, depositAy - {Field} - queue entry
 * @input depositAmount - {Uint63} - queue entry amount, > 0
 * @input depositHeadIn - {Field} - chain head before this slot
 * @output newAx, newAy - the account's key after (when enabled; the slot adds the amount)
 * @output depositHeadOut - {Field} - chain head after this slot
 */
template DepositOp() {
    signal input enabled;
    signal input forced;
    signal input accountIndex;
    signal input ax;
    signal input ay;
    signal input depositAccountIndex;
    signal input depositAx;
    signal input depositAy;
    signal input depositAmount;
    signal input depositHeadIn;
    signal output newAx;
    signal output newAy;
    signal output depositHeadOut;

    signal consumes <== enabled + forced;
    (depositAccountIndex - accountIndex) * consumes === 0;
    // A forced withdrawal's entry carries the marker key (0, 1).
    depositAx * forced === 0;
    (depositAy - 1) * forced === 0;

    component amountRange = UnsignedRange(63);
    amountRange.in <== depositAmount;
    component amountZero = IsZero();
    amountZero.in <== depositAmount;
    amountZero.out * enabled === 0;

    // A new key may only land on an empty account, and a top-up (key 0) only on an
    // account that exists.
    component keyIsZero = IsZero();
    keyIsZero.in <== depositAx;
    signal topUpWithKey <== keyIsZero.out * depositAy;
    topUpWithKey * enabled === 0;
    component accountIsEmpty = IsZero();
    accountIsEmpty.in <== ax;
    (1 - keyIsZero.out - accountIsEmpty.out) * enabled === 0;

    // On creation the old key is (0, 0); on a top-up the entry's key is (0, 0).
    newAx <== ax + enabled * depositAx;
    newAy <== ay + enabled * depositAy;

    component chain = Poseidon(5);
    chain.inputs[0] <== depositHeadIn;
    chain.inputs[1] <== depositAccountIndex;
    chain.inputs[2] <== depositAx;
    chain.inputs[3] <== depositAy;
    chain.inputs[4] <== depositAmount;
    depositHeadOut <== depositHeadIn + consumes * (chain.out - depositHeadIn);
}
