pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";

/**
 * equity >= initial margin = max(0, max_s loss[s])  <=>  equity >= 0 and, for every s,
 * equity + gain[s] >= 0 (protocol.md section 6).
 * Range argument: |equity| < 2^102 and |gain[s]| < 2^118 (ScenarioExposure), so every
 * compared value is below 2^119 in magnitude, as LessThan(121) needs of signed inputs.
 * @param S - scenarios
 * @input equity - {Int102}
 * @input gain[S] - {Int118}
 * @output ok - {Bool} - 1 iff equity meets initial margin
 */
template InitialMarginCheck(S) {
    signal input equity;
    signal input gain[S];
    signal output ok;

    component lossAboveEquity[S];
    var violations = 0;
    for (var s = 0; s < S; s++) {
        lossAboveEquity[s] = LessThan(121);
        lossAboveEquity[s].in[0] <== equity + gain[s];
        lossAboveEquity[s].in[1] <== 0;
        violations += lossAboveEquity[s].out;
    }
    component equityNegative = LessThan(121);
    equityNegative.in[0] <== equity;
    equityNegative.in[1] <== 0;
    violations += equityNegative.out;

    component noViolation = IsZero();
    noViolation.in <== violations;
    ok <== noViolation.out;
}
