pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";

/**
 * Scenario (SPAN-like) initial margin of protocol.md section 6:
 *   equity  = collateral + sum_j size_j * markPrice[market_j]
 *   loss[s] = - sum_j size_j * pnl[market_j][s]
 *   meetsInitialMargin = (equity >= 0) and (equity >= loss[s] for every s)
 * which is equity >= max(0, max_s loss[s]), the initial margin.
 *
 * Range argument: callers keep |collateral| < 2^63, |size| < 2^48, 0 < price < 2^48,
 * |pnl| < 2^62 and markets M <= 15 (header and op range checks). A market's net size
 * is below 2^52 (at most 16 slots), so |equity| < 2^101 and |loss[s]| < 2^118: every
 * compared pair differs by less than 2^121, as LessThan(121) requires of its signed
 * (mod r) inputs.
 * @param P - position slots, M - markets, S - scenarios
 * @input collateral - {Int64}
 * @input marketId[P] - {Uint8} - 0 = empty slot (ignored)
 * @input size[P] - {Int49}
 * @input markPrice[M] - {Uint48}
 * @input pnl[M][S] - {Int63} - pnl of one long lot per scenario
 * @output equity - {Int102}
 * @output meetsInitialMargin - {Bool}
 */
template ScenarioMargin(P, M, S) {
    assert(M <= 15);
    assert(P <= 16);
    signal input collateral;
    signal input marketId[P];
    signal input size[P];
    signal input markPrice[M];
    signal input pnl[M][S];
    signal output equity;
    signal output meetsInitialMargin;

    // Net size per market: slots are routed to markets by a one-hot of their id,
    // so the scenario sum costs M*S products instead of P*M*S.
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
    component lossAboveEquity[S];
    var violations = 0;
    for (var s = 0; s < S; s++) {
        var gain = 0;
        for (var m = 0; m < M; m++) {
            scenarioPnl[s][m] <== netSizeAcc[P][m] * pnl[m][s];
            gain += scenarioPnl[s][m];
        }
        // loss[s] = -gain; equity < loss[s]  <=>  equity + gain < 0
        lossAboveEquity[s] = LessThan(121);
        lossAboveEquity[s].in[0] <== equity + gain;
        lossAboveEquity[s].in[1] <== 0;
        violations += lossAboveEquity[s].out;
    }
    component equityNegative = LessThan(121);
    equityNegative.in[0] <== equity;
    equityNegative.in[1] <== 0;
    violations += equityNegative.out;

    component noViolation = IsZero();
    noViolation.in <== violations;
    meetsInitialMargin <== noViolation.out;
}
