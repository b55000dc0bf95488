pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";
include "../lib/range.circom";
include "../lib/bits.circom";
include "../lib/fee.circom";
include "../lib/signed-order.circom";
include "../lib/position-slots.circom";
include "../lib/scenario-margin.circom";
include "../lib/reduce-only.circom";

/**
 * TRADE (protocol.md section 5): settles a maker order against a taker order at the
 * maker's limit price, moves both positions, charges fees, and checks margin.
 * Account a of the slot is the maker, account b the taker.
 * @param D - account depth (index width in op data), P - slots, M - markets, S - scenarios
 * @input enabled - {Bool} - 1 iff the slot is a TRADE
 * @input timestamp - {Uint32} - batch timestamp
 * @input markPrice[M], fundingIndex[M], pnl[M][S] - market data after the header
 * @input makerIndex, takerIndex - {Uint(2D)} - range-checked by the Merkle updates
 * @input maker*, taker* account fields before: Ax, Ay, Nonce, Collateral, MarketId[P], Size[P], FundingSnapshot[P]
 * @input makerOrder*, takerOrder* - order fields and signature (see SignedOrder)
 * @input q - {Uint32} - fill size, 1 <= q <= both order sizes
 * @input makerFeeBps, takerFeeBps - {Uint8} - at most the orders' maxFeeBps
 * @input makerSlot, takerSlot - {Uint} - position slot the prover names (checked canonical)
 * @output newMaker*, newTaker* - Nonce, Collateral, MarketId[P], Size[P], FundingSnapshot[P]
 * @output feeSum - {Uint81} - both fees, for the insurance fund
 * @output dataBits[8*(13+2*IDX)] - {Bool} - op data after the type byte, 0 when disabled
 */
