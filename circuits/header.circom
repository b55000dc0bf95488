pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";
include "lib/range.circom";
include "lib/bits.circom";
include "lib/market-update.circom";
include "lib/oracle-quorum.circom";
include "lib/markets-hash.circom";
include "lib/generated/layout.circom";

/**
 * Batch header (protocol.md sections 3–5): opens the old global state, checks the
 * oracle quorum's signatures on (timestamp, prices, funding rates, new riskHash),
 * moves every market (prices, funding indices, expiry settlement), and range-checks
 * the risk parameters once for every op of the batch.
 *
 * Risk arrays may change with a header (decisions.md, "Risk arrays: fixed scalars,
 * arrays signed per header"): `pnl` are the arrays in force from this batch on, for
 * its ops too; `oldRiskRow` are the row hashes of the arrays before, which only open
 * the old globalHash (their values are not needed: the old arrays price nothing here).
 * mmBps, penaltyBps and maxFundingRate are the same in both hashes: a header cannot
 * change them. The new riskHash goes into the header bytes (and so the public input),
 * canonical through Num2Bits_strict, so that the contract and anyone rebuilding the
 * state can check published arrays against it.
 * @param M - markets, S - scenarios, K - oracle keys, Q - quorum
 * @input oldOracleTimestamp - {Uint32} - from the old global state
 * @input timestamp - {Uint32} - new oracle timestamp, strictly greater
 * @input marketKind[M], marketLotSize[M], marketExpiry[M], marketStrike[M] - market constants
 * @input oldMarkPrice[M], oldFundingIndex[M], oldSettlementPrice[M], oldSettled[M] - markets before
 * @input price[M] - {Uint48} - the header's prices
 * @input fundingRate[M] - {Int24} - the header's funding rates
 * @input mmBps, penaltyBps - {Uint14} - <= 10000
 * @input maxFundingRate - {Uint23}
 * @input pnl[M][S] - {Int63} - risk arrays in force from this header on, |pnl| < 2^62
 * @input oldRiskRow[M] - {Field} - riskRowHash_m of the arrays before the header
 * @input oracleAx[K], oracleAy[K] - {Field} - oracle keys committed in the state
 * @input oracleKeyIndex[Q], oracleSigR8x[Q], oracleSigR8y[Q], oracleSigS[Q] - quorum signatures
 * @output markPrice[M], fundingIndex[M], settlementPrice[M], settled[M] - markets after
 * @output effectivePnl[M][S] - {Int63} - risk arrays with settled markets at 0
 * @output oldMarketsHash, newMarketsHash, oracleKeysHash - {Field}
 * @output oldRiskHash - {Field} - riskHash before the header (opens the old globalHash)
 * @output riskHash - {Field} - riskHash of `pnl` (the new globalHash; signed by the oracle)
 * @output headerBits[8 * LAYOUT_HEADER_BYTES(M)] - {Bool} - header bytes, MSB first: timestamp,
 *         M × (price, rate), riskHash as 32 bytes
 */
