pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";
include "range.circom";

/**
 * Writes the new size of the selected slot: a slot that returns to 0 is cleared to
 * (0, 0, 0), a slot that opens takes the market's funding index as its snapshot.
 * @param P - position slots
 * @input selected[P] - {Bool} - one-hot from PositionSlotSelect
 * @input marketId - {Uint8} - the op's market
 * @input sizeAfter - {Field} - new size, range-checked here to |size| < 2^48
 * @input fundingIndex - {Field} - the market's funding index
 * @input marketBefore, snapshotBefore - from PositionSlotSelect
 * @input marketIds[P], sizes[P], fundingSnapshots[P] - the account's slots
 * @output newMarketIds[P], newSizes[P], newFundingSnapshots[P]
 */
template PositionSlotWrite(P) {
    signal input selected[P];
    signal input marketId;
    signal input sizeAfter;
    signal input fundingIndex;
    signal input marketBefore;
    signal input snapshotBefore;
    signal input marketIds[P];
    signal input sizes[P];
    signal input fundingSnapshots[P];
    signal output newMarketIds[P];
    signal output newSizes[P];
    signal output newFundingSnapshots[P];

    // |size| < 2^48 in the state, so sums of sizes never wrap (protocol.md section 2).
    component sizeRange = SignedRange(49);
    sizeRange.in <== sizeAfter;

    component closes = IsZero();
    closes.in <== sizeAfter;
    component opens = IsZero();
    opens.in <== marketBefore;
    signal slotMarket <== (1 - closes.out) * marketId;
    signal keptSnapshot <== snapshotBefore + opens.out * (fundingIndex - snapshotBefore);
    signal slotSnapshot <== (1 - closes.out) * keptSnapshot;

    signal marketChange[P];
    signal sizeChange[P];
    signal snapshotChange[P];
    for (var j = 0; j < P; j++) {
        marketChange[j] <== selected[j] * (slotMarket - marketIds[j]);
        sizeChange[j] <== selected[j] * (sizeAfter - sizes[j]);
        snapshotChange[j] <== selected[j] * (slotSnapshot - fundingSnapshots[j]);
        newMarketIds[j] <== marketIds[j] + marketChange[j];
        newSizes[j] <== sizes[j] + sizeChange[j];
        newFundingSnapshots[j] <== fundingSnapshots[j] + snapshotChange[j];
    }
}
