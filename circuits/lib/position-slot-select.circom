pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";


/**
 * Picks the canonical slot of one market in an account (protocol.md section 3): the
 * slot that holds the market, else the lowest empty slot. The prover names the slot;
 * the circuit checks it, so the new leaf follows from the op data alone.
 * @param P - position slots
 * @input enabled - {Bool} - 0 turns the canonical-slot check off (outputs then unused)
 * @input marketId - {Uint8} - the op's market (checked by the caller)
 * @input slot - {Uint} - slot the prover names, 0..P-1
 * @input marketIds[P], sizes[P], fundingSnapshots[P] - the account's slots
 * @output selected[P] - {Bool} - one-hot of the slot
 * @output sizeBefore - {Int49} - the slot's size (0 for an empty slot)
 * @output snapshotBefore - {Field}
 * @output marketBefore - {Uint8} - 0 iff the slot was empty (the op opens it)
 */
template PositionSlotSelect(P) {
    signal input enabled;
    signal input marketId;
    signal input slot;
    signal input marketIds[P];
    signal input sizes[P];
    signal input fundingSnapshots[P];
    signal output selected[P];
    signal output sizeBefore;
    signal output snapshotBefore;
    signal output marketBefore;

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
        holdsMarket[j].in[0] <== marketIds[j];
        holdsMarket[j].in[1] <== marketId;
        holdCount += holdsMarket[j].out;

        isEmptySlot[j] = IsZero();
        isEmptySlot[j].in <== marketIds[j];
        firstEmpty[j] <== isEmptySlot[j].out * noEmptyBefore[j];
        noEmptyBefore[j + 1] <== noEmptyBefore[j] - firstEmpty[j];

        isSelected[j] = IsEqual();
        isSelected[j].in[0] <== slot;
        isSelected[j].in[1] <== j;
        selected[j] <== isSelected[j].out;
        selectedCount += selected[j];

        pickedSize[j] <== selected[j] * sizes[j];
        pickedSnapshot[j] <== selected[j] * fundingSnapshots[j];
        pickedMarket[j] <== selected[j] * marketIds[j];
        sizeSum += pickedSize[j];
        snapshotSum += pickedSnapshot[j];
        marketSum += pickedMarket[j];
    }
    selectedCount === 1;

    // canonical[j] = holds the market, or (no slot holds it and j is the first empty).
    // Two slots holding one market, or no room, leave no valid choice.
    signal noSlotHolds <== 1 - holdCount;
    for (var j = 0; j < P; j++) {
        canonical[j] <== holdsMarket[j].out + noSlotHolds * firstEmpty[j];
        (selected[j] - canonical[j]) * enabled === 0;
    }
    sizeBefore <== sizeSum;
    snapshotBefore <== snapshotSum;
    marketBefore <== marketSum;
}
