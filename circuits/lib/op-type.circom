pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";
include "generated/layout.circom";

/**
 * One-hot of an op type (protocol.md section 5): is[t] for the code t, the codes
 * OP_CODE_* of generated/layout.circom (NOOP 0 … FORCED_WITHDRAW 7). Any other value
 * is unprovable.
 * @input opType - {Uint3}
 * @output is[LAYOUT_OP_TYPE_COUNT()] - {Bool} - exactly one is 1
 */
template OpType() {
    signal input opType;
    var TYPES = LAYOUT_OP_TYPE_COUNT();
    signal output is[TYPES];

    component eq[TYPES];
    var sum = 0;
    for (var t = 0; t < TYPES; t++) {
        eq[t] = IsEqual();
        eq[t].in[0] <== opType;
        eq[t].in[1] <== t;
        is[t] <== eq[t].out;
        sum += is[t];
    }
    sum === 1;
}
