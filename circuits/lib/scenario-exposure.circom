pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";

/**
 * Equity and scenario gains of a portfolio (protocol.md section 6):
 *   equity  = collateral + sum_j size_j * markPrice[market_j]
 *   gain[s] = sum_j size_j * pnl[market_j][s]          (loss[s] = -gain[s])
 * Slots are routed to markets by a one-hot of their id, so the scenario sums cost M*S
 * products instead of P*M*S; an empty slot (market 0) routes nowhere.
 * Range argument: callers keep |collateral| < 2^64 (2^81 for an intermediate value),
 * |size| < 2^48, 0 <= price < 2^48, |pnl| < 2^62, M <= 13 and P <= 16, so a market's
 * net size is below 2^52, |equity| < 2^102 and |gain[s]| < 2^118.
 * @param P - slots, M - markets, S - scenarios
 * @input collateral - {Int82}
 * @input marketId[P], size[P] - the account's slots
 * @input markPrice[M] - {Uint48}
 * @input pnl[M][S] - {Int63} - pnl of one long lot per scenario (0 for settled markets)
 * @output equity - {Int102}
 * @output gain[S] - {Int118}
 */
template ScenarioExposure(P, M, S) {
    assert(M <= 13);
    assert(P <= 16);
    signal input collateral;
    signal input marketId[P];
    signal input size[P];
    signal input markPrice[M];
    signal input pnl[M][S];
    signal output equity;
    signal output gain[S];

    component isMarket[P][M];
    signal routed[P][M];
    signal netSizeAcc[P + 1][M];
    for (var m = 0; m < M; m++) {
        netSizeAcc[0][m] <== 0;
    }
    for (var j = 0; j < P; j++) {
        for (var m = 0; m < M; m++) {
            isMarket[j][m] = IsEqual();
            isMarket[j][m].in[0] <== marketId[j];
            isMarket[j][m].in[1] <== m + 1;
            routed[j][m] <== isMarket[j][m].out * size[j];
            netSizeAcc[j + 1][m] <== netSizeAcc[j][m] + routed[j][m];
        }
    }

    signal positionValue[M];
    var equitySum = collateral;
    for (var m = 0; m < M; m++) {
        positionValue[m] <== netSizeAcc[P][m] * markPrice[m];
        equitySum += positionValue[m];
    }
    equity <== equitySum;

    signal scenarioPnl[S][M];
    for (var s = 0; s < S; s++) {
        var g = 0;
        for (var m = 0; m < M; m++) {
            scenarioPnl[s][m] <== netSizeAcc[P][m] * pnl[m][s];
            g += scenarioPnl[s][m];
        }
        gain[s] <== g;
    }
}
