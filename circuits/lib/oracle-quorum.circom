pragma circom 2.1.9;

include "circomlib/circuits/eddsaposeidon.circom";
include "circomlib/circuits/comparators.circom";

/**
 * Q EdDSA-Poseidon signatures on one message by Q distinct keys of the K committed
 * in the global state (protocol.md section 4); key indices strictly increase.
 * @param K - committed keys, Q - quorum
 * @input message - {Field}
 * @input oracleAx[K], oracleAy[K] - {Field} - committed keys
 * @input keyIndex[Q] - {Uint4} - the signing keys, strictly increasing
 * @input R8x[Q], R8y[Q], S[Q] - {Field} - the signatures
 */
template OracleQuorum(K, Q) {
    assert(Q <= K);
    assert(K <= 16);
    signal input message;
    signal input oracleAx[K];
    signal input oracleAy[K];
    signal input keyIndex[Q];
    signal input R8x[Q];
    signal input R8y[Q];
    signal input S[Q];

    component isKey[Q][K];
    signal keyAx[Q][K];
    signal keyAy[Q][K];
    component signature[Q];
    component increasing[Q];
    for (var i = 0; i < Q; i++) {
        var chosen = 0;
        var ax = 0;
        var ay = 0;
        for (var k = 0; k < K; k++) {
            isKey[i][k] = IsEqual();
            isKey[i][k].in[0] <== keyIndex[i];
            isKey[i][k].in[1] <== k;
            chosen += isKey[i][k].out;
            keyAx[i][k] <== isKey[i][k].out * oracleAx[k];
            keyAy[i][k] <== isKey[i][k].out * oracleAy[k];
            ax += keyAx[i][k];
            ay += keyAy[i][k];
        }
        // Exactly one committed key, so keyIndex[i] < K <= 16.
        chosen === 1;
        signature[i] = EdDSAPoseidonVerifier();
        signature[i].enabled <== 1;
        signature[i].Ax <== ax;
        signature[i].Ay <== ay;
        signature[i].S <== S[i];
        signature[i].R8x <== R8x[i];
        signature[i].R8y <== R8y[i];
        signature[i].M <== message;
        if (i > 0) {
            increasing[i] = LessThan(5);
            increasing[i].in[0] <== keyIndex[i - 1];
            increasing[i].in[1] <== keyIndex[i];
            increasing[i].out === 1;
        }
    }
}
