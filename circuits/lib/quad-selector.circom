pragma circom 2.1.9;

/**
 * Places a node among its three siblings at the position given by a base-4 digit,
 * giving the four children of the parent in child order.
 * @input node - {Field} - the hash on the path
 * @input siblings[3] - {Field} - the other three children, own position removed
 * @input digit[2] - {Bool} - the base-4 digit, little-endian bits (binary-checked by the caller's Num2Bits)
 * @output children[4] - {Field} - children of the parent, in order
 */
template QuadSelector() {
    signal input node;
    signal input siblings[3];
    signal input digit[2];
    signal output children[4];

    // One-hot of the digit: isAt[d] = 1 iff digit = d.
    signal bothBits <== digit[0] * digit[1];
    signal isAt[4];
    isAt[0] <== 1 - digit[0] - digit[1] + bothBits;
    isAt[1] <== digit[0] - bothBits;
    isAt[2] <== digit[1] - bothBits;
    isAt[3] <== bothBits;

    // Children left of the node are siblings[i], children right of it siblings[i-1].
    signal left0 <== isAt[0] * (node - siblings[0]);
    children[0] <== siblings[0] + left0;

    signal c1first <== isAt[0] * (siblings[0] - siblings[1]);
    signal c1node <== isAt[1] * (node - siblings[1]);
    children[1] <== siblings[1] + c1first + c1node;

    // isAt[0] + isAt[1] = 1 - digit[1]
    signal c2low <== (1 - digit[1]) * (siblings[1] - siblings[2]);
    signal c2node <== isAt[2] * (node - siblings[2]);
    children[2] <== siblings[2] + c2low + c2node;

    signal right3 <== isAt[3] * (node - siblings[2]);
    children[3] <== siblings[2] + right3;
}
