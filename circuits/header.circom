pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/eddsaposeidon.circom";
include "circomlib/circuits/comparators.circom";
include "lib/range.circom";
include "lib/bits.circom";

/**
 * Batch header (protocol.md sections 3, 4, 5): opens the old global state, checks the
 * oracle quorum's signatures on (timestamp, mark prices, risk arrays), moves the mark
 * prices, and range-checks the risk arrays once for every op of the batch.
 * @param M - markets, S - scenarios, K - oracle keys, Q - quorum
 * @input oldOracleTimestamp - {Uint32} - from the old global state
 * @input timestamp - {Uint32} - new oracle timestamp, strictly greater
 * @input marketKind[M], marketLotSize[M], marketExpiry[M], marketStrike[M],
 *        fundingIndex[M], settlementPrice[M], settled[M] - {Field} - market fields kept as they are
 * @input oldMarkPrice[M] - {Uint48} - mark prices in the old state
 * @input markPrice[M] - {Uint48} - new mark prices, > 0
 * @input mmBps - {Uint14} - maintenance ratio, <= 10000
 * @input pnl[M][S] - {Int63} - risk arrays, |pnl| < 2^62
 * @input oracleAx[K], oracleAy[K] - {Field} - oracle keys committed in the state
 * @input oracleKeyIndex[Q] - {Uint4} - signing keys, strictly increasing
 * @input oracleSigR8x[Q], oracleSigR8y[Q], oracleSigS[Q] - {Field} - signatures
 * @output oldMarketsHash, newMarketsHash, riskHash, oracleKeysHash - {Field}
 * @output headerBits[8*(4+6M)] - {Bool} - header bytes, MSB first
 */
