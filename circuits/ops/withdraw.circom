pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";

/**
 * WITHDRAW (protocol.md section 5): the account signs
 *   withdrawalHash = Poseidon(4, accountIndex, amount, nonce)
 * with its current nonce (the slot verifies the signature, moves the nonce and checks
 * initial margin after). The contract credits the amount to the account's L1 owner.
 * @input enabled - {Bool} - 1 iff the slot is a WITHDRAW
 * @input accountIndex - {Uint} - slot account a
 * @input nonce - {Uint32} - a's nonce before
 * @input amount - {Uint48} - the slot's value field (range-checked by the slot), > 0
 * @output hash - {Field} - the signed message
 * @output cash - {Int49} - collateral change of a
 */
template WithdrawOp() {
    signal input enabled;
    signal input accountIndex;
    signal input nonce;
    signal input amount;
    signal output hash;
    signal output cash;

    component amountZero = IsZero();
    amountZero.in <== amount;
    amountZero.out * enabled === 0;

    component message = Poseidon(4);
    message.inputs[0] <== 4;
    message.inputs[1] <== accountIndex;
    message.inputs[2] <== amount;
    message.inputs[3] <== nonce;
    hash <== message.out;
    cash <== -amount;
}
