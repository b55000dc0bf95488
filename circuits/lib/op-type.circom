pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";

/**
 * One-hot of an op type (protocol.md section 5): NOOP 0, DEPOSIT 1, TRADE 2,
 * WITHDRAW 3, LIQUIDATE 4, SETTLE 5, DELEVERAGE 6, FORCED_WITHDRAW 7. Any other value
 * is unprovable.
 * @input opType - {Uint3}
 * @output is[8] - {Bool} - exactly one is 1
 */
template OpType() {
    signal input opType;
    signal output is[8];

    component eq[8];
    var sum = 0;
    for (var t = 0; t < 8; t++) {
        eq[t] = IsEqual();
        eq[t].in[0] <== opType;
        eq[t].in[1] <== t;
        is[t] <== eq[t].out;
        sum += is[t];
    }
    sum === 1;
}
