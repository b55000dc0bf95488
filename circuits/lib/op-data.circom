pragma circom 2.1.9;

include "bits.circom";
include "generated/layout.circom";

/**
 * One op slot's bytes (protocol.md section 7), fixed fields for every type:
 *   type | aIndex | bIndex | market | q | value | feeA | feeB
 * with the widths of generated/layout.circom (from prover/state/layout/spec.ts). The
 * caller zeroes the fields an op does not use. The byte decompositions double as range
 * checks of the fields.
 * @param D - account depth; an index is LAYOUT_IDX_BYTES(D) = ceil(2D / 8) bytes
 * @input opType, aIndex, bIndex, market, q, value, feeA, feeB - the fields
 * @output bits[8 * LAYOUT_OP_BYTES(D)] - {Bool} - MSB first
 */
template OpData(D) {
    var OP_BYTES = LAYOUT_OP_BYTES(D);
    var FIELDS = LAYOUT_OP_FIELD_COUNT();
    signal input opType;
    signal input aIndex;
    signal input bIndex;
    signal input market;
    signal input q;
    signal input value;
    signal input feeA;
    signal input feeB;
    signal output bits[8 * OP_BYTES];

    // The inputs below are in slot order; a field more or fewer in spec.ts fails here.
    assert(FIELDS == 8);
    var widths[8] = LAYOUT_OP_FIELD_WIDTHS(D);
    component field[8];
    for (var f = 0; f < FIELDS; f++) {
        field[f] = BytesBE(widths[f]);
    }
    field[0].in <== opType;
    field[1].in <== aIndex;
    field[2].in <== bIndex;
    field[3].in <== market;
    field[4].in <== q;
    field[5].in <== value;
    field[6].in <== feeA;
    field[7].in <== feeB;
    var o = 0;
    for (var f = 0; f < FIELDS; f++) {
        for (var i = 0; i < 8 * widths[f]; i++) {
            bits[o] <== field[f].bits[i];
            o++;
        }
    }
}
