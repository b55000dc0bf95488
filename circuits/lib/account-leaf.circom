pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";

/**
 * Account leaf of protocol.md section 3:
 *   slotHash_j    = Poseidon(marketId_j, size_j, fundingSnapshot_j)
 *   positionsHash = Poseidon(slotHash_0 .. slotHash_{P-1})
 *   leaf          = Poseidon(ax, ay, nonce, collateral, positionsHash), or 0 if ax = 0
 * An empty account (ax = 0) must have every other field 0; this is enforced here so
 * that no value can hide behind a zero leaf.
 * @param P - position slots
 * @input ax, ay - {Field} - EdDSA-Poseidon public key, (0, 0) for an empty account
 * @input nonce - {Uint32} - signed operations so far (range-checked where it changes)
 * @input collateral - {Int64} - signed collateral (range-checked where it changes)
 * @input marketId[P] - {Uint8} - 0 for an empty slot
 * @input size[P] - {Int49} - signed position size in lots
 * @input fundingSnapshot[P] - {Field} - funding index when funding was last applied
 * @output leaf - {Field}
 */
template AccountLeaf(P) {
    signal input ax;
    signal input ay;
    signal input nonce;
    signal input collateral;
    signal input marketId[P];
    signal input size[P];
    signal input fundingSnapshot[P];
    signal output leaf;

    component slotHash[P];
    component positionsHash = Poseidon(P);
    for (var j = 0; j < P; j++) {
        slotHash[j] = Poseidon(3);
        slotHash[j].inputs[0] <== marketId[j];
        slotHash[j].inputs[1] <== size[j];
        slotHash[j].inputs[2] <== fundingSnapshot[j];
        positionsHash.inputs[j] <== slotHash[j].out;
    }

    component accountHash = Poseidon(5);
    accountHash.inputs[0] <== ax;
    accountHash.inputs[1] <== ay;
    accountHash.inputs[2] <== nonce;
    accountHash.inputs[3] <== collateral;
    accountHash.inputs[4] <== positionsHash.out;

    component keyIsZero = IsZero();
    keyIsZero.in <== ax;
    signal isEmpty <== keyIsZero.out;

    isEmpty * ay === 0;
    isEmpty * nonce === 0;
    isEmpty * collateral === 0;
    for (var j = 0; j < P; j++) {
        isEmpty * marketId[j] === 0;
        isEmpty * size[j] === 0;
        isEmpty * fundingSnapshot[j] === 0;
    }

    leaf <== (1 - isEmpty) * accountHash.out;
}
