pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";
include "range.circom";

/**
 * fee = floor(notional * feeBps / 10000): trade fees and liquidation penalties
 * (protocol.md section 5).
 * Range argument: notional = q * price < 2^32 * 2^48 = 2^80 and feeBps <= 10000 < 2^14,
 * so the numerator is below 2^94; with fee < 2^80 (a fee never exceeds the notional)
 * and remainder < 10000 the division is unique and fee * 10000 + remainder never wraps.
 * @input notional - {Uint80} - q * price, range implied by the caller's checks
 * @input feeBps - {Uint14} - at most 10000, range-checked by the caller
 * @output fee - {Uint80}
 */
template FeeAmount() {
    signal input notional;
    signal input feeBps;
    signal output fee;

    signal numerator <== notional * feeBps;
    signal remainder;
    fee <-- numerator \ 10000;
    remainder <-- numerator % 10000;
    numerator === fee * 10000 + remainder;

    component feeRange = UnsignedRange(80);
    feeRange.in <== fee;
    component remainderRange = UnsignedRange(14);
    remainderRange.in <== remainder;
    component remainderBelow = LessThan(14);
    remainderBelow.in[0] <== remainder;
    remainderBelow.in[1] <== 10000;
    remainderBelow.out === 1;
}
