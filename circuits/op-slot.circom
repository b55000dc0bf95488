pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/eddsaposeidon.circom";
include "lib/range.circom";
include "lib/op-type.circom";
include "lib/op-data.circom";
include "lib/market-select.circom";
include "lib/funding.circom";
include "lib/position-slot-select.circom";
include "lib/position-slot-write.circom";
include "lib/scenario-exposure.circom";
include "lib/initial-margin.circom";
include "lib/meets-requirement.circom";
include "lib/liquidatable.circom";
include "lib/reduce-only.circom";
include "lib/deficit-cover.circom";
include "lib/requirement.circom";
include "lib/account-update.circom";
include "ops/deposit.circom";
include "ops/trade.circom";
include "ops/withdraw.circom";
include "ops/liquidate.circom";
include "ops/settle.circom";
include "ops/deleverage.circom";
include "ops/deleverage-bounds.circom";
include "ops/forced-withdraw.circom";

/**
 * One op slot of a batch (protocol.md section 5). Every slot makes two account updates,
 * a then b, each a real Merkle update (an op that leaves an account alone proves a no-op
 * update), and shares its expensive parts among the op types: two signature checks,
 * funding for two accounts, one position move per account, one margin evaluation per
 * account (a's before or after the op, as its type needs).
 *
 * Phases: A type and accounts | B op data | C market and funding | D op rules |
 * E positions and cash | F margin | G signatures | H tree updates
 *
 * | type | a | b | signs a | signs b | moves a | moves b |
 * | NOOP 0 | any, unchanged | any, unchanged | | | | |
 * | DEPOSIT 1 | entry's account | unchanged | | | | |
 * | TRADE 2 | maker | taker | order | order | yes | yes |
 * | WITHDRAW 3 | account | unchanged | withdrawal | | | |
 * | LIQUIDATE 4 | liquidatee | liquidator | | liquidation | yes | yes |
 * | SETTLE 5 | account | unchanged | | | yes | |
 * | DELEVERAGE 6 | bankrupt | counterparty | | | yes | yes |
 * | FORCED_WITHDRAW 7 | entry's account | unchanged | (L1 queue) | | | |
 *
 * @param D - account depth, P - slots, M - markets, S - scenarios
 * @input opType - {Uint3}
 * @input a*, b* - index, fields before and Merkle siblings of the two updates
 * @input deposit* - the L1 priority-queue entry (DEPOSIT, FORCED_WITHDRAW)
 * @input marketId, q, value, feeA, feeB - the slot's op data fields; q (Uint32) and value
 *        (Uint48) are 0 in an op that does not use them
 * @input slotA, slotB - position slots the prover names (checked canonical)
 * @input makerOrder[7], takerOrder[7] - TRADE orders; liquidation[2] - maxSize, expiry
 * @input sigA[3], sigB[3] - R8x, R8y, S of the signatures by a and by b
 * @input timestamp, markPrice[M], fundingIndex[M], settled[M], settlementPrice[M],
 *        pnl[M][S], mmBps, penaltyBps - market data after the header
 * @input fundCollateral - {Int64} - insurance fund at batch start
 * @input accountsRootIn, depositHeadIn, feesIn - running batch state
 * @output accountsRootOut, depositHeadOut, feesOut - running batch state after the slot
 * @output opBits[8 * LAYOUT_OP_BYTES(D)] - {Bool} - this slot's op data, MSB first
 */
