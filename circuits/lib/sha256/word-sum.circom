pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";

/**
 * The low 32 bits of a sum of 32-bit words: one decomposition for the whole sum,
 * where circomlib's sha256 decomposes after every addition (decisions.md, "sha256 with
 * one decomposition per sum").
 * Range argument: the caller passes a sum of at most 2^carryBits words, each below 2^32,
 * so in < 2^(32+carryBits) <= 2^35, far below r: Num2Bits' decomposition is unique and
 * its low 32 bits are the sum mod 2^32.
 * @param carryBits - bits above the word: ceil(log2(number of words summed)), 1..3
 * @input in - {Uint(32+carryBits)} - the sum, a linear combination of word bits
 * @output out[32] - {Bool} - in mod 2^32, least significant bit first
 */
template WordSum(carryBits) {
    assert(carryBits >= 1 && carryBits <= 3);
    signal input in;
    signal output out[32];

    component toBits = Num2Bits(32 + carryBits);
    toBits.in <== in;
    for (var k = 0; k < 32; k++) out[k] <== toBits.out[k];
    // The carries are the part of the sum that mod 2^32 drops.
    for (var k = 32; k < 32 + carryBits; k++) _ <== toBits.out[k];
}
