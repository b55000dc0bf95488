pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";
include "range.circom";
include "bits.circom";
include "generated/layout.circom";

/**
 * One market's move in the batch header (protocol.md section 5, Header):
 * - already settled: the header's price must be the stored mark (= settlement value),
 *   rate 0, nothing changes;
 * - expires now (not a perpetual, timestamp >= expiry): the header's price is the
 *   underlying's settlement price S > 0; settlementPrice = markPrice = payoff(kind, S,
 *   strike) (future S, call max(S - K, 0), put max(K - S, 0)); settled = 1;
 * - otherwise: markPrice = price > 0, and a perpetual's funding index moves by
 *   floor(rate * markPrice * dt / 10^12) with |rate| <= maxFundingRate; other kinds
 *   need rate 0.
 * Range argument: |rate| < 2^23, price < 2^48 and dt < 2^32 bound the funding numerator
 * by 2^103, so its floor quotient is below 2^64 and the remainder check is unique.
 * @input timestamp - {Uint32} - header timestamp
 * @input dt - {Uint32} - timestamp minus the old timestamp (> 0, checked by the header)
 * @input kind - {Uint2} - 0 perpetual, 1 future, 2 call, 3 put
 * @input expiry, strike - {Uint32}, {Uint48} - market constants
 * @input oldMarkPrice, oldFundingIndex, oldSettlementPrice, oldSettled - the market before
 * @input price - {Uint48} - the header's price for this market
 * @input rate - {Int24} - the header's funding rate, 10^-12 per second
 * @input maxFundingRate - {Uint23} - bound on |rate| (range-checked by the header)
 * @output markPrice, fundingIndex, settlementPrice, settled - the market after
 * @output bits[8 * LAYOUT_HEADER_MARKET_BYTES()] - {Bool} - header bytes: price uint48,
 *         rate + 2^23 uint24, MSB first
 */
template MarketUpdate() {
    signal input timestamp;
    signal input dt;
    signal input kind;
    signal input expiry;
    signal input strike;
    signal input oldMarkPrice;
    signal input oldFundingIndex;
    signal input oldSettlementPrice;
    signal input oldSettled;
    signal input price;
    signal input rate;
    signal input maxFundingRate;
    signal output markPrice;
    signal output fundingIndex;
    signal output settlementPrice;
    signal output settled;
    var PRICE_BITS = 8 * LAYOUT_PRICE_BYTES();
    var RATE_BITS = 8 * LAYOUT_RATE_BYTES();
    signal output bits[8 * LAYOUT_HEADER_MARKET_BYTES()];

    component isPerpetual = IsZero();
    isPerpetual.in <== kind;
    component isFuture = IsEqual();
    isFuture.in[0] <== kind;
    isFuture.in[1] <== 1;
    component isCall = IsEqual();
    isCall.in[0] <== kind;
    isCall.in[1] <== 2;
    component isPut = IsEqual();
    isPut.in[0] <== kind;
    isPut.in[1] <== 3;
    isPerpetual.out + isFuture.out + isCall.out + isPut.out === 1;
    oldSettled * (1 - oldSettled) === 0;

    // The bytes double as range checks: price < 2^48, |rate| < 2^23.
    assert(PRICE_BITS + RATE_BITS == 8 * LAYOUT_HEADER_MARKET_BYTES());
    component priceBytes = BytesBE(LAYOUT_PRICE_BYTES());
    priceBytes.in <== price;
    component rateBytes = BytesBE(LAYOUT_RATE_BYTES());
    rateBytes.in <== rate + 2 ** (RATE_BITS - 1);
    for (var i = 0; i < PRICE_BITS; i++) { bits[i] <== priceBytes.bits[i]; }
    for (var i = 0; i < RATE_BITS; i++) { bits[PRICE_BITS + i] <== rateBytes.bits[i]; }
    component expiryRange = UnsignedRange(32);
    expiryRange.in <== expiry;
    component strikeRange = UnsignedRange(48);
    strikeRange.in <== strike;

    component pastExpiry = LessEqThan(32);
    pastExpiry.in[0] <== expiry;
    pastExpiry.in[1] <== timestamp;
    signal dated <== (1 - isPerpetual.out) * (1 - oldSettled);
    signal expiresNow <== dated * pastExpiry.out;
    signal live <== (1 - oldSettled) - expiresNow;

    // Settled markets repeat their value; live and expiring ones need a price.
    oldSettled * (price - oldMarkPrice) === 0;
    component priceZero = IsZero();
    priceZero.in <== price;
    (1 - oldSettled) * priceZero.out === 0;

    component inTheMoney = LessThan(49);
    inTheMoney.in[0] <== strike;
    inTheMoney.in[1] <== price;
    signal callPayoff <== inTheMoney.out * (price - strike);
    signal putPayoff <== (1 - inTheMoney.out) * (strike - price);
    signal futureValue <== isFuture.out * price;
    signal callValue <== isCall.out * callPayoff;
    signal putValue <== isPut.out * putPayoff;
    signal payoff <== futureValue + callValue + putValue;

    settled <== oldSettled + expiresNow;
    settlementPrice <== oldSettlementPrice + expiresNow * (payoff - oldSettlementPrice);
    signal keptMark <== oldSettled * oldMarkPrice;
    signal settledMark <== expiresNow * payoff;
    signal liveMark <== live * price;
    markPrice <== keptMark + settledMark + liveMark;

    // Funding: only live perpetuals carry a rate, bounded by maxFundingRate.
    signal fundedMarket <== live * isPerpetual.out;
    (1 - fundedMarket) * rate === 0;
    component belowMax = UnsignedRange(25);
    belowMax.in <== maxFundingRate - rate;
    component aboveMin = UnsignedRange(25);
    aboveMin.in <== maxFundingRate + rate;

    signal ratePrice <== rate * markPrice;
    signal numerator <== ratePrice * dt;
    signal delta;
    signal remainder;
    // Floor division of a signed numerator: circom compares field values as signed
    // (values above p/2 are negative), so the hint can branch on the sign.
    var n = numerator;
    var scale = 1000000000000;
    var quotient;
    var rest;
    if (n < 0) {
        var magnitude = -n;
        quotient = -(magnitude \ scale);
        rest = magnitude % scale;
        if (rest != 0) {
            quotient = quotient - 1;
            rest = scale - rest;
        }
    } else {
        quotient = n \ scale;
        rest = n % scale;
    }
    delta <-- quotient;
    remainder <-- rest;
    numerator === delta * scale + remainder;
    component remainderRange = UnsignedRange(40);
    remainderRange.in <== remainder;
    component remainderBelow = LessThan(40);
    remainderBelow.in[0] <== remainder;
    remainderBelow.in[1] <== scale;
    remainderBelow.out === 1;
    component deltaRange = SignedRange(65);
    deltaRange.in <== delta;
    fundingIndex <== oldFundingIndex + delta;
    component indexRange = SignedRange(96);
    indexRange.in <== fundingIndex;
}