template Header(M, S, K, Q) {
    signal input oldOracleTimestamp;
    signal input timestamp;
    signal input marketKind[M];
    signal input marketLotSize[M];
    signal input marketExpiry[M];
    signal input marketStrike[M];
    signal input oldMarkPrice[M];
    signal input oldFundingIndex[M];
    signal input oldSettlementPrice[M];
    signal input oldSettled[M];
    signal input price[M];
    signal input fundingRate[M];
    signal input mmBps;
    signal input penaltyBps;
    signal input maxFundingRate;
    signal input pnl[M][S];
    signal input oldRiskRow[M];
    signal input oracleAx[K];
    signal input oracleAy[K];
    signal input oracleKeyIndex[Q];
    signal input oracleSigR8x[Q];
    signal input oracleSigR8y[Q];
    signal input oracleSigS[Q];
    signal output markPrice[M];
    signal output fundingIndex[M];
    signal output settlementPrice[M];
    signal output settled[M];
    signal output effectivePnl[M][S];
    signal output oldMarketsHash;
    signal output newMarketsHash;
    signal output oldRiskHash;
    signal output riskHash;
    signal output oracleKeysHash;
    var TIMESTAMP_BITS = 8 * LAYOUT_TIMESTAMP_BYTES();
    var MARKET_BITS = 8 * LAYOUT_HEADER_MARKET_BYTES();
    signal output headerBits[8 * LAYOUT_HEADER_BYTES(M)];

    // Timestamp strictly increases (the old one is in range by induction).
    component timestampBytes = BytesBE(LAYOUT_TIMESTAMP_BYTES());
    timestampBytes.in <== timestamp;
    component advances = LessThan(32);
    advances.in[0] <== oldOracleTimestamp;
    advances.in[1] <== timestamp;
    advances.out === 1;
    signal dt <== timestamp - oldOracleTimestamp;

    // Risk parameters: range-checked here, once, so that every margin sum in the ops
    // is bounded (see ScenarioExposure's range argument).
    component mmRange = UnsignedRange(14);
    mmRange.in <== mmBps;
    component mmCap = LessEqThan(14);
    mmCap.in[0] <== mmBps;
    mmCap.in[1] <== 10000;
    mmCap.out === 1;
    component penaltyRange = UnsignedRange(14);
    penaltyRange.in <== penaltyBps;
    component penaltyCap = LessEqThan(14);
    penaltyCap.in[0] <== penaltyBps;
    penaltyCap.in[1] <== 10000;
    penaltyCap.out === 1;
    component maxRateRange = UnsignedRange(23);
    maxRateRange.in <== maxFundingRate;

    component market[M];
    component terms[M];
    component oldLeaf[M];
    component newLeaf[M];
    component oldMarkets = MarketsHash(M);
    component newMarkets = MarketsHash(M);
    component pricesHash = Poseidon(M);
    component ratesHash = Poseidon(M);
    component pnlRange[M][S];
    component riskRow[M];
    component risk = Poseidon(M + 3);
    risk.inputs[0] <== mmBps;
    risk.inputs[1] <== penaltyBps;
    risk.inputs[2] <== maxFundingRate;
    component oldRisk = Poseidon(M + 3);
    oldRisk.inputs[0] <== mmBps;
    oldRisk.inputs[1] <== penaltyBps;
    oldRisk.inputs[2] <== maxFundingRate;
    for (var i = 0; i < TIMESTAMP_BITS; i++) {
        headerBits[i] <== timestampBytes.bits[i];
    }
    for (var m = 0; m < M; m++) {
        market[m] = MarketUpdate();
        market[m].timestamp <== timestamp;
        market[m].dt <== dt;
        market[m].kind <== marketKind[m];
        market[m].expiry <== marketExpiry[m];
        market[m].strike <== marketStrike[m];
        market[m].oldMarkPrice <== oldMarkPrice[m];
        market[m].oldFundingIndex <== oldFundingIndex[m];
        market[m].oldSettlementPrice <== oldSettlementPrice[m];
        market[m].oldSettled <== oldSettled[m];
        market[m].price <== price[m];
        market[m].rate <== fundingRate[m];
        market[m].maxFundingRate <== maxFundingRate;
        markPrice[m] <== market[m].markPrice;
        fundingIndex[m] <== market[m].fundingIndex;
        settlementPrice[m] <== market[m].settlementPrice;
        settled[m] <== market[m].settled;
        for (var i = 0; i < MARKET_BITS; i++) {
            headerBits[TIMESTAMP_BITS + MARKET_BITS * m + i] <== market[m].bits[i];
        }
        pricesHash.inputs[m] <== price[m];
        ratesHash.inputs[m] <== fundingRate[m];

        // marketLeaf = Poseidon(Poseidon(kind, lotSize, expiry, strike), markPrice,
        //                      fundingIndex, settlementPrice, settled)
        terms[m] = Poseidon(4);
        terms[m].inputs[0] <== marketKind[m];
        terms[m].inputs[1] <== marketLotSize[m];
        terms[m].inputs[2] <== marketExpiry[m];
        terms[m].inputs[3] <== marketStrike[m];
        oldLeaf[m] = Poseidon(5);
        oldLeaf[m].inputs[0] <== terms[m].out;
        oldLeaf[m].inputs[1] <== oldMarkPrice[m];
        oldLeaf[m].inputs[2] <== oldFundingIndex[m];
        oldLeaf[m].inputs[3] <== oldSettlementPrice[m];
        oldLeaf[m].inputs[4] <== oldSettled[m];
        newLeaf[m] = Poseidon(5);
        newLeaf[m].inputs[0] <== terms[m].out;
        newLeaf[m].inputs[1] <== markPrice[m];
        newLeaf[m].inputs[2] <== fundingIndex[m];
        newLeaf[m].inputs[3] <== settlementPrice[m];
        newLeaf[m].inputs[4] <== settled[m];
        oldMarkets.leaves[m] <== oldLeaf[m].out;
        newMarkets.leaves[m] <== newLeaf[m].out;

        riskRow[m] = Poseidon(S);
        for (var s = 0; s < S; s++) {
            pnlRange[m][s] = SignedRange(63);
            pnlRange[m][s].in <== pnl[m][s];
            riskRow[m].inputs[s] <== pnl[m][s];
            effectivePnl[m][s] <== (1 - settled[m]) * pnl[m][s];
        }
        risk.inputs[m + 3] <== riskRow[m].out;
        oldRisk.inputs[m + 3] <== oldRiskRow[m];
    }
    oldMarketsHash <== oldMarkets.out;
    newMarketsHash <== newMarkets.out;
    riskHash <== risk.out;
    oldRiskHash <== oldRisk.out;

    // The new riskHash as the header's last 32 bytes. FieldBE's Num2Bits_strict admits
    // one decomposition only (not riskHash + r), the one the contract hashes.
    component riskBytes = FieldBE();
    riskBytes.in <== riskHash;
    assert(LAYOUT_RISK_HASH_BYTES() == 32); // FieldBE's width
    for (var i = 0; i < 256; i++) {
        headerBits[TIMESTAMP_BITS + MARKET_BITS * M + i] <== riskBytes.bits[i];
    }

    component keyHash[K];
    component keys = Poseidon(K);
    for (var k = 0; k < K; k++) {
        keyHash[k] = Poseidon(2);
        keyHash[k].inputs[0] <== oracleAx[k];
        keyHash[k].inputs[1] <== oracleAy[k];
        keys.inputs[k] <== keyHash[k].out;
    }
    oracleKeysHash <== keys.out;

    component message = Poseidon(5);
    message.inputs[0] <== 2;
    message.inputs[1] <== timestamp;
    message.inputs[2] <== pricesHash.out;
    message.inputs[3] <== ratesHash.out;
    message.inputs[4] <== riskHash;
    component quorum = OracleQuorum(K, Q);
    quorum.message <== message.out;
    quorum.oracleAx <== oracleAx;
    quorum.oracleAy <== oracleAy;
    quorum.keyIndex <== oracleKeyIndex;
    quorum.R8x <== oracleSigR8x;
    quorum.R8y <== oracleSigR8y;
    quorum.S <== oracleSigS;
}
