pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";

/**
 * The conditions of a DELEVERAGE (protocol.md section 5) on the bankrupt account a:
 * bankrupt before (equity < 0), a deficit the fund cannot pay (fundAvailable <
 * -equityBefore), and closed at its bankruptcy price (0 <= equityAfter < q).
 * Range argument: |equity| < 2^102 and |fundAvailable| < 2^90, so LessThan(104) compares
 * them as signed values.
 * @input enabled - {Bool}
 * @input equityBefore - {Int102} - a's equity after funding, before the op
 * @input equityAfter - {Int102} - a's equity after the op
 * @input q - {Uint32}
 * @input fundAvailable - {Int90} - fund collateral at batch start plus the batch's fees so far
 */
template DeleverageBounds() {
    signal input enabled;
    signal input equityBefore;
    signal input equityAfter;
    signal input q;
    signal input fundAvailable;

    component bankrupt = LessThan(104);
    bankrupt.in[0] <== equityBefore;
    bankrupt.in[1] <== 0;
    (1 - bankrupt.out) * enabled === 0;
    component fundShort = LessThan(104);
    fundShort.in[0] <== fundAvailable;
    fundShort.in[1] <== -equityBefore;
    (1 - fundShort.out) * enabled === 0;
    component stillNegative = LessThan(104);
    stillNegative.in[0] <== equityAfter;
    stillNegative.in[1] <== 0;
    stillNegative.out * enabled === 0;
    component withinRounding = LessThan(104);
    withinRounding.in[0] <== equityAfter;
    withinRounding.in[1] <== q;
    (1 - withinRounding.out) * enabled === 0;
}
