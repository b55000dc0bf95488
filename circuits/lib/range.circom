pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";

/**
 * Unsigned range check: 0 <= in < 2^n.
 * @param n - bit width, n <= 252 so that no field element aliases into range
 * @input in - {Field} - value to check
 */
template UnsignedRange(n) {
    assert(n <= 252);
    signal input in;

    // Num2Bits constrains every bit to be binary and their weighted sum to equal
    // in; with n <= 252 < log2(r) the decomposition is unique.
    component toBits = Num2Bits(n);
    toBits.in <== in;
    // The bits themselves are not needed: the decomposition is the check.
    _ <== toBits.out;
}

/**
 * Signed range check, open on both sides: -2^(n-1) < in < 2^(n-1), with in encoded
 * mod r. The rules (prover/state) and protocol.md section 2 use the same symmetric
 * bounds, so that a range is closed under negation and every magnitude argument in the
 * circuit can rely on |in| < 2^(n-1) (decisions.md, "One set of bounds").
 * @param n - bit width including the sign, n <= 252
 * @input in - {Int(n)} - signed value, negative values as r - |x|
 */
template SignedRange(n) {
    assert(n <= 252);
    signal input in;

    // Shift by 2^(n-1): a value in [-2^(n-1), 2^(n-1)) maps to [0, 2^n). Any other
    // field element maps outside [0, 2^n) because r > 2^(n+1).
    signal shifted <== in + 2 ** (n - 1);
    component toBits = Num2Bits(n);
    toBits.in <== shifted;
    // The bits themselves are not needed: the decomposition is the check.
    _ <== toBits.out;

    // Exclude the closed end -2^(n-1) (shifted = 0): shifted has an inverse. One
    // constraint; the witness is 0 only where no inverse exists and the check fails.
    signal inverse <-- shifted != 0 ? 1 / shifted : 0;
    shifted * inverse === 1;
}
