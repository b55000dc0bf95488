pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";

/**
 * Liquidatable (protocol.md section 6): 10000 * equity < mmBps * requirement, exactly,
 * with requirement = max(0, max_s loss[s]); that is equity < 0, or for some s
 * 10000 * equity + mmBps * gain[s] < 0.
 * Range argument: |10000 * equity| < 2^116 and |mmBps * gain[s]| < 2^132 (mmBps <= 10000
 * is checked in the header), so each sum is below 2^133 for LessThan(134).
 * @param S - scenarios
 * @input equity - {Int102}
 * @input gain[S] - {Int118}
 * @input mmBps - {Uint14}
 * @output out - {Bool} - 1 iff below maintenance margin
 */
template Liquidatable(S) {
    signal input equity;
    signal input gain[S];
    signal input mmBps;
    signal output out;

    component belowMaintenance[S];
    signal weighted[S];
    var count = 0;
    for (var s = 0; s < S; s++) {
        weighted[s] <== mmBps * gain[s];
        belowMaintenance[s] = LessThan(134);
        belowMaintenance[s].in[0] <== 10000 * equity + weighted[s];
        belowMaintenance[s].in[1] <== 0;
        count += belowMaintenance[s].out;
    }
    component negative = LessThan(134);
    negative.in[0] <== equity;
    negative.in[1] <== 0;
    count += negative.out;

    component none = IsZero();
    none.in <== count;
    out <== 1 - none.out;
}
