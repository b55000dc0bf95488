pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";
include "lib/sha256/hash.circom";
include "lib/range.circom";
include "lib/bits.circom";
include "lib/account-leaf.circom";
include "lib/quad-merkle.circom";
include "lib/generated/layout.circom";
include "header.circom";
include "op-slot.circom";

/**
 * BatchSettle: one Groth16 statement for a whole batch (protocol.md).
 *
 * Phases:
 *   A: header - open the old global state, oracle quorum, prices, funding, expiry settlement,
 *      the risk arrays in force (old riskHash for the old state, new one for the new)
 *   B: ops - N op slots chained on (accountsRoot, depositHead, fees)
 *   C: fees - credit the batch's fees to the insurance fund, account 0, in one update
 *   D: roots - old and new state roots
 *   E: public input - inputHash = sha256(oldStateRoot | newStateRoot | header |
 *      depositHead | op data) mod r
 *
 * NOTE: left to the contract (Settlement.sol): that oldStateRoot is the stored root,
 * that depositHead is the stored chain head after `depositsEnd` queue entries, that the
 * header timestamp is not ahead of the L1 block time by more than the allowed drift,
 * and that the op data it publishes are the bytes hashed here. Left to whoever rebuilds
 * the state from the chain: that the risk arrays published after the hashed calldata
 * (the risk tail, data availability only) hash to the riskHash of the header bytes.
 *
 * @param D accountDepth, P positionSlots, M markets, S scenarios, N batchSize,
 *        K oracleKeys, Q oracleQuorum
 * @output inputHash - {Field} - the only public signal
 */
