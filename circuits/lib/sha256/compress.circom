pragma circom 2.1.9;

include "circomlib/circuits/sha256/sigma.circom";
include "circomlib/circuits/sha256/ch.circom";
include "circomlib/circuits/sha256/maj.circom";
include "constants.circom";
include "word-sum.circom";

/**
 * sha256's compression function (FIPS 180-4, 6.2.2) on one 512-bit block, with the
 * additions of each step summed as field elements and decomposed once (WordSum):
 *   a' = h + Σ1(e) + Ch(e,f,g) + K_t + W_t + Σ0(a) + Maj(a,b,c)   7 words, 35 bits
 *   e' = d + h + Σ1(e) + Ch(e,f,g) + K_t + W_t                     6 words, 35 bits
 * where circomlib's Sha256compression decomposes T1, T2, a' and e' one by one (134
 * constraints a round at --O2, against 70 here). Σ, σ, Ch and Maj are circomlib's, on bits.
 * Words are bit arrays, least significant bit first (circomlib's order for the rotations).
 * @input stateIn[8][32] - {Bool} - H(i-1): the words a..h before this block
 * @input block[16][32] - {Bool} - the message block M(i) as 16 words
 * @output stateOut[8][32] - {Bool} - H(i) = H(i-1) + the words after 64 rounds, mod 2^32
 */
template Sha256Compress() {
    signal input stateIn[8][32];
    signal input block[16][32];
    signal output stateOut[8][32];

    ////////
    // Message schedule: W_t = σ1(W_t-2) + W_t-7 + σ0(W_t-15) + W_t-16 for t >= 16
    ////////
    signal w[64][32];
    for (var t = 0; t < 16; t++) w[t] <== block[t];
    component smallSigma1[48];
    component smallSigma0[48];
    component scheduleSum[48];
    for (var t = 16; t < 64; t++) {
        smallSigma1[t - 16] = SmallSigma(17, 19, 10);
        smallSigma1[t - 16].in <== w[t - 2];
        smallSigma0[t - 16] = SmallSigma(7, 18, 3);
        smallSigma0[t - 16].in <== w[t - 15];
        var sum = 0;
        for (var k = 0; k < 32; k++) {
            sum += (smallSigma1[t - 16].out[k] + w[t - 7][k] + smallSigma0[t - 16].out[k] + w[t - 16][k]) * (1 << k);
        }
        // Four words: below 2^34.
        scheduleSum[t - 16] = WordSum(2);
        scheduleSum[t - 16].in <== sum;
        w[t] <== scheduleSum[t - 16].out;
    }

    ////////
    // Rounds: b, c, d are a of the three rounds before, f, g, h are e of them, so only
    // a and e are new each round. aWord[t + 3] is a after t rounds; aWord[0..2] are the
    // d, c, b of the input (eWord likewise with h, g, f).
    ////////
    signal aWord[68][32];
    signal eWord[68][32];
    for (var j = 0; j < 4; j++) {
        aWord[3 - j] <== stateIn[j];
        eWord[3 - j] <== stateIn[4 + j];
    }
    component bigSigma1[64];
    component choose[64];
    component bigSigma0[64];
    component majority[64];
    component nextA[64];
    component nextE[64];
    for (var t = 0; t < 64; t++) {
        bigSigma1[t] = BigSigma(6, 11, 25);
        bigSigma1[t].in <== eWord[t + 3];
        choose[t] = Ch_t(32);
        choose[t].a <== eWord[t + 3];
        choose[t].b <== eWord[t + 2];
        choose[t].c <== eWord[t + 1];
        bigSigma0[t] = BigSigma(2, 13, 22);
        bigSigma0[t].in <== aWord[t + 3];
        majority[t] = Maj_t(32);
        majority[t].a <== aWord[t + 3];
        majority[t].b <== aWord[t + 2];
        majority[t].c <== aWord[t + 1];

        var t1 = sha256RoundConstant(t);
        var t2 = 0;
        var d = 0;
        for (var k = 0; k < 32; k++) {
            t1 += (eWord[t][k] + bigSigma1[t].out[k] + choose[t].out[k] + w[t][k]) * (1 << k);
            t2 += (bigSigma0[t].out[k] + majority[t].out[k]) * (1 << k);
            d += aWord[t][k] * (1 << k);
        }
        // a' sums seven words, e' six: both below 2^35.
        nextA[t] = WordSum(3);
        nextA[t].in <== t1 + t2;
        aWord[t + 4] <== nextA[t].out;
        nextE[t] = WordSum(3);
        nextE[t].in <== d + t1;
        eWord[t + 4] <== nextE[t].out;
    }

    ////////
    // H(i) = H(i-1) + (a, b, ..., h), word by word
    ////////
    component feedForward[8];
    for (var j = 0; j < 8; j++) {
        var sum = 0;
        for (var k = 0; k < 32; k++) {
            if (j < 4) {
                sum += (stateIn[j][k] + aWord[67 - j][k]) * (1 << k);
            } else {
                sum += (stateIn[j][k] + eWord[71 - j][k]) * (1 << k);
            }
        }
        feedForward[j] = WordSum(1);
        feedForward[j].in <== sum;
        stateOut[j] <== feedForward[j].out;
    }
}
