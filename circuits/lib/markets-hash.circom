pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";

/**
 * marketsHash (protocol.md section 3): market leaves in chunks of 4 (the last one padded
 * with 0), each chunk hashed with Poseidon(4), then Poseidon over the chunk hashes. No
 * Poseidon takes more than 4 inputs, so the escape hatch can recompute it on chain with
 * circomlibjs' generated Poseidon contracts (which stop at 6 inputs).
 * @param M - markets, 1..13
 * @input leaves[M] - {Field}
 * @output out - {Field}
 */
template MarketsHash(M) {
    var C = (M + 3) \ 4;
    signal input leaves[M];
    signal output out;

    component chunk[C];
    component top = Poseidon(C);
    for (var c = 0; c < C; c++) {
        chunk[c] = Poseidon(4);
        for (var i = 0; i < 4; i++) {
            if (4 * c + i < M) {
                chunk[c].inputs[i] <== leaves[4 * c + i];
            } else {
                chunk[c].inputs[i] <== 0;
            }
        }
        top.inputs[c] <== chunk[c].out;
    }
    out <== top.out;
}
