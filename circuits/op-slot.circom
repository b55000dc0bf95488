pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";
include "lib/range.circom";
include "lib/bits.circom";
include "lib/account-leaf.circom";
include "lib/quad-merkle.circom";
include "ops/deposit.circom";
include "ops/trade.circom";

/**
 * One op slot of a batch: NOOP (0), DEPOSIT (1) or TRADE (2). Every slot makes two
 * account updates, a then b, each a real Merkle update (an op that leaves an account
 * alone proves a no-op update of it), so the cost of a slot does not depend on its type.
 * TRADE: a = maker, b = taker. DEPOSIT: a = the entry's account. Unused: any account,
 * unchanged (the witness builder uses account 0).
 * @param D - account depth, P - slots, M - markets, S - scenarios
 * @input opType - {Uint2} - 0, 1 or 2
 * @input a*, b* - account index, fields before and Merkle siblings of the two updates
 * @input deposit* - queue entry (DEPOSIT)
 * @input makerOrder[7], makerSig[3], takerOrder[7], takerSig[3], q, makerFeeBps,
 *        takerFeeBps, makerSlot, takerSlot - fill (TRADE)
 * @input timestamp, markPrice[M], fundingIndex[M], pnl[M][S] - market data after the header
 * @input accountsRootIn, depositHeadIn, feesIn - running batch state
 * @output accountsRootOut, depositHeadOut, feesOut - running batch state after the slot
 * @output opBits[8*OP_BYTES] - {Bool} - this slot's op data, MSB first
 */
