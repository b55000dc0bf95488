pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";
include "../lib/range.circom";
include "../lib/fee.circom";

/**
 * LIQUIDATE (protocol.md section 5): q lots of the liquidatee's (a) position move to
 * the liquidator (b) at the mark price, and a pays a penalty to the insurance fund.
 * The liquidator signs
 *   liquidationHash = Poseidon(3, liquidatorIndex, liquidateeIndex, marketId, maxSize,
 *                              expiry, nonce)
 * with its current nonce. The slot checks that a is liquidatable (before the op), the
 * signature, b's margin after, the market, and covers a deficit from the fund.
 * @input enabled - {Bool} - 1 iff the slot is a LIQUIDATE
 * @input timestamp - {Uint32}
 * @input liquidateeIndex, liquidatorIndex - {Uint} - slot accounts a and b
 * @input liquidatorNonce - {Uint32} - b's nonce before
 * @input marketId - {Uint8} - the slot's market
 * @input q - {Uint32} - lots moved (range-checked by the slot), 1 <= q <= min(maxSize, |size|)
 * @input maxSize - {Uint32} - signed by the liquidator
 * @input expiry - {Uint32} - signed by the liquidator, >= timestamp
 * @input markPrice - {Uint48} - the market's mark price
 * @input penaltyBps - {Uint14} - from the risk parameters (<= 10000, checked in the header)
 * @input sizeBefore - {Int49} - a's size in the market
 * @output hash - {Field} - the liquidator's signed message
 * @output deltaA - {Int33} - a's size change, toward 0 (b's is -deltaA)
 * @output cashA, cashB - {Int82} - collateral changes (a's includes -penalty)
 * @output penalty - {Uint80}
 */
template LiquidateOp() {
    signal input enabled;
    signal input timestamp;
    signal input liquidateeIndex;
    signal input liquidatorIndex;
    signal input liquidatorNonce;
    signal input marketId;
    signal input q;
    signal input maxSize;
    signal input expiry;
    signal input markPrice;
    signal input penaltyBps;
    signal input sizeBefore;
    signal output hash;
    signal output deltaA;
    signal output cashA;
    signal output cashB;
    signal output penalty;

    component message = Poseidon(7);
    message.inputs[0] <== 3;
    message.inputs[1] <== liquidatorIndex;
    message.inputs[2] <== liquidateeIndex;
    message.inputs[3] <== marketId;
    message.inputs[4] <== maxSize;
    message.inputs[5] <== expiry;
    message.inputs[6] <== liquidatorNonce;
    hash <== message.out;

    component maxSizeRange = UnsignedRange(32);
    maxSizeRange.in <== maxSize;
    component expiryRange = UnsignedRange(32);
    expiryRange.in <== expiry;
    component notExpired = LessEqThan(32);
    notExpired.in[0] <== timestamp;
    notExpired.in[1] <== expiry;
    (1 - notExpired.out) * enabled === 0;

    // Sizes are below 2^48 in magnitude: LessThan(50) compares them as signed values.
    component wasLong = LessThan(50);
    wasLong.in[0] <== 0;
    wasLong.in[1] <== sizeBefore;
    component wasShort = LessThan(50);
    wasShort.in[0] <== sizeBefore;
    wasShort.in[1] <== 0;
    signal side <== wasLong.out - wasShort.out;
    signal absSize <== side * sizeBefore;

    component qZero = IsZero();
    qZero.in <== q;
    qZero.out * enabled === 0;
    component withinPosition = LessEqThan(49);
    withinPosition.in[0] <== q;
    withinPosition.in[1] <== absSize;
    (1 - withinPosition.out) * enabled === 0;
    component withinSigned = LessEqThan(32);
    withinSigned.in[0] <== q;
    withinSigned.in[1] <== maxSize;
    (1 - withinSigned.out) * enabled === 0;

    deltaA <== -side * q;
    signal value <== deltaA * markPrice;
    component fee = FeeAmount();
    fee.notional <== q * markPrice;
    fee.feeBps <== penaltyBps;
    penalty <== fee.fee;
    cashA <== -value - penalty;
    cashB <== value;
}
