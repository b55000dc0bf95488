pragma circom 2.1.9;

include "bits.circom";
include "generated/layout.circom";

/**
 * One op slot's bytes (protocol.md section 7), fixed fields for every type:
 *   type‖market | aIndex | bIndex | q | value | feeA | feeB
 * with the widths of generated/layout.circom (from prover/state/layout/spec.ts): the
 * first byte is opType * 2^LAYOUT_MARKET_BITS() + market. The caller zeroes the fields an
 * op does not use. The byte decompositions double as range checks of the fields; the
 * first byte's is one of the type and market only because opType < 8 and
 * market < 2^LAYOUT_MARKET_BITS(), which the caller guarantees (OpType, MarketSelect).
 * @param D - account depth; an index is LAYOUT_IDX_BYTES(D) = ceil(2D / 8) bytes
 * @input opType - {Uint3} - the op type
 * @input market - {Uint5} - marketId | makerIsBuy << LAYOUT_MARKET_ID_BITS(), or 0
 * @input aIndex, bIndex, q, value, feeA, feeB - the other fields
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
    assert(FIELDS == 7);
    var widths[7] = LAYOUT_OP_FIELD_WIDTHS(D);
    component field[7];
    for (var f = 0; f < FIELDS; f++) {
        field[f] = BytesBE(widths[f]);
    }
    field[0].in <== opType * (2 ** LAYOUT_MARKET_BITS()) + market;
    field[1].in <== aIndex;
    field[2].in <== bIndex;
    field[3].in <== q;
    field[4].in <== value;
    field[5].in <== feeA;
    field[6].in <== feeB;
    var o = 0;
    for (var f = 0; f < FIELDS; f++) {
        for (var i = 0; i < 8 * widths[f]; i++) {
            bits[o] <== field[f].bits[i];
            o++;
        }
    }
}
