pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";

/**
 * requirement = max(0, max_s loss[s]) with loss[s] = -gain[s] (protocol.md section 6),
 * as a running maximum.
 * Range argument: |gain[s]| < 2^118 (ScenarioExposure), so LessThan(121) compares
 * the running maximum (in [0, 2^118)) with each loss as signed values.
 * @param S - scenarios
 * @input gain[S] - {Int118}
 * @output out - {Uint118}
 */
template Requirement(S) {
    signal input gain[S];
    signal output out;

    signal running[S + 1];
    component larger[S];
    running[0] <== 0;
    for (var s = 0; s < S; s++) {
        larger[s] = LessThan(121);
        larger[s].in[0] <== running[s];
        larger[s].in[1] <== -gain[s];
        running[s + 1] <== running[s] + larger[s].out * (-gain[s] - running[s]);
    }
    out <== running[S];
}
