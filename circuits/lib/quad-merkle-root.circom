pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";
include "quad-selector.circom";

/**
 * Root of a quaternary Poseidon Merkle tree from a leaf and its path.
 * @param depth - number of 4-ary levels
 * @input leaf - {Field} - leaf value
 * @input digits[depth][2] - {Bool} - base-4 digits of the index, leaf level first (binary-checked by the caller)
 * @input siblings[depth][3] - {Field} - the other three children at each level, leaf level first
 * @output root - {Field}
 */
template QuadMerkleRoot(depth) {
    signal input leaf;
    signal input digits[depth][2];
    signal input siblings[depth][3];
    signal output root;

    component place[depth];
    component hash[depth];
    signal level[depth + 1];
    level[0] <== leaf;
    for (var l = 0; l < depth; l++) {
        place[l] = QuadSelector();
        place[l].node <== level[l];
        place[l].siblings <== siblings[l];
        place[l].digit <== digits[l];
        hash[l] = Poseidon(4);
        hash[l].inputs <== place[l].children;
        level[l + 1] <== hash[l].out;
    }
    root <== level[depth];
}
