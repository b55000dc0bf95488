pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";

/**
 * Applies funding to every slot of an account (protocol.md section 5):
 *   collateral -= sum_j size_j * (fundingIndex[market_j] - fundingSnapshot_j)
 *   fundingSnapshot_j = fundingIndex[market_j]
 * An empty slot (market 0) matches no market, so its index is 0 = its snapshot.
 * Range argument: |size| < 2^48 and |index| < 2^95, so each payment is below 2^144 and
 * the caller's 64-bit range check on the resulting collateral catches any overflow.
 * @param P - slots, M - markets
 * @input enabled - {Bool} - 0 leaves the account as it is
 * @input collateral - {Int64}
 * @input marketId[P], size[P], fundingSnapshot[P] - the account's slots
 * @input fundingIndex[M] - {Int96} - market indices after the header
 * @output newCollateral - {Field}
 * @output newFundingSnapshot[P] - {Field}
 */
template ApplyFunding(P, M) {
    signal input enabled;
    signal input collateral;
    signal input marketId[P];
    signal input size[P];
    signal input fundingSnapshot[P];
    signal input fundingIndex[M];
    signal output newCollateral;
    signal output newFundingSnapshot[P];

    component isMarket[P][M];
    signal routed[P][M];
    signal slotIndex[P];
    signal payment[P];
    signal snapshotChange[P];
    var paid = 0;
    for (var j = 0; j < P; j++) {
        var idx = 0;
        for (var m = 0; m < M; m++) {
            isMarket[j][m] = IsEqual();
            isMarket[j][m].in[0] <== marketId[j];
            isMarket[j][m].in[1] <== m + 1;
            routed[j][m] <== isMarket[j][m].out * fundingIndex[m];
            idx += routed[j][m];
        }
        slotIndex[j] <== idx;
        payment[j] <== size[j] * (slotIndex[j] - fundingSnapshot[j]);
        paid += payment[j];
        snapshotChange[j] <== enabled * (slotIndex[j] - fundingSnapshot[j]);
        newFundingSnapshot[j] <== fundingSnapshot[j] + snapshotChange[j];
    }
    signal charged <== enabled * paid;
    newCollateral <== collateral - charged;
}
