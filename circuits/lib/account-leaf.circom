pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";

/**
 * Account leaf of protocol.md section 3:
 *   pairHash_k = Poseidon(marketId_2k, size_2k, fundingSnapshot_2k,
 *                         marketId_2k+1, size_2k+1, fundingSnapshot_2k+1)    k < ceil(P/2)
 *   leaf       = Poseidon(ax, ay, nonce, collateral, pairHash_0, ...), or 0 if ax = 0
 * A slot past the last (odd P) hashes as the empty slot (0, 0, 0). Two slots per
 * Poseidon(6) cost a third of a Poseidon(3) per slot and a Poseidon(P) over their hashes
 * (decisions.md, "Account leaves in pairs of slots"); 6 inputs is the most the exit
 * verifier's on-chain Poseidon contracts take.
 * An empty account (ax = 0) must have every other field 0; this is enforced here so
 * that no value can hide behind a zero leaf.
 * @param P - position slots, 1..24 (the leaf hash takes 4 + ceil(P/2) <= 16 inputs)
 * @input ax, ay - {Field} - EdDSA-Poseidon public key, (0, 0) for an empty account
 * @input nonce - {Uint32} - signed operations so far (range-checked where it changes)
 * @input collateral - {Int64} - signed collateral (range-checked where it changes)
 * @input marketId[P] - {Uint8} - 0 for an empty slot
 * @input size[P] - {Int49} - signed position size in lots
 * @input fundingSnapshot[P] - {Field} - funding index when funding was last applied
 * @output leaf - {Field}
 */
template AccountLeaf(P) {
    var PAIRS = (P + 1) \ 2;
    assert(4 + PAIRS <= 16);
    signal input ax;
    signal input ay;
    signal input nonce;
    signal input collateral;
    signal input marketId[P];
    signal input size[P];
    signal input fundingSnapshot[P];
    signal output leaf;

    component pairHash[PAIRS];
    component accountHash = Poseidon(4 + PAIRS);
    accountHash.inputs[0] <== ax;
    accountHash.inputs[1] <== ay;
    accountHash.inputs[2] <== nonce;
    accountHash.inputs[3] <== collateral;
    for (var k = 0; k < PAIRS; k++) {
        pairHash[k] = Poseidon(6);
        for (var half = 0; half < 2; half++) {
            var slot = 2 * k + half;
            if (slot < P) {
                pairHash[k].inputs[3 * half] <== marketId[slot];
                pairHash[k].inputs[3 * half + 1] <== size[slot];
                pairHash[k].inputs[3 * half + 2] <== fundingSnapshot[slot];
            } else {
                pairHash[k].inputs[3 * half] <== 0;
                pairHash[k].inputs[3 * half + 1] <== 0;
                pairHash[k].inputs[3 * half + 2] <== 0;
            }
        }
        accountHash.inputs[4 + k] <== pairHash[k].out;
    }

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