template OpSlot(D, P, M, S) {
    var OP_BYTES = LAYOUT_OP_BYTES(D);
    signal input opType;
    signal input aIndex;
    signal input aAx;
    signal input aAy;
    signal input aNonce;
    signal input aCollateral;
    signal input aMarketId[P];
    signal input aSize[P];
    signal input aFundingSnapshot[P];
    signal input aSiblings[D][3];
    signal input bIndex;
    signal input bAx;
    signal input bAy;
    signal input bNonce;
    signal input bCollateral;
    signal input bMarketId[P];
    signal input bSize[P];
    signal input bFundingSnapshot[P];
    signal input bSiblings[D][3];
    signal input depositAccountIndex;
    signal input depositAx;
    signal input depositAy;
    signal input depositAmount;
    signal input marketId;
    signal input q;
    signal input value;
    signal input feeA;
    signal input feeB;
    signal input slotA;
    signal input slotB;
    signal input makerOrder[7];
    signal input takerOrder[7];
    signal input liquidation[2];
    signal input sigA[3];
    signal input sigB[3];
    signal input timestamp;
    signal input markPrice[M];
    signal input fundingIndex[M];
    signal input settled[M];
    signal input settlementPrice[M];
    signal input pnl[M][S];
    signal input mmBps;
    signal input penaltyBps;
    signal input fundCollateral;
    signal input accountsRootIn;
    signal input depositHeadIn;
    signal input feesIn;
    signal output accountsRootOut;
    signal output depositHeadOut;
    signal output feesOut;
    signal output opBits[8 * OP_BYTES];

    ////////
    // A: type and accounts
    ////////
    component type = OpType();
    type.opType <== opType;
    // NOOP needs no flag of its own: it is every other flag off.
    _ <== type.is[OP_CODE_NOOP()];
    signal isDeposit <== type.is[OP_CODE_DEPOSIT()];
    signal isTrade <== type.is[OP_CODE_TRADE()];
    signal isWithdraw <== type.is[OP_CODE_WITHDRAW()];
    signal isLiquidate <== type.is[OP_CODE_LIQUIDATE()];
    signal isSettle <== type.is[OP_CODE_SETTLE()];
    signal isDeleverage <== type.is[OP_CODE_DELEVERAGE()];
    signal isForced <== type.is[OP_CODE_FORCED_WITHDRAW()];
    signal touchesB <== isTrade + isLiquidate + isDeleverage;
    signal usesMarket <== touchesB + isSettle;
    signal touchesA <== usesMarket + isWithdraw + isForced;

    // No op names the insurance fund, a and b differ, and touched accounts exist.
    component aIsFund = IsZero();
    aIsFund.in <== aIndex;
    aIsFund.out * (touchesA + isDeposit) === 0;
    component bIsFund = IsZero();
    bIsFund.in <== bIndex;
    bIsFund.out * touchesB === 0;
    component sameAccount = IsEqual();
    sameAccount.in[0] <== aIndex;
    sameAccount.in[1] <== bIndex;
    sameAccount.out * touchesB === 0;
    component aEmpty = IsZero();
    aEmpty.in <== aAx;
    aEmpty.out * touchesA === 0;
    component bEmpty = IsZero();
    bEmpty.in <== bAx;
    bEmpty.out * touchesB === 0;

    ////////
    // B: op data (fields an op does not use are zero)
    ////////
    // q and value are zero in an op that does not use them, so the op data carries them
    // as they are, and its byte decompositions are their range checks: q < 2^32, value
    // < 2^48 (LAYOUT_OP_FIELD_WIDTHS), before any op rule reads them.
    signal usesValue <== isTrade + isWithdraw + isDeleverage + isForced;
    (1 - touchesB) * q === 0;
    (1 - usesValue) * value === 0;
    component data = OpData(D);
    data.opType <== opType;
    data.aIndex <== touchesA * aIndex;
    data.bIndex <== touchesB * bIndex;
    // The maker's side is its order's isBuy, as in TradeOp; read here so that this phase
    // needs no op rule.
    signal makerSide <== isTrade * makerOrder[1];
    data.market <== usesMarket * marketId + (2 ** LAYOUT_MARKET_ID_BITS()) * makerSide;
    data.q <== q;
    data.value <== value;
    data.feeA <== isTrade * feeA;
    data.feeB <== isTrade * feeB;
    opBits <== data.bits;

    ////////
    // C: market and funding
    ////////
    component market = MarketSelect(M);
    market.marketId <== marketId;
    market.markPrice <== markPrice;
    market.fundingIndex <== fundingIndex;
    market.settled <== settled;
    market.settlementPrice <== settlementPrice;
    market.count === usesMarket;
    touchesB * market.selSettled === 0;
    isSettle * (1 - market.selSettled) === 0;
    _ <== market.isMarket;

    component fundedA = ApplyFunding(P, M);
    fundedA.enabled <== touchesA;
    fundedA.collateral <== aCollateral;
    fundedA.marketId <== aMarketId;
    fundedA.size <== aSize;
    fundedA.fundingSnapshot <== aFundingSnapshot;
    fundedA.fundingIndex <== fundingIndex;
    component fundedB = ApplyFunding(P, M);
    fundedB.enabled <== touchesB;
    fundedB.collateral <== bCollateral;
    fundedB.marketId <== bMarketId;
    fundedB.size <== bSize;
    fundedB.fundingSnapshot <== bFundingSnapshot;
    fundedB.fundingIndex <== fundingIndex;

    component selectA = PositionSlotSelect(P);
    selectA.enabled <== usesMarket;
    selectA.marketId <== marketId;
    selectA.slot <== slotA;
    selectA.marketIds <== aMarketId;
    selectA.sizes <== aSize;
    selectA.fundingSnapshots <== fundedA.newFundingSnapshot;
    component selectB = PositionSlotSelect(P);
    selectB.enabled <== touchesB;
    selectB.marketId <== marketId;
    selectB.slot <== slotB;
    selectB.marketIds <== bMarketId;
    selectB.sizes <== bSize;
    selectB.fundingSnapshots <== fundedB.newFundingSnapshot;

    ////////
    // D: op rules
    ////////
    component deposit = DepositOp();
    deposit.enabled <== isDeposit;
    deposit.forced <== isForced;
    deposit.accountIndex <== aIndex;
    deposit.ax <== aAx;
    deposit.ay <== aAy;
    deposit.depositAccountIndex <== depositAccountIndex;
    deposit.depositAx <== depositAx;
    deposit.depositAy <== depositAy;
    deposit.depositAmount <== depositAmount;
    deposit.depositHeadIn <== depositHeadIn;
    depositHeadOut <== deposit.depositHeadOut;

    component trade = TradeOp();
    trade.enabled <== isTrade;
    trade.timestamp <== timestamp;
    trade.makerIndex <== aIndex;
    trade.takerIndex <== bIndex;
    trade.makerNonce <== aNonce;
    trade.takerNonce <== bNonce;
    trade.marketId <== marketId;
    trade.price <== value;
    trade.q <== q;
    trade.makerFeeBps <== feeA;
    trade.takerFeeBps <== feeB;
    trade.makerOrder <== makerOrder;
    trade.takerOrder <== takerOrder;

    component withdraw = WithdrawOp();
    withdraw.enabled <== isWithdraw;
    withdraw.accountIndex <== aIndex;
    withdraw.nonce <== aNonce;
    withdraw.amount <== value;

    component liquidate = LiquidateOp();
    liquidate.enabled <== isLiquidate;
    liquidate.timestamp <== timestamp;
    liquidate.liquidateeIndex <== aIndex;
    liquidate.liquidatorIndex <== bIndex;
    liquidate.liquidatorNonce <== bNonce;
    liquidate.marketId <== marketId;
    liquidate.q <== q;
    liquidate.maxSize <== liquidation[0];
    liquidate.expiry <== liquidation[1];
    liquidate.markPrice <== market.selMarkPrice;
    liquidate.penaltyBps <== penaltyBps;
    liquidate.sizeBefore <== selectA.sizeBefore;

    component settle = SettleOp();
    settle.enabled <== isSettle;
    settle.sizeBefore <== selectA.sizeBefore;
    settle.settlementPrice <== market.selSettlementPrice;

    component deleverage = DeleverageOp();
    deleverage.enabled <== isDeleverage;
    deleverage.sizeBeforeA <== selectA.sizeBefore;
    deleverage.sizeBeforeB <== selectB.sizeBefore;
    deleverage.q <== q;
    deleverage.price <== value;

    // The account before the op, after funding: its equity (DELEVERAGE, FORCED_WITHDRAW)
    // and, through judgedGain in F, its requirement (LIQUIDATE, FORCED_WITHDRAW).
    component exposureBefore = ScenarioExposure(P, M, S);
    exposureBefore.collateral <== fundedA.newCollateral;
    exposureBefore.marketId <== aMarketId;
    exposureBefore.size <== aSize;
    exposureBefore.markPrice <== markPrice;
    exposureBefore.pnl <== pnl;

    ////////
    // E: positions and cash
    ////////
    signal tradeDelta <== isTrade * trade.deltaA;
    signal liquidateDelta <== isLiquidate * liquidate.deltaA;
    signal settleDelta <== isSettle * settle.deltaA;
    signal deleverageDelta <== isDeleverage * deleverage.deltaA;
    signal sizeAfterA <== selectA.sizeBefore + tradeDelta + liquidateDelta + settleDelta + deleverageDelta;
    signal sizeAfterB <== selectB.sizeBefore - tradeDelta - liquidateDelta - deleverageDelta;

    component writeA = PositionSlotWrite(P);
    writeA.selected <== selectA.selected;
    writeA.marketId <== marketId;
    writeA.sizeAfter <== sizeAfterA;
    writeA.fundingIndex <== market.selFundingIndex;
    writeA.marketBefore <== selectA.marketBefore;
    writeA.snapshotBefore <== selectA.snapshotBefore;
    writeA.marketIds <== aMarketId;
    writeA.sizes <== aSize;
    writeA.fundingSnapshots <== fundedA.newFundingSnapshot;
    component writeB = PositionSlotWrite(P);
    writeB.selected <== selectB.selected;
    writeB.marketId <== marketId;
    writeB.sizeAfter <== sizeAfterB;
    writeB.fundingIndex <== market.selFundingIndex;
    writeB.marketBefore <== selectB.marketBefore;
    writeB.snapshotBefore <== selectB.snapshotBefore;
    writeB.marketIds <== bMarketId;
    writeB.sizes <== bSize;
    writeB.fundingSnapshots <== fundedB.newFundingSnapshot;

    signal newAMarketId[P];
    signal newASize[P];
    signal newAFundingSnapshot[P];
    signal newBMarketId[P];
    signal newBSize[P];
    signal newBFundingSnapshot[P];
    for (var j = 0; j < P; j++) {
        newAMarketId[j] <== aMarketId[j] + usesMarket * (writeA.newMarketIds[j] - aMarketId[j]);
        newASize[j] <== aSize[j] + usesMarket * (writeA.newSizes[j] - aSize[j]);
        newAFundingSnapshot[j] <== fundedA.newFundingSnapshot[j] + usesMarket * (writeA.newFundingSnapshots[j] - fundedA.newFundingSnapshot[j]);
        newBMarketId[j] <== bMarketId[j] + touchesB * (writeB.newMarketIds[j] - bMarketId[j]);
        newBSize[j] <== bSize[j] + touchesB * (writeB.newSizes[j] - bSize[j]);
        newBFundingSnapshot[j] <== fundedB.newFundingSnapshot[j] + touchesB * (writeB.newFundingSnapshots[j] - fundedB.newFundingSnapshot[j]);
    }

    signal depositCash <== isDeposit * depositAmount;
    signal tradeCashA <== isTrade * trade.cashA;
    signal withdrawCash <== isWithdraw * withdraw.cash;
    signal liquidateCashA <== isLiquidate * liquidate.cashA;
    signal settleCash <== isSettle * settle.cashA;
    signal deleverageCashA <== isDeleverage * deleverage.cashA;
    // FORCED_WITHDRAW takes value; ForcedWithdrawOp (phase F) checks that it is the amount owed.
    signal forcedCash <== -isForced * value;
    signal collateralA <== fundedA.newCollateral + depositCash + tradeCashA + withdrawCash + liquidateCashA + settleCash + deleverageCashA + forcedCash;
    component deficit = DeficitCover(P);
    // A liquidation or a settlement that leaves no position and negative collateral
    // hands the deficit to the fund.
    deficit.enabled <== isLiquidate + isSettle;
    deficit.collateral <== collateralA;
    deficit.marketIds <== newAMarketId;
    signal newACollateral <== deficit.newCollateral;
    signal tradeCashB <== isTrade * trade.cashB;
    signal liquidateCashB <== isLiquidate * liquidate.cashB;
    signal deleverageCashB <== isDeleverage * deleverage.cashB;
    signal newBCollateral <== fundedB.newCollateral + tradeCashB + liquidateCashB + deleverageCashB;
    // Collateral stays within +-2^63 (protocol.md section 2).
    component aCollateralRange = SignedRange(64);
    aCollateralRange.in <== newACollateral;
    component bCollateralRange = SignedRange(64);
    bCollateralRange.in <== newBCollateral;

    signal tradeFees <== isTrade * trade.fees;
    signal penalty <== isLiquidate * liquidate.penalty;
    feesOut <== feesIn + tradeFees + penalty - deficit.deficit;

    signal newANonce <== aNonce + isTrade + isWithdraw;
    signal newBNonce <== bNonce + isTrade + isLiquidate;
    component aNonceRange = UnsignedRange(32);
    aNonceRange.in <== newANonce;
    component bNonceRange = UnsignedRange(32);
    bNonceRange.in <== newBNonce;

    ////////
    // F: margin
    ////////

    component exposureA = ScenarioExposure(P, M, S);
    exposureA.collateral <== newACollateral;
    exposureA.marketId <== newAMarketId;
    exposureA.size <== newASize;
    exposureA.markPrice <== markPrice;
    exposureA.pnl <== pnl;
    // Account a is judged once (decisions.md, "One margin evaluation per account"): before
    // the op for LIQUIDATE (liquidatable?) and FORCED_WITHDRAW (what can it spare?),
    // after it for TRADE and WITHDRAW (initial margin); no other op reads a verdict on a.
    signal judgeBefore <== isLiquidate + isForced;
    signal judgedGain[S];
    for (var s = 0; s < S; s++) {
        judgedGain[s] <== exposureA.gain[s] + judgeBefore * (exposureBefore.gain[s] - exposureA.gain[s]);
    }
    signal judgedEquity <== exposureA.equity + judgeBefore * (exposureBefore.equity - exposureA.equity);
    component requirementA = Requirement(S);
    requirementA.gain <== judgedGain;
    component liquidatable = Liquidatable();
    liquidatable.equity <== judgedEquity;
    liquidatable.requirement <== requirementA.out;
    liquidatable.mmBps <== mmBps;
    isLiquidate * (1 - liquidatable.out) === 0;
    component marginA = MeetsRequirement();
    marginA.equity <== judgedEquity;
    marginA.requirement <== requirementA.out;
    component forced = ForcedWithdrawOp();
    forced.enabled <== isForced;
    forced.requested <== depositAmount;
    forced.equity <== exposureBefore.equity;
    forced.requirement <== requirementA.out;
    forced.withdrawn <== value;
    component reducesA = ReduceOnly();
    reducesA.sizeBefore <== selectA.sizeBefore;
    reducesA.sizeAfter <== sizeAfterA;
    signal tradeNeedsMarginA <== isTrade * (1 - reducesA.out);
    (tradeNeedsMarginA + isWithdraw) * (1 - marginA.ok) === 0;

    component exposureB = ScenarioExposure(P, M, S);
    exposureB.collateral <== newBCollateral;
    exposureB.marketId <== newBMarketId;
    exposureB.size <== newBSize;
    exposureB.markPrice <== markPrice;
    exposureB.pnl <== pnl;
    component marginB = InitialMarginCheck(S);
    marginB.equity <== exposureB.equity;
    marginB.gain <== exposureB.gain;
    component reducesB = ReduceOnly();
    reducesB.sizeBefore <== selectB.sizeBefore;
    reducesB.sizeAfter <== sizeAfterB;
    signal needsMarginB <== (isTrade + isLiquidate) * (1 - reducesB.out);
    needsMarginB * (1 - marginB.ok) === 0;

    component bankruptcy = DeleverageBounds();
    bankruptcy.enabled <== isDeleverage;
    bankruptcy.equityBefore <== exposureBefore.equity;
    bankruptcy.equityAfter <== exposureA.equity;
    bankruptcy.q <== q;
    bankruptcy.fundAvailable <== fundCollateral + feesIn;

    ////////
    // G: signatures
    ////////
    signal makerMessage <== isTrade * trade.makerHash;
    signal withdrawalMessage <== isWithdraw * withdraw.hash;
    component signedA = EdDSAPoseidonVerifier();
    signedA.enabled <== isTrade + isWithdraw;
    signedA.Ax <== aAx;
    signedA.Ay <== aAy;
    signedA.R8x <== sigA[0];
    signedA.R8y <== sigA[1];
    signedA.S <== sigA[2];
    signedA.M <== makerMessage + withdrawalMessage;
    signal takerMessage <== isTrade * trade.takerHash;
    signal liquidationMessage <== isLiquidate * liquidate.hash;
    component signedB = EdDSAPoseidonVerifier();
    signedB.enabled <== isTrade + isLiquidate;
    signedB.Ax <== bAx;
    signedB.Ay <== bAy;
    signedB.R8x <== sigB[0];
    signedB.R8y <== sigB[1];
    signedB.S <== sigB[2];
    signedB.M <== takerMessage + liquidationMessage;

    ////////
    // H: tree updates, a then b on the root that a left
    ////////
    component updateA = AccountUpdate(D, P);
    updateA.rootIn <== accountsRootIn;
    updateA.index <== aIndex;
    updateA.ax <== aAx;
    updateA.ay <== aAy;
    updateA.nonce <== aNonce;
    updateA.collateral <== aCollateral;
    updateA.marketId <== aMarketId;
    updateA.size <== aSize;
    updateA.fundingSnapshot <== aFundingSnapshot;
    updateA.newAx <== deposit.newAx;
    updateA.newAy <== deposit.newAy;
    updateA.newNonce <== newANonce;
    updateA.newCollateral <== newACollateral;
    updateA.newMarketId <== newAMarketId;
    updateA.newSize <== newASize;
    updateA.newFundingSnapshot <== newAFundingSnapshot;
    updateA.siblings <== aSiblings;
    component updateB = AccountUpdate(D, P);
    updateB.rootIn <== updateA.rootOut;
    updateB.index <== bIndex;
    updateB.ax <== bAx;
    updateB.ay <== bAy;
    updateB.nonce <== bNonce;
    updateB.collateral <== bCollateral;
    updateB.marketId <== bMarketId;
    updateB.size <== bSize;
    updateB.fundingSnapshot <== bFundingSnapshot;
    updateB.newAx <== bAx;
    updateB.newAy <== bAy;
    updateB.newNonce <== newBNonce;
    updateB.newCollateral <== newBCollateral;
    updateB.newMarketId <== newBMarketId;
    updateB.newSize <== newBSize;
    updateB.newFundingSnapshot <== newBFundingSnapshot;
    updateB.siblings <== bSiblings;
    accountsRootOut <== updateB.rootOut;
}
