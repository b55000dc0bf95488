pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";

/**
 * Liquidatable (protocol.md section 6): 10000 * equity < mmBps * requirement, exactly,
 * on a requirement already computed (Requirement), so that one running maximum serves
 * this verdict, initial margin and FORCED_WITHDRAW (decisions.md, "One margin
 * evaluation per account").
 * Range argument: |10000 * equity| < 2^116 and 0 <= mmBps * requirement < 2^132
 * (mmBps <= 10000 is checked in the header), so the difference is below 2^133 in
 * magnitude, as LessThan(134) needs of signed inputs.
 * @input equity - {Int102}
 * @input requirement - {Uint118} - max(0, max_s loss[s])
 * @input mmBps - {Uint14}
 * @output out - {Bool} - 1 iff below maintenance margin
 */
template Liquidatable() {
    signal input equity;
    signal input requirement;
    signal input mmBps;
    signal output out;

    signal maintenance <== mmBps * requirement;
    component below = LessThan(134);
    below.in[0] <== 10000 * equity;
    below.in[1] <== maintenance;
    out <== below.out;
}
