pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";

/**
 * equity >= initial margin, on a requirement already computed (Requirement): the same
 * verdict as InitialMarginCheck, one comparison instead of S + 1 when the requirement
 * is needed anyway (decisions.md, "One margin evaluation per account").
 * Range argument: |equity| < 2^102 and 0 <= requirement < 2^118, so the difference is
 * below 2^119 in magnitude, as LessThan(121) needs of signed inputs.
 * @input equity - {Int102}
 * @input requirement - {Uint118} - max(0, max_s loss[s])
 * @output ok - {Bool} - 1 iff equity meets initial margin
 */
template MeetsRequirement() {
    signal input equity;
    signal input requirement;
    signal output ok;

    component short = LessThan(121);
    short.in[0] <== equity;
    short.in[1] <== requirement;
    ok <== 1 - short.out;
}
