pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";

/**
 * One-hot of a market id over the M markets, and the selected market's data.
 * @param M - markets
 * @input marketId - {Field} - 1..M selects a market; any other value selects none
 * @input markPrice[M], fundingIndex[M], settled[M], settlementPrice[M] - market data
 * @output isMarket[M] - {Bool} - one-hot (all 0 when no market is selected)
 * @output count - {Bool} - 1 iff marketId is in 1..M
 * @output markPrice, fundingIndex, settled, settlementPrice - the selected market's (0 if none)
 */
template MarketSelect(M) {
    signal input marketId;
    signal input markPrice[M];
    signal input fundingIndex[M];
    signal input settled[M];
    signal input settlementPrice[M];
    signal output isMarket[M];
    signal output count;
    signal output selMarkPrice;
    signal output selFundingIndex;
    signal output selSettled;
    signal output selSettlementPrice;

    component eq[M];
    signal price[M];
    signal index[M];
    signal done[M];
    signal value[M];
    var c = 0;
    var p = 0;
    var f = 0;
    var s = 0;
    var v = 0;
    for (var m = 0; m < M; m++) {
        eq[m] = IsEqual();
        eq[m].in[0] <== marketId;
        eq[m].in[1] <== m + 1;
        isMarket[m] <== eq[m].out;
        price[m] <== isMarket[m] * markPrice[m];
        index[m] <== isMarket[m] * fundingIndex[m];
        done[m] <== isMarket[m] * settled[m];
        value[m] <== isMarket[m] * settlementPrice[m];
        c += isMarket[m];
        p += price[m];
        f += index[m];
        s += done[m];
        v += value[m];
    }
    count <== c;
    selMarkPrice <== p;
    selFundingIndex <== f;
    selSettled <== s;
    selSettlementPrice <== v;
}