template BatchSettle(D, P, M, S, N, K, Q) {
    var OP_BYTES = LAYOUT_OP_BYTES(D);
    var HEADER_BYTES = LAYOUT_HEADER_BYTES(M);
    var FIELD_BYTES = LAYOUT_FIELD_BYTES();

    // Old global state.
    signal input oldAccountsRoot;
    signal input oldOracleTimestamp;
    signal input marketKind[M];
    signal input marketLotSize[M];
    signal input marketExpiry[M];
    signal input marketStrike[M];
    signal input oldMarkPrice[M];
    signal input oldFundingIndex[M];
    signal input oldSettlementPrice[M];
    signal input oldSettled[M];
    signal input mmBps;
    signal input penaltyBps;
    signal input maxFundingRate;
    signal input oldRiskRow[M];
    signal input oracleAx[K];
    signal input oracleAy[K];
    signal input oldDepositHead;
    // Header.
    signal input timestamp;
    signal input price[M];
    signal input fundingRate[M];
    signal input pnl[M][S]; // the risk arrays in force from this batch on (changed or not)
    signal input oracleKeyIndex[Q];
    signal input oracleSigR8x[Q];
    signal input oracleSigR8y[Q];
    signal input oracleSigS[Q];
    // Op slots.
    signal input opType[N];
    signal input aIndex[N];
    signal input aAx[N];
    signal input aAy[N];
    signal input aNonce[N];
    signal input aCollateral[N];
    signal input aMarketId[N][P];
    signal input aSize[N][P];
    signal input aFundingSnapshot[N][P];
    signal input aSiblings[N][D][3];
    signal input bIndex[N];
    signal input bAx[N];
    signal input bAy[N];
    signal input bNonce[N];
    signal input bCollateral[N];
    signal input bMarketId[N][P];
    signal input bSize[N][P];
    signal input bFundingSnapshot[N][P];
    signal input bSiblings[N][D][3];
    signal input depositAccountIndex[N];
    signal input depositAx[N];
    signal input depositAy[N];
    signal input depositAmount[N];
    signal input marketId[N];
    signal input q[N];
    signal input value[N];
    signal input feeA[N];
    signal input feeB[N];
    signal input slotA[N];
    signal input slotB[N];
    signal input makerOrder[N][7];
    signal input takerOrder[N][7];
    signal input liquidation[N][2];
    signal input sigA[N][3];
    signal input sigB[N][3];
    // Insurance fund (account 0) before the fee credit.
    signal input fundAx;
    signal input fundAy;
    signal input fundNonce;
    signal input fundCollateral;
    signal input fundMarketId[P];
    signal input fundSize[P];
    signal input fundFundingSnapshot[P];
    signal input fundSiblings[D][3];

    signal output inputHash;

    ////////
    // A: header
    ////////
    component header = Header(M, S, K, Q);
    header.oldOracleTimestamp <== oldOracleTimestamp;
    header.timestamp <== timestamp;
    header.marketKind <== marketKind;
    header.marketLotSize <== marketLotSize;
    header.marketExpiry <== marketExpiry;
    header.marketStrike <== marketStrike;
    header.oldMarkPrice <== oldMarkPrice;
    header.oldFundingIndex <== oldFundingIndex;
    header.oldSettlementPrice <== oldSettlementPrice;
    header.oldSettled <== oldSettled;
    header.price <== price;
    header.fundingRate <== fundingRate;
    header.mmBps <== mmBps;
    header.penaltyBps <== penaltyBps;
    header.maxFundingRate <== maxFundingRate;
    header.pnl <== pnl;
    header.oldRiskRow <== oldRiskRow;
    header.oracleAx <== oracleAx;
    header.oracleAy <== oracleAy;
    header.oracleKeyIndex <== oracleKeyIndex;
    header.oracleSigR8x <== oracleSigR8x;
    header.oracleSigR8y <== oracleSigR8y;
    header.oracleSigS <== oracleSigS;

    ////////
    // B: ops
    ////////
    component slot[N];
    signal accountsRoot[N + 1];
    signal depositHead[N + 1];
    signal fees[N + 1];
    accountsRoot[0] <== oldAccountsRoot;
    depositHead[0] <== oldDepositHead;
    fees[0] <== 0;
    for (var i = 0; i < N; i++) {
        slot[i] = OpSlot(D, P, M, S);
        slot[i].opType <== opType[i];
        slot[i].aIndex <== aIndex[i];
        slot[i].aAx <== aAx[i];
        slot[i].aAy <== aAy[i];
        slot[i].aNonce <== aNonce[i];
        slot[i].aCollateral <== aCollateral[i];
        slot[i].aMarketId <== aMarketId[i];
        slot[i].aSize <== aSize[i];
        slot[i].aFundingSnapshot <== aFundingSnapshot[i];
        slot[i].aSiblings <== aSiblings[i];
        slot[i].bIndex <== bIndex[i];
        slot[i].bAx <== bAx[i];
        slot[i].bAy <== bAy[i];
        slot[i].bNonce <== bNonce[i];
        slot[i].bCollateral <== bCollateral[i];
        slot[i].bMarketId <== bMarketId[i];
        slot[i].bSize <== bSize[i];
        slot[i].bFundingSnapshot <== bFundingSnapshot[i];
        slot[i].bSiblings <== bSiblings[i];
        slot[i].depositAccountIndex <== depositAccountIndex[i];
        slot[i].depositAx <== depositAx[i];
        slot[i].depositAy <== depositAy[i];
        slot[i].depositAmount <== depositAmount[i];
        slot[i].marketId <== marketId[i];
        slot[i].q <== q[i];
        slot[i].value <== value[i];
        slot[i].feeA <== feeA[i];
        slot[i].feeB <== feeB[i];
        slot[i].slotA <== slotA[i];
        slot[i].slotB <== slotB[i];
        slot[i].makerOrder <== makerOrder[i];
        slot[i].takerOrder <== takerOrder[i];
        slot[i].liquidation <== liquidation[i];
        slot[i].sigA <== sigA[i];
        slot[i].sigB <== sigB[i];
        slot[i].timestamp <== timestamp;
        slot[i].markPrice <== header.markPrice;
        slot[i].fundingIndex <== header.fundingIndex;
        slot[i].settled <== header.settled;
        slot[i].settlementPrice <== header.settlementPrice;
        slot[i].pnl <== header.effectivePnl;
        slot[i].mmBps <== mmBps;
        slot[i].penaltyBps <== penaltyBps;
        slot[i].fundCollateral <== fundCollateral;
        slot[i].accountsRootIn <== accountsRoot[i];
        slot[i].depositHeadIn <== depositHead[i];
        slot[i].feesIn <== fees[i];
        accountsRoot[i + 1] <== slot[i].accountsRootOut;
        depositHead[i + 1] <== slot[i].depositHeadOut;
        fees[i + 1] <== slot[i].feesOut;
    }

    ////////
    // C: fees
    ////////
    // The fund exists from genesis (a non-empty leaf), no op names it, so its leaf is
    // the one of the batch start; it may not end the batch below 0 (nor reach 2^63).
    signal newFundCollateral <== fundCollateral + fees[N];
    component fundCollateralRange = UnsignedRange(63);
    fundCollateralRange.in <== newFundCollateral;
    component fundOld = AccountLeaf(P);
    fundOld.ax <== fundAx;
    fundOld.ay <== fundAy;
    fundOld.nonce <== fundNonce;
    fundOld.collateral <== fundCollateral;
    fundOld.marketId <== fundMarketId;
    fundOld.size <== fundSize;
    fundOld.fundingSnapshot <== fundFundingSnapshot;
    component fundNew = AccountLeaf(P);
    fundNew.ax <== fundAx;
    fundNew.ay <== fundAy;
    fundNew.nonce <== fundNonce;
    fundNew.collateral <== newFundCollateral;
    fundNew.marketId <== fundMarketId;
    fundNew.size <== fundSize;
    fundNew.fundingSnapshot <== fundFundingSnapshot;
    component fundUpdate = QuadMerkleUpdate(D);
    fundUpdate.oldRoot <== accountsRoot[N];
    fundUpdate.index <== 0;
    fundUpdate.oldLeaf <== fundOld.leaf;
    fundUpdate.newLeaf <== fundNew.leaf;
    fundUpdate.siblings <== fundSiblings;

    ////////
    // D: roots
    ////////
    component oldGlobal = Poseidon(5);
    oldGlobal.inputs[0] <== oldOracleTimestamp;
    oldGlobal.inputs[1] <== header.oldMarketsHash;
    oldGlobal.inputs[2] <== header.oldRiskHash;
    oldGlobal.inputs[3] <== header.oracleKeysHash;
    oldGlobal.inputs[4] <== oldDepositHead;
    component newGlobal = Poseidon(5);
    newGlobal.inputs[0] <== timestamp;
    newGlobal.inputs[1] <== header.newMarketsHash;
    newGlobal.inputs[2] <== header.riskHash;
    newGlobal.inputs[3] <== header.oracleKeysHash;
    newGlobal.inputs[4] <== depositHead[N];
    component oldStateRoot = Poseidon(2);
    oldStateRoot.inputs[0] <== oldAccountsRoot;
    oldStateRoot.inputs[1] <== oldGlobal.out;
    component newStateRoot = Poseidon(2);
    newStateRoot.inputs[0] <== fundUpdate.newRoot;
    newStateRoot.inputs[1] <== newGlobal.out;

    ////////
    // E: public input
    ////////
    var HASHED_BITS = 8 * LAYOUT_HASHED_BYTES(D, M, N);
    component oldRootBits = FieldBE();
    oldRootBits.in <== oldStateRoot.out;
    component newRootBits = FieldBE();
    newRootBits.in <== newStateRoot.out;
    component headBits = FieldBE();
    headBits.in <== depositHead[N];
    component sha = Sha256Hash(HASHED_BITS);
    var o = 0;
    for (var i = 0; i < 8 * FIELD_BYTES; i++) { sha.in[o] <== oldRootBits.bits[i]; o++; }
    for (var i = 0; i < 8 * FIELD_BYTES; i++) { sha.in[o] <== newRootBits.bits[i]; o++; }
    for (var i = 0; i < 8 * HEADER_BYTES; i++) { sha.in[o] <== header.headerBits[i]; o++; }
    for (var i = 0; i < 8 * FIELD_BYTES; i++) { sha.in[o] <== headBits.bits[i]; o++; }
    for (var s = 0; s < N; s++) {
        for (var i = 0; i < 8 * OP_BYTES; i++) { sha.in[o] <== slot[s].opBits[i]; o++; }
    }
    var hashValue = 0;
    for (var i = 0; i < 256; i++) {
        // 2 ** k, not 1 << k: circom masks shifts to 254 bits and would drop the top bits.
        hashValue += sha.out[i] * (2 ** (255 - i));
    }
    inputHash <== hashValue;
}
