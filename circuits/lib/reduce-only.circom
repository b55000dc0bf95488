pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";

/**
 * 1 iff a position shrinks in absolute value without changing sign:
 * (before > 0 and 0 <= after < before) or (before < 0 and before < after <= 0).
 * Sizes are below 2^48 in magnitude, so LessThan(50) compares them as signed values.
 * @input sizeBefore, sizeAfter - {Int49}
 * @output out - {Bool}
 */
template ReduceOnly() {
    signal input sizeBefore;
    signal input sizeAfter;
    signal output out;

    component wasLong = LessThan(50);
    wasLong.in[0] <== 0;
    wasLong.in[1] <== sizeBefore;
    component wasShort = LessThan(50);
    wasShort.in[0] <== sizeBefore;
    wasShort.in[1] <== 0;
    component isShortAfter = LessThan(50);
    isShortAfter.in[0] <== sizeAfter;
    isShortAfter.in[1] <== 0;
    component isLongAfter = LessThan(50);
    isLongAfter.in[0] <== 0;
    isLongAfter.in[1] <== sizeAfter;
    component shrankFromLong = LessThan(50);
    shrankFromLong.in[0] <== sizeAfter;
    shrankFromLong.in[1] <== sizeBefore;
    component shrankFromShort = LessThan(50);
    shrankFromShort.in[0] <== sizeBefore;
    shrankFromShort.in[1] <== sizeAfter;

    signal longReduces <== wasLong.out * (1 - isShortAfter.out);
    signal shortReduces <== wasShort.out * (1 - isLongAfter.out);
    signal longCase <== longReduces * shrankFromLong.out;
    signal shortCase <== shortReduces * shrankFromShort.out;
    out <== longCase + shortCase;
}
