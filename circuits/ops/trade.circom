pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";
include "../lib/range.circom";
include "../lib/fee.circom";
include "../lib/order-checks.circom";

/**
 * TRADE (protocol.md section 5): a maker order against a taker order at the maker's
 * limit price. Account a of the slot is the maker, b the taker. The slot verifies the
 * signatures on makerHash/takerHash, moves the positions by deltaA/-deltaA, checks the
 * market (valid, not settled) and the margin of both sides.
 * @input enabled - {Bool} - 1 iff the slot is a TRADE
 * @input timestamp - {Uint32}
 * @input makerIndex, takerIndex - {Uint} - slot accounts a and b
 * @input makerNonce, takerNonce - {Uint32} - the accounts' nonces before
 * @input marketId - {Uint8} - the slot's market (valid range checked by the slot)
 * @input price - {Uint48} - the slot's value field: the fill price (range-checked by the slot)
 * @input q - {Uint32} - fill size (range-checked by the slot), 1 <= q <= both order sizes
 * @input makerFeeBps, takerFeeBps - {Uint8} - at most each order's maxFeeBps
 * @input makerOrder[7], takerOrder[7] - see OrderChecks
 * @output makerHash, takerHash - {Field} - the signed messages
 * @output deltaA - {Int33} - maker's size change (the taker's is -deltaA)
 * @output cashA, cashB - {Int82} - collateral changes of maker and taker, fees included
 * @output fees - {Uint81} - both fees, for the insurance fund
 */
template TradeOp() {
    signal input enabled;
    signal input timestamp;
    signal input makerIndex;
    signal input takerIndex;
    signal input makerNonce;
    signal input takerNonce;
    signal input marketId;
    signal input price;
    signal input q;
    signal input makerFeeBps;
    signal input takerFeeBps;
    signal input makerOrder[7];
    signal input takerOrder[7];
    signal output makerHash;
    signal output takerHash;
    signal output deltaA;
    signal output cashA;
    signal output cashB;
    signal output fees;

    component maker = OrderChecks();
    maker.enabled <== enabled;
    maker.accountIndex <== makerIndex;
    maker.accountNonce <== makerNonce;
    maker.timestamp <== timestamp;
    maker.order <== makerOrder;
    makerHash <== maker.hash;
    component taker = OrderChecks();
    taker.enabled <== enabled;
    taker.accountIndex <== takerIndex;
    taker.accountNonce <== takerNonce;
    taker.timestamp <== timestamp;
    taker.order <== takerOrder;
    takerHash <== taker.hash;

    // Same market as the slot's, opposite sides; a disabled slot carries zeros.
    (makerOrder[0] - marketId) * enabled === 0;
    (takerOrder[0] - marketId) * enabled === 0;
    signal makerIsBuy <== makerOrder[1];
    makerIsBuy + takerOrder[1] === enabled;

    // Fill within both orders, at the maker's price, within the taker's limit.
    component qZero = IsZero();
    qZero.in <== q;
    qZero.out * enabled === 0;
    component withinMaker = LessEqThan(32);
    withinMaker.in[0] <== q;
    withinMaker.in[1] <== makerOrder[2];
    (1 - withinMaker.out) * enabled === 0;
    component withinTaker = LessEqThan(32);
    withinTaker.in[0] <== q;
    withinTaker.in[1] <== takerOrder[2];
    (1 - withinTaker.out) * enabled === 0;
    (price - makerOrder[3]) * enabled === 0;
    component priceZero = IsZero();
    priceZero.in <== price;
    priceZero.out * enabled === 0;
    component notAboveLimit = LessEqThan(48);
    notAboveLimit.in[0] <== price;
    notAboveLimit.in[1] <== takerOrder[3];
    component notBelowLimit = LessEqThan(48);
    notBelowLimit.in[0] <== takerOrder[3];
    notBelowLimit.in[1] <== price;
    signal takerBuyLimit <== takerOrder[1] * (notAboveLimit.out - notBelowLimit.out);
    signal withinLimit <== takerBuyLimit + notBelowLimit.out;
    (1 - withinLimit) * enabled === 0;

    // Fees, at most each order's maximum.
    component makerFeeRange = UnsignedRange(8);
    makerFeeRange.in <== makerFeeBps;
    component takerFeeRange = UnsignedRange(8);
    takerFeeRange.in <== takerFeeBps;
    component makerFeeCap = LessEqThan(8);
    makerFeeCap.in[0] <== makerFeeBps;
    makerFeeCap.in[1] <== makerOrder[6];
    (1 - makerFeeCap.out) * enabled === 0;
    component takerFeeCap = LessEqThan(8);
    takerFeeCap.in[0] <== takerFeeBps;
    takerFeeCap.in[1] <== takerOrder[6];
    (1 - takerFeeCap.out) * enabled === 0;
    signal notional <== q * price;
    component makerFee = FeeAmount();
    makerFee.notional <== notional;
    makerFee.feeBps <== makerFeeBps;
    component takerFee = FeeAmount();
    takerFee.notional <== notional;
    takerFee.feeBps <== takerFeeBps;
    fees <== makerFee.fee + takerFee.fee;

    // The buyer gets +q lots and pays q * price.
    deltaA <== q * (2 * makerIsBuy - 1);
    signal makerPays <== deltaA * price;
    cashA <== -makerPays - makerFee.fee;
    cashB <== makerPays - takerFee.fee;

    component selfTrade = IsEqual();
    selfTrade.in[0] <== makerIndex;
    selfTrade.in[1] <== takerIndex;
    selfTrade.out * enabled === 0;
}