template OpSlot(D, P, M, S) {
    var IDX = (2 * D + 7) \ 8;
    var OP_BYTES = 14 + 2 * IDX;
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
    signal input makerOrder[7];
    signal input makerSig[3];
    signal input takerOrder[7];
    signal input takerSig[3];
    signal input q;
    signal input makerFeeBps;
    signal input takerFeeBps;
    signal input makerSlot;
    signal input takerSlot;
    signal input timestamp;
    signal input markPrice[M];
    signal input fundingIndex[M];
    signal input pnl[M][S];
    signal input accountsRootIn;
    signal input depositHeadIn;
    signal input feesIn;
    signal output accountsRootOut;
    signal output depositHeadOut;
    signal output feesOut;
    signal output opBits[8 * OP_BYTES];

    // Op type, one-hot.
    component isDeposit = IsEqual();
    isDeposit.in[0] <== opType;
    isDeposit.in[1] <== 1;
    component isTrade = IsEqual();
    isTrade.in[0] <== opType;
    isTrade.in[1] <== 2;
    component isNoop = IsZero();
    isNoop.in <== opType;
    isNoop.out + isDeposit.out + isTrade.out === 1;

    component deposit = DepositOp();
    deposit.enabled <== isDeposit.out;
    deposit.accountIndex <== aIndex;
    deposit.ax <== aAx;
    deposit.ay <== aAy;
    deposit.collateral <== aCollateral;
    deposit.depositAccountIndex <== depositAccountIndex;
    deposit.depositAx <== depositAx;
    deposit.depositAy <== depositAy;
    deposit.depositAmount <== depositAmount;
    deposit.depositHeadIn <== depositHeadIn;
    depositHeadOut <== deposit.depositHeadOut;

    component trade = TradeOp(D, P, M, S);
    trade.enabled <== isTrade.out;
    trade.timestamp <== timestamp;
    trade.markPrice <== markPrice;
    trade.fundingIndex <== fundingIndex;
    trade.pnl <== pnl;
    trade.makerIndex <== aIndex;
    trade.takerIndex <== bIndex;
    trade.makerAx <== aAx;
    trade.makerAy <== aAy;
    trade.makerNonce <== aNonce;
    trade.makerCollateral <== aCollateral;
    trade.makerMarketId <== aMarketId;
    trade.makerSize <== aSize;
    trade.makerFundingSnapshot <== aFundingSnapshot;
    trade.takerAx <== bAx;
    trade.takerAy <== bAy;
    trade.takerNonce <== bNonce;
    trade.takerCollateral <== bCollateral;
    trade.takerMarketId <== bMarketId;
    trade.takerSize <== bSize;
    trade.takerFundingSnapshot <== bFundingSnapshot;
    trade.makerOrder <== makerOrder;
    trade.makerSig <== makerSig;
    trade.takerOrder <== takerOrder;
    trade.takerSig <== takerSig;
    trade.q <== q;
    trade.makerFeeBps <== makerFeeBps;
    trade.takerFeeBps <== takerFeeBps;
    trade.makerSlot <== makerSlot;
    trade.takerSlot <== takerSlot;
    signal tradeFees <== isTrade.out * trade.feeSum;
    feesOut <== feesIn + tradeFees;

    // Account a after the slot: deposit or maker side of a trade, else unchanged.
    signal aAxChange <== isDeposit.out * (deposit.newAx - aAx);
    signal aAyChange <== isDeposit.out * (deposit.newAy - aAy);
    signal aNonceChange <== isTrade.out * (trade.newMakerNonce - aNonce);
    signal aDepositCredit <== isDeposit.out * (deposit.newCollateral - aCollateral);
    signal aTradeCash <== isTrade.out * (trade.newMakerCollateral - aCollateral);
    signal newACollateral <== aCollateral + aDepositCredit + aTradeCash;
    signal newAMarketId[P];
    signal newASize[P];
    signal newAFundingSnapshot[P];
    signal newBMarketId[P];
    signal newBSize[P];
    signal newBFundingSnapshot[P];
    for (var j = 0; j < P; j++) {
        newAMarketId[j] <== aMarketId[j] + isTrade.out * (trade.newMakerMarketId[j] - aMarketId[j]);
        newASize[j] <== aSize[j] + isTrade.out * (trade.newMakerSize[j] - aSize[j]);
        newAFundingSnapshot[j] <== aFundingSnapshot[j] + isTrade.out * (trade.newMakerFundingSnapshot[j] - aFundingSnapshot[j]);
        newBMarketId[j] <== bMarketId[j] + isTrade.out * (trade.newTakerMarketId[j] - bMarketId[j]);
        newBSize[j] <== bSize[j] + isTrade.out * (trade.newTakerSize[j] - bSize[j]);
        newBFundingSnapshot[j] <== bFundingSnapshot[j] + isTrade.out * (trade.newTakerFundingSnapshot[j] - bFundingSnapshot[j]);
    }
    signal bNonceChange <== isTrade.out * (trade.newTakerNonce - bNonce);
    signal bTradeCash <== isTrade.out * (trade.newTakerCollateral - bCollateral);
    signal newBCollateral <== bCollateral + bTradeCash;

    // Collateral stays within +-2^63 (protocol.md section 2).
    component aCollateralRange = SignedRange(64);
    aCollateralRange.in <== newACollateral;
    component bCollateralRange = SignedRange(64);
    bCollateralRange.in <== newBCollateral;

    // Update a, then b on the root that a left.
    component aOld = AccountLeaf(P);
    aOld.ax <== aAx;
    aOld.ay <== aAy;
    aOld.nonce <== aNonce;
    aOld.collateral <== aCollateral;
    aOld.marketId <== aMarketId;
    aOld.size <== aSize;
    aOld.fundingSnapshot <== aFundingSnapshot;
    component aNew = AccountLeaf(P);
    aNew.ax <== aAx + aAxChange;
    aNew.ay <== aAy + aAyChange;
    aNew.nonce <== aNonce + aNonceChange;
    aNew.collateral <== newACollateral;
    aNew.marketId <== newAMarketId;
    aNew.size <== newASize;
    aNew.fundingSnapshot <== newAFundingSnapshot;
    component aUpdate = QuadMerkleUpdate(D);
    aUpdate.oldRoot <== accountsRootIn;
    aUpdate.index <== aIndex;
    aUpdate.oldLeaf <== aOld.leaf;
    aUpdate.newLeaf <== aNew.leaf;
    aUpdate.siblings <== aSiblings;

    component bOld = AccountLeaf(P);
    bOld.ax <== bAx;
    bOld.ay <== bAy;
    bOld.nonce <== bNonce;
    bOld.collateral <== bCollateral;
    bOld.marketId <== bMarketId;
    bOld.size <== bSize;
    bOld.fundingSnapshot <== bFundingSnapshot;
    component bNew = AccountLeaf(P);
    bNew.ax <== bAx;
    bNew.ay <== bAy;
    bNew.nonce <== bNonce + bNonceChange;
    bNew.collateral <== newBCollateral;
    bNew.marketId <== newBMarketId;
    bNew.size <== newBSize;
    bNew.fundingSnapshot <== newBFundingSnapshot;
    component bUpdate = QuadMerkleUpdate(D);
    bUpdate.oldRoot <== aUpdate.newRoot;
    bUpdate.index <== bIndex;
    bUpdate.oldLeaf <== bOld.leaf;
    bUpdate.newLeaf <== bNew.leaf;
    bUpdate.siblings <== bSiblings;
    accountsRootOut <== bUpdate.newRoot;

    // Op data: type byte, then the trade fields (zero for other types).
    component typeByte = BytesBE(1);
    typeByte.in <== opType;
    for (var i = 0; i < 8; i++) {
        opBits[i] <== typeByte.bits[i];
    }
    for (var i = 0; i < 8 * (OP_BYTES - 1); i++) {
        opBits[8 + i] <== trade.dataBits[i];
    }
}
