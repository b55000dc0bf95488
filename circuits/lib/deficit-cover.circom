pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";

/**
 * After a liquidation or a settlement (protocol.md section 5): if the account holds no
 * position and its collateral is negative, the fund pays the deficit and the collateral
 * becomes 0.
 * Range argument: the collateral before is within 2^98 of the 2^63 state range (one
 * op's cash: a settlement credits size * settlementPrice < 2^97), so LessThan(100)
 * compares it with 0 as a signed value.
 * @param P - slots
 * @input enabled - {Bool}
 * @input collateral - {Int99} - after the op's cash (and penalty)
 * @input marketIds[P] - {Uint8} - slots after the liquidation
 * @output deficit - {Uint98} - what the fund pays (0 unless enabled)
 * @output newCollateral - {Int99}
 */
template DeficitCover(P) {
    signal input enabled;
    signal input collateral;
    signal input marketIds[P];
    signal output deficit;
    signal output newCollateral;

    component empty[P];
    var held = 0;
    for (var j = 0; j < P; j++) {
        empty[j] = IsZero();
        empty[j].in <== marketIds[j];
        held += 1 - empty[j].out;
    }
    component noPosition = IsZero();
    noPosition.in <== held;
    component negative = LessThan(100);
    negative.in[0] <== collateral;
    negative.in[1] <== 0;
    signal covered <== enabled * noPosition.out;
    signal shortfall <== covered * negative.out;
    deficit <== -shortfall * collateral;
    newCollateral <== collateral + deficit;
}
