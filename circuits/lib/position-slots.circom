pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";
include "range.circom";

/**
 * Moves the position of one market by a signed delta, in the canonical slot of
 * protocol.md section 3: the slot that holds the market, else the lowest empty slot.
 * The prover names the slot; the circuit checks that it is the canonical one, so the
 * new leaf is determined by the op data alone. A slot whose size returns to 0 is
 * cleared to (0, 0, 0); a slot that opens takes the market's funding index.
 * @param P - position slots
 * @input enabled - {Bool} - 0 turns the slot checks off (the outputs are then unused)
 * @input marketId - {Uint8} - traded market, 1..M (checked by the caller)
 * @input slot - {Uint} - slot the prover names, 0..P-1
 * @input delta - {Int33} - signed change of size in lots
 * @input fundingIndex - {Field} - the market's funding index
 * @input oldMarketId[P], oldSize[P], oldFundingSnapshot[P] - the account's slots
 * @output newMarketId[P], newSize[P], newFundingSnapshot[P] - slots after
 * @output sizeBefore - {Int49} - size in the traded market before
 * @output sizeAfter - {Int49} - size in the traded market after, range-checked here
 */
template PositionSlotUpdate(P) {
    signal input enabled;
    signal input marketId;
    signal input slot;
    signal input delta;
    signal input fundingIndex;
    signal input oldMarketId[P];
    signal input oldSize[P];
    signal input oldFundingSnapshot[P];
    signal output newMarketId[P];
    signal output newSize[P];
    signal output newFundingSnapshot[P];
    signal output sizeBefore;
    signal output sizeAfter;

    component holdsMarket[P];
    component isEmptySlot[P];
    component isSelected[P];
    signal noEmptyBefore[P + 1];
    signal firstEmpty[P];
    signal canonical[P];
    signal pickedSize[P];
    signal pickedSnapshot[P];
    signal pickedMarket[P];
    noEmptyBefore[0] <== 1;
    var holdCount = 0;
    var selectedCount = 0;
    var sizeSum = 0;
    var snapshotSum = 0;
    var marketSum = 0;
    for (var j = 0; j < P; j++) {
        holdsMarket[j] = IsEqual();
        holdsMarket[j].in[0] <== oldMarketId[j];
        holdsMarket[j].in[1] <== marketId;
        holdCount += holdsMarket[j].out;

        isEmptySlot[j] = IsZero();
        isEmptySlot[j].in <== oldMarketId[j];
        firstEmpty[j] <== isEmptySlot[j].out * noEmptyBefore[j];
        noEmptyBefore[j + 1] <== noEmptyBefore[j] - firstEmpty[j];

        isSelected[j] = IsEqual();
        isSelected[j].in[0] <== slot;
        isSelected[j].in[1] <== j;
        selectedCount += isSelected[j].out;

        pickedSize[j] <== isSelected[j].out * oldSize[j];
        pickedSnapshot[j] <== isSelected[j].out * oldFundingSnapshot[j];
        pickedMarket[j] <== isSelected[j].out * oldMarketId[j];
        sizeSum += pickedSize[j];
        snapshotSum += pickedSnapshot[j];
        marketSum += pickedMarket[j];
    }
    selectedCount === 1;

    // canonical[j] = holds the market, or (no slot holds it and j is the first
    // empty). Two slots holding one market, or no room, leave no valid choice.
    signal noSlotHolds <== 1 - holdCount;
    for (var j = 0; j < P; j++) {
        canonical[j] <== holdsMarket[j].out + noSlotHolds * firstEmpty[j];
        (isSelected[j].out - canonical[j]) * enabled === 0;
    }

    sizeBefore <== sizeSum;
    sizeAfter <== sizeBefore + delta;
    // |size| < 2^48 in the state, so sums of sizes never wrap (protocol.md section 2).
    component sizeRange = SignedRange(49);
    sizeRange.in <== sizeAfter;

    component closes = IsZero();
    closes.in <== sizeAfter;
    component opens = IsZero();
    opens.in <== marketSum;
    signal slotMarket <== (1 - closes.out) * marketId;
    signal keptSnapshot <== snapshotSum + opens.out * (fundingIndex - snapshotSum);
    signal slotSnapshot <== (1 - closes.out) * keptSnapshot;

    signal marketChange[P];
    signal sizeChange[P];
    signal snapshotChange[P];
    for (var j = 0; j < P; j++) {
        marketChange[j] <== isSelected[j].out * (slotMarket - oldMarketId[j]);
        sizeChange[j] <== isSelected[j].out * (sizeAfter - oldSize[j]);
        snapshotChange[j] <== isSelected[j].out * (slotSnapshot - oldFundingSnapshot[j]);
        newMarketId[j] <== oldMarketId[j] + marketChange[j];
        newSize[j] <== oldSize[j] + sizeChange[j];
        newFundingSnapshot[j] <== oldFundingSnapshot[j] + snapshotChange[j];
    }
}
