pragma circom 2.1.9;

include "constants.circom";
include "compress.circom";

/**
 * sha256 of a message of nBits bits (FIPS 180-4), the interface of circomlib's
 * Sha256(nBits) at about 86% of its constraints (Sha256Compress).
 * Padding (5.1.1): the message, a 1 bit, zeros, and nBits as a 64-bit big-endian length,
 * to a whole number of 512-bit blocks; all of it is fixed by nBits, so it costs nothing.
 * @param nBits - message length in bits, a multiple of 8 in zksettle's use
 * @input in[nBits] - {Bool} - the message, most significant bit of each byte first
 *                             (the caller's bits are already boolean-constrained)
 * @output out[256] - {Bool} - the digest, most significant bit first
 */
template Sha256Hash(nBits) {
    signal input in[nBits];
    signal output out[256];

    var blocks = (nBits + 64) \ 512 + 1;
    signal padded[blocks * 512];
    for (var i = 0; i < nBits; i++) padded[i] <== in[i];
    padded[nBits] <== 1;
    for (var i = nBits + 1; i < blocks * 512 - 64; i++) padded[i] <== 0;
    for (var i = 0; i < 64; i++) padded[blocks * 512 - 1 - i] <== (nBits >> i) & 1;

    component compress[blocks];
    for (var b = 0; b < blocks; b++) {
        compress[b] = Sha256Compress();
        for (var j = 0; j < 8; j++) {
            for (var k = 0; k < 32; k++) {
                if (b == 0) {
                    compress[b].stateIn[j][k] <== (sha256InitialWord(j) >> k) & 1;
                } else {
                    compress[b].stateIn[j][k] <== compress[b - 1].stateOut[j][k];
                }
            }
        }
        // Word j of the block is big-endian: its bit k (LSB first) is message bit 32j + 31 - k.
        for (var j = 0; j < 16; j++) {
            for (var k = 0; k < 32; k++) compress[b].block[j][k] <== padded[b * 512 + 32 * j + 31 - k];
        }
    }
    for (var j = 0; j < 8; j++) {
        for (var k = 0; k < 32; k++) out[32 * j + 31 - k] <== compress[blocks - 1].stateOut[j][k];
    }
}
