pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";

/**
 * DELEVERAGE (protocol.md section 5): q lots of a bankrupt account's (a) position close
 * against an opposite position of b at price p (a's bankruptcy price). Both positions
 * shrink. The slot checks the bankruptcy bounds (DeleverageBounds) and the market.
 * @input enabled - {Bool} - 1 iff the slot is a DELEVERAGE
 * @input sizeBeforeA, sizeBeforeB - {Int49} - sizes of a and b in the market
 * @input q - {Uint32} - lots closed (range-checked by the slot), 1 <= q <= both sizes
 * @input price - {Uint48} - the slot's value field (range-checked by the slot)
 * @output deltaA - {Int33} - a's size change, toward 0 (b's is -deltaA, also toward 0)
 * @output cashA, cashB - {Int82} - collateral changes
 */
template DeleverageOp() {
    signal input enabled;
    signal input sizeBeforeA;
    signal input sizeBeforeB;
    signal input q;
    signal input price;
    signal output deltaA;
    signal output cashA;
    signal output cashB;

    // Sizes are below 2^48 in magnitude: LessThan(50) compares them as signed values.
    component longA = LessThan(50);
    longA.in[0] <== 0;
    longA.in[1] <== sizeBeforeA;
    component shortA = LessThan(50);
    shortA.in[0] <== sizeBeforeA;
    shortA.in[1] <== 0;
    component longB = LessThan(50);
    longB.in[0] <== 0;
    longB.in[1] <== sizeBeforeB;
    component shortB = LessThan(50);
    shortB.in[0] <== sizeBeforeB;
    shortB.in[1] <== 0;
    signal longShort <== longA.out * shortB.out;
    signal shortLong <== shortA.out * longB.out;
    (1 - longShort - shortLong) * enabled === 0;

    signal side <== longA.out - shortA.out;
    signal absA <== side * sizeBeforeA;
    signal absB <== -side * sizeBeforeB;
    component qZero = IsZero();
    qZero.in <== q;
    qZero.out * enabled === 0;
    component withinA = LessEqThan(49);
    withinA.in[0] <== q;
    withinA.in[1] <== absA;
    (1 - withinA.out) * enabled === 0;
    component withinB = LessEqThan(49);
    withinB.in[0] <== q;
    withinB.in[1] <== absB;
    (1 - withinB.out) * enabled === 0;

    deltaA <== -side * q;
    signal value <== deltaA * price;
    cashA <== -value;
    cashB <== value;
}