template Header(M, S, K, Q) {
    assert(Q <= K);
    assert(K <= 16);
    signal input oldOracleTimestamp;
    signal input timestamp;
    signal input marketKind[M];
    signal input marketLotSize[M];
    signal input marketExpiry[M];
    signal input marketStrike[M];
    signal input fundingIndex[M];
    signal input settlementPrice[M];
    signal input settled[M];
    signal input oldMarkPrice[M];
    signal input markPrice[M];
    signal input mmBps;
    signal input pnl[M][S];
    signal input oracleAx[K];
    signal input oracleAy[K];
    signal input oracleKeyIndex[Q];
    signal input oracleSigR8x[Q];
    signal input oracleSigR8y[Q];
    signal input oracleSigS[Q];
    signal output oldMarketsHash;
    signal output newMarketsHash;
    signal output riskHash;
    signal output oracleKeysHash;
    signal output headerBits[8 * (4 + 6 * M)];

    // Timestamp strictly increases (the old one is in range by induction).
    component timestampBytes = BytesBE(4);
    timestampBytes.in <== timestamp;
    component advances = LessThan(32);
    advances.in[0] <== oldOracleTimestamp;
    advances.in[1] <== timestamp;
    advances.out === 1;

    // Mark prices in (0, 2^48), committed per market before and after.
    component priceBytes[M];
    component priceZero[M];
    component oldLeaf[M];
    component newLeaf[M];
    component oldMarkets = Poseidon(M);
    component newMarkets = Poseidon(M);
    component pricesHash = Poseidon(M);
    for (var m = 0; m < M; m++) {
        priceBytes[m] = BytesBE(6);
        priceBytes[m].in <== markPrice[m];
        priceZero[m] = IsZero();
        priceZero[m].in <== markPrice[m];
        priceZero[m].out === 0;
        pricesHash.inputs[m] <== markPrice[m];

        oldLeaf[m] = Poseidon(8);
        newLeaf[m] = Poseidon(8);
        oldLeaf[m].inputs[0] <== marketKind[m];
        newLeaf[m].inputs[0] <== marketKind[m];
        oldLeaf[m].inputs[1] <== marketLotSize[m];
        newLeaf[m].inputs[1] <== marketLotSize[m];
        oldLeaf[m].inputs[2] <== marketExpiry[m];
        newLeaf[m].inputs[2] <== marketExpiry[m];
        oldLeaf[m].inputs[3] <== marketStrike[m];
        newLeaf[m].inputs[3] <== marketStrike[m];
        oldLeaf[m].inputs[4] <== oldMarkPrice[m];
        newLeaf[m].inputs[4] <== markPrice[m];
        oldLeaf[m].inputs[5] <== fundingIndex[m];
        newLeaf[m].inputs[5] <== fundingIndex[m];
        oldLeaf[m].inputs[6] <== settlementPrice[m];
        newLeaf[m].inputs[6] <== settlementPrice[m];
        oldLeaf[m].inputs[7] <== settled[m];
        newLeaf[m].inputs[7] <== settled[m];
        oldMarkets.inputs[m] <== oldLeaf[m].out;
        newMarkets.inputs[m] <== newLeaf[m].out;
    }
    oldMarketsHash <== oldMarkets.out;
    newMarketsHash <== newMarkets.out;

    // Risk arrays: range-checked here, once, so that every margin sum in the ops is
    // bounded (see ScenarioMargin's range argument).
    component mmRange = UnsignedRange(14);
    mmRange.in <== mmBps;
    component mmCap = LessEqThan(14);
    mmCap.in[0] <== mmBps;
    mmCap.in[1] <== 10000;
    mmCap.out === 1;
    component pnlRange[M][S];
    component riskRow[M];
    component risk = Poseidon(M + 1);
    risk.inputs[0] <== mmBps;
    for (var m = 0; m < M; m++) {
        riskRow[m] = Poseidon(S);
        for (var s = 0; s < S; s++) {
            pnlRange[m][s] = SignedRange(63);
            pnlRange[m][s].in <== pnl[m][s];
            riskRow[m].inputs[s] <== pnl[m][s];
        }
        risk.inputs[m + 1] <== riskRow[m].out;
    }
    riskHash <== risk.out;

    component keyHash[K];
    component keys = Poseidon(K);
    for (var k = 0; k < K; k++) {
        keyHash[k] = Poseidon(2);
        keyHash[k].inputs[0] <== oracleAx[k];
        keyHash[k].inputs[1] <== oracleAy[k];
        keys.inputs[k] <== keyHash[k].out;
    }
    oracleKeysHash <== keys.out;

    // Quorum: Q signatures by distinct committed keys on the oracle message.
    component message = Poseidon(4);
    message.inputs[0] <== 2;
    message.inputs[1] <== timestamp;
    message.inputs[2] <== pricesHash.out;
    message.inputs[3] <== riskHash;

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
            isKey[i][k].in[0] <== oracleKeyIndex[i];
            isKey[i][k].in[1] <== k;
            chosen += isKey[i][k].out;
            keyAx[i][k] <== isKey[i][k].out * oracleAx[k];
            keyAy[i][k] <== isKey[i][k].out * oracleAy[k];
            ax += keyAx[i][k];
            ay += keyAy[i][k];
        }
        // Exactly one committed key, so oracleKeyIndex[i] < K <= 16.
        chosen === 1;
        signature[i] = EdDSAPoseidonVerifier();
        signature[i].enabled <== 1;
        signature[i].Ax <== ax;
        signature[i].Ay <== ay;
        signature[i].S <== oracleSigS[i];
        signature[i].R8x <== oracleSigR8x[i];
        signature[i].R8y <== oracleSigR8y[i];
        signature[i].M <== message.out;
        if (i > 0) {
            increasing[i] = LessThan(5);
            increasing[i].in[0] <== oracleKeyIndex[i - 1];
            increasing[i].in[1] <== oracleKeyIndex[i];
            increasing[i].out === 1;
        }
    }

    for (var i = 0; i < 32; i++) {
        headerBits[i] <== timestampBytes.bits[i];
    }
    for (var m = 0; m < M; m++) {
        for (var i = 0; i < 48; i++) {
            headerBits[32 + 48 * m + i] <== priceBytes[m].bits[i];
        }
    }
}