template TradeOp(D, P, M, S) {
    var IDX = (2 * D + 7) \ 8;
    signal input enabled;
    signal input timestamp;
    signal input markPrice[M];
    signal input fundingIndex[M];
    signal input pnl[M][S];
    signal input makerIndex;
    signal input takerIndex;
    signal input makerAx;
    signal input makerAy;
    signal input makerNonce;
    signal input makerCollateral;
    signal input makerMarketId[P];
    signal input makerSize[P];
    signal input makerFundingSnapshot[P];
    signal input takerAx;
    signal input takerAy;
    signal input takerNonce;
    signal input takerCollateral;
    signal input takerMarketId[P];
    signal input takerSize[P];
    signal input takerFundingSnapshot[P];
    signal input makerOrder[7];   // marketId, isBuy, size, limitPrice, expiry, nonce, maxFeeBps
    signal input makerSig[3];     // R8x, R8y, S
    signal input takerOrder[7];
    signal input takerSig[3];
    signal input q;
    signal input makerFeeBps;
    signal input takerFeeBps;
    signal input makerSlot;
    signal input takerSlot;
    signal output newMakerNonce;
    signal output newMakerCollateral;
    signal output newMakerMarketId[P];
    signal output newMakerSize[P];
    signal output newMakerFundingSnapshot[P];
    signal output newTakerNonce;
    signal output newTakerCollateral;
    signal output newTakerMarketId[P];
    signal output newTakerSize[P];
    signal output newTakerFundingSnapshot[P];
    signal output feeSum;
    signal output dataBits[8 * (13 + 2 * IDX)];

    signal marketId <== makerOrder[0];
    signal makerIsBuy <== makerOrder[1];
    signal price <== makerOrder[3];

    // 1. Accounts exist and differ.
    component makerEmpty = IsZero();
    makerEmpty.in <== makerAx;
    makerEmpty.out * enabled === 0;
    component takerEmpty = IsZero();
    takerEmpty.in <== takerAx;
    takerEmpty.out * enabled === 0;
    component selfTrade = IsEqual();
    selfTrade.in[0] <== makerIndex;
    selfTrade.in[1] <== takerIndex;
    selfTrade.out * enabled === 0;

    // 2. One market in 1..M, opposite sides. A disabled slot must carry market 0.
    (takerOrder[0] - marketId) * enabled === 0;
    component isMarket[M];
    signal marketFunding[M];
    var marketCount = 0;
    var fundingSum = 0;
    for (var m = 0; m < M; m++) {
        isMarket[m] = IsEqual();
        isMarket[m].in[0] <== marketId;
        isMarket[m].in[1] <== m + 1;
        marketCount += isMarket[m].out;
        marketFunding[m] <== isMarket[m].out * fundingIndex[m];
        fundingSum += marketFunding[m];
    }
    marketCount === enabled;
    makerIsBuy + takerOrder[1] === enabled;

    // 3. Signatures, nonces, expiry.
    component makerSigned = SignedOrder();
    component takerSigned = SignedOrder();
    makerSigned.enabled <== enabled;
    makerSigned.accountIndex <== makerIndex;
    makerSigned.ax <== makerAx;
    makerSigned.ay <== makerAy;
    makerSigned.accountNonce <== makerNonce;
    takerSigned.enabled <== enabled;
    takerSigned.accountIndex <== takerIndex;
    takerSigned.ax <== takerAx;
    takerSigned.ay <== takerAy;
    takerSigned.accountNonce <== takerNonce;
    makerSigned.timestamp <== timestamp;
    takerSigned.timestamp <== timestamp;
    makerSigned.marketId <== makerOrder[0];
    makerSigned.isBuy <== makerOrder[1];
    makerSigned.size <== makerOrder[2];
    makerSigned.limitPrice <== makerOrder[3];
    makerSigned.expiry <== makerOrder[4];
    makerSigned.nonce <== makerOrder[5];
    makerSigned.maxFeeBps <== makerOrder[6];
    makerSigned.R8x <== makerSig[0];
    makerSigned.R8y <== makerSig[1];
    makerSigned.S <== makerSig[2];
    takerSigned.marketId <== takerOrder[0];
    takerSigned.isBuy <== takerOrder[1];
    takerSigned.size <== takerOrder[2];
    takerSigned.limitPrice <== takerOrder[3];
    takerSigned.expiry <== takerOrder[4];
    takerSigned.nonce <== takerOrder[5];
    takerSigned.maxFeeBps <== takerOrder[6];
    takerSigned.R8x <== takerSig[0];
    takerSigned.R8y <== takerSig[1];
    takerSigned.S <== takerSig[2];
    newMakerNonce <== makerNonce + enabled;
    newTakerNonce <== takerNonce + enabled;
    component makerNonceRange = UnsignedRange(32);
    makerNonceRange.in <== newMakerNonce;
    component takerNonceRange = UnsignedRange(32);
    takerNonceRange.in <== newTakerNonce;

    // 4. Fill size within both orders (order sizes are range-checked in SignedOrder).
    component qRange = UnsignedRange(32);
    qRange.in <== q;
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

    // 5. Maker's price, within the taker's limit on the taker's side.
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

    // 6. Fees, at most each order's maximum.
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
    feeSum <== makerFee.fee + takerFee.fee;

    // 7. Positions and cash: the buyer gets +q lots and pays q * price.
    signal makerDelta <== q * (2 * makerIsBuy - 1);
    signal makerCash <== makerDelta * price;
    newMakerCollateral <== makerCollateral - makerCash - makerFee.fee;
    newTakerCollateral <== takerCollateral + makerCash - takerFee.fee;

    component makerPosition = PositionSlotUpdate(P);
    makerPosition.enabled <== enabled;
    makerPosition.marketId <== marketId;
    makerPosition.slot <== makerSlot;
    makerPosition.delta <== makerDelta;
    makerPosition.fundingIndex <== fundingSum;
    makerPosition.oldMarketId <== makerMarketId;
    makerPosition.oldSize <== makerSize;
    makerPosition.oldFundingSnapshot <== makerFundingSnapshot;
    newMakerMarketId <== makerPosition.newMarketId;
    newMakerSize <== makerPosition.newSize;
    newMakerFundingSnapshot <== makerPosition.newFundingSnapshot;

    component takerPosition = PositionSlotUpdate(P);
    takerPosition.enabled <== enabled;
    takerPosition.marketId <== marketId;
    takerPosition.slot <== takerSlot;
    takerPosition.delta <== -makerDelta;
    takerPosition.fundingIndex <== fundingSum;
    takerPosition.oldMarketId <== takerMarketId;
    takerPosition.oldSize <== takerSize;
    takerPosition.oldFundingSnapshot <== takerFundingSnapshot;
    newTakerMarketId <== takerPosition.newMarketId;
    newTakerSize <== takerPosition.newSize;
    newTakerFundingSnapshot <== takerPosition.newFundingSnapshot;

    // 8. Margin after the trade, unless the trade only shrinks that side's position.
    component makerMargin = ScenarioMargin(P, M, S);
    makerMargin.collateral <== newMakerCollateral;
    makerMargin.marketId <== newMakerMarketId;
    makerMargin.size <== newMakerSize;
    makerMargin.markPrice <== markPrice;
    makerMargin.pnl <== pnl;
    component makerReduces = ReduceOnly();
    makerReduces.sizeBefore <== makerPosition.sizeBefore;
    makerReduces.sizeAfter <== makerPosition.sizeAfter;
    // Equity is an output for tests and reports; the check here is meetsInitialMargin.
    _ <== makerMargin.equity;
    signal makerShort <== (1 - makerMargin.meetsInitialMargin) * (1 - makerReduces.out);
    makerShort * enabled === 0;

    component takerMargin = ScenarioMargin(P, M, S);
    takerMargin.collateral <== newTakerCollateral;
    takerMargin.marketId <== newTakerMarketId;
    takerMargin.size <== newTakerSize;
    takerMargin.markPrice <== markPrice;
    takerMargin.pnl <== pnl;
    component takerReduces = ReduceOnly();
    takerReduces.sizeBefore <== takerPosition.sizeBefore;
    takerReduces.sizeAfter <== takerPosition.sizeAfter;
    _ <== takerMargin.equity;
    signal takerShort <== (1 - takerMargin.meetsInitialMargin) * (1 - takerReduces.out);
    takerShort * enabled === 0;

    // 9. Op data after the type byte (protocol.md section 7), all zero when disabled.
    component makerIndexBytes = BytesBE(IDX);
    makerIndexBytes.in <== makerIndex * enabled;
    component takerIndexBytes = BytesBE(IDX);
    takerIndexBytes.in <== takerIndex * enabled;
    component marketSideByte = BytesBE(1);
    marketSideByte.in <== (marketId + 128 * makerIsBuy) * enabled;
    component qBytes = BytesBE(4);
    qBytes.in <== q * enabled;
    component priceBytes = BytesBE(6);
    priceBytes.in <== price * enabled;
    component makerFeeByte = BytesBE(1);
    makerFeeByte.in <== makerFeeBps * enabled;
    component takerFeeByte = BytesBE(1);
    takerFeeByte.in <== takerFeeBps * enabled;
    var o = 0;
    for (var i = 0; i < 8 * IDX; i++) { dataBits[o] <== makerIndexBytes.bits[i]; o++; }
    for (var i = 0; i < 8 * IDX; i++) { dataBits[o] <== takerIndexBytes.bits[i]; o++; }
    for (var i = 0; i < 8; i++) { dataBits[o] <== marketSideByte.bits[i]; o++; }
    for (var i = 0; i < 32; i++) { dataBits[o] <== qBytes.bits[i]; o++; }
    for (var i = 0; i < 48; i++) { dataBits[o] <== priceBytes.bits[i]; o++; }
    for (var i = 0; i < 8; i++) { dataBits[o] <== makerFeeByte.bits[i]; o++; }
    for (var i = 0; i < 8; i++) { dataBits[o] <== takerFeeByte.bits[i]; o++; }
}
