pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "quad-merkle-root.circom";

/**
 * One leaf update: checks the old leaf against oldRoot and gives the root with the
 * new leaf on the same path. A no-op update (newLeaf = oldLeaf) still proves that
 * the path is valid, so every slot opens a real leaf.
 * @param depth - number of 4-ary levels (indices below 4^depth)
 * @input oldRoot - {Field} - root before the update
 * @input index - {Uint(2*depth)} - leaf index, range-checked here
 * @input oldLeaf - {Field} - leaf before
 * @input newLeaf - {Field} - leaf after
 * @input siblings[depth][3] - {Field} - path, leaf level first
 * @output newRoot - {Field} - root after the update
 */
template QuadMerkleUpdate(depth) {
    signal input oldRoot;
    signal input index;
    signal input oldLeaf;
    signal input newLeaf;
    signal input siblings[depth][3];
    signal output newRoot;

    // index < 4^depth: the 2*depth bits are the base-4 digits, least significant first.
    component indexBits = Num2Bits(2 * depth);
    indexBits.in <== index;
    signal digits[depth][2];
    for (var l = 0; l < depth; l++) {
        digits[l][0] <== indexBits.out[2 * l];
        digits[l][1] <== indexBits.out[2 * l + 1];
    }

    component before = QuadMerkleRoot(depth);
    before.leaf <== oldLeaf;
    before.digits <== digits;
    before.siblings <== siblings;
    before.root === oldRoot;

    component after = QuadMerkleRoot(depth);
    after.leaf <== newLeaf;
    after.digits <== digits;
    after.siblings <== siblings;
    newRoot <== after.root;
}
