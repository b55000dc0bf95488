pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";

/**
 * Big-endian bits of an unsigned integer of nBytes bytes, for hashing with Sha256
 * (whose input is MSB-first per byte, bytes in order).
 * @param nBytes - width in bytes, 8*nBytes <= 252
 * @input in - {Uint(8*nBytes)} - value, range-checked by this decomposition
 * @output bits[8*nBytes] - {Bool} - most significant bit first
 */
template BytesBE(nBytes) {
    assert(8 * nBytes <= 252);
    signal input in;
    signal output bits[8 * nBytes];

    component toBits = Num2Bits(8 * nBytes);
    toBits.in <== in;
    for (var i = 0; i < 8 * nBytes; i++) {
        bits[i] <== toBits.out[8 * nBytes - 1 - i];
    }
}

/**
 * A field element as 32 big-endian bytes (256 bits, the top two always 0).
 * Num2Bits_strict rejects the aliased decomposition x + r, so each element has
 * exactly one encoding, the one the contract hashes.
 * @input in - {Field}
 * @output bits[256] - {Bool} - most significant bit first
 */
template FieldBE() {
    signal input in;
    signal output bits[256];

    component toBits = Num2Bits_strict();
    toBits.in <== in;
    bits[0] <== 0;
    bits[1] <== 0;
    for (var i = 0; i < 254; i++) {
        bits[2 + i] <== toBits.out[253 - i];
    }
}

/**
 * Little-endian bits (from Num2Bits) of an n-bit value, reordered MSB first.
 * @param n - number of bits
 * @input le[n] - {Bool} - little-endian bits, already binary-checked
 * @output be[n] - {Bool} - big-endian bits
 */
template ReverseBits(n) {
    signal input le[n];
    signal output be[n];
    for (var i = 0; i < n; i++) {
        be[i] <== le[n - 1 - i];
    }
}
