pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";

/**
 * SETTLE (protocol.md section 5): closes a's whole position in a settled market at its
 * settlement value; the slot checks that the market is settled, and the cleared slot
 * can never be settled again. No signature: anyone's position may be settled.
 * @input enabled - {Bool} - 1 iff the slot is a SETTLE
 * @input sizeBefore - {Int49} - a's size in the market (from the slot's selection)
 * @input settlementPrice - {Uint49} - cash value of one lot of the settled market
 * @output deltaA - {Int49} - -sizeBefore: the slot returns to 0 and is cleared
 * @output cashA - {Int98} - sizeBefore * settlementPrice
 */
template SettleOp() {
    signal input enabled;
    signal input sizeBefore;
    signal input settlementPrice;
    signal output deltaA;
    signal output cashA;

    component noPosition = IsZero();
    noPosition.in <== sizeBefore;
    noPosition.out * enabled === 0;

    deltaA <== -sizeBefore;
    cashA <== sizeBefore * settlementPrice;
}
