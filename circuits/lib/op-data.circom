pragma circom 2.1.9;

include "bits.circom";

/**
 * One op slot's bytes (protocol.md section 7), fixed fields for every type:
 *   type (1) | aIndex (IDX) | bIndex (IDX) | market (1) | q (4) | value (6) | feeA (1) | feeB (1)
 * The caller zeroes the fields an op does not use. The byte decompositions double as
 * range checks of the fields.
 * @param D - account depth; IDX = ceil(2D / 8)
 * @input opType, aIndex, bIndex, market, q, value, feeA, feeB - the fields
 * @output bits[8 * (14 + 2 * IDX)] - {Bool} - MSB first
 */
template OpData(D) {
    var IDX = (2 * D + 7) \ 8;
    signal input opType;
    signal input aIndex;
    signal input bIndex;
    signal input market;
    signal input q;
    signal input value;
    signal input feeA;
    signal input feeB;
    signal output bits[8 * (14 + 2 * IDX)];

    var widths[8] = [1, IDX, IDX, 1, 4, 6, 1, 1];
    component field[8];
    for (var f = 0; f < 8; f++) {
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
    for (var f = 0; f < 8; f++) {
        for (var i = 0; i < 8 * widths[f]; i++) {
            bits[o] <== field[f].bits[i];
            o++;
        }
    }
}
