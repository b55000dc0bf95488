pragma circom 2.1.9;

include "account-leaf.circom";
include "quad-merkle.circom";

/**
 * Replaces an account's leaf in the accounts tree: the old fields must hash to the leaf
 * on the path to rootIn; rootOut has the new fields' leaf on the same path. An update
 * with new = old still proves the path, so every slot opens real accounts.
 * @param D - account depth, P - slots
 * @input rootIn - {Field}
 * @input index - {Uint(2D)} - range-checked by the Merkle update
 * @input ax, ay, nonce, collateral, marketId[P], size[P], fundingSnapshot[P] - before
 * @input newAx, newAy, newNonce, newCollateral, newMarketId[P], newSize[P], newFundingSnapshot[P] - after
 * @input siblings[D][3] - {Field} - the path, leaf level first
 * @output rootOut - {Field}
 */
template AccountUpdate(D, P) {
    signal input rootIn;
    signal input index;
    signal input ax;
    signal input ay;
    signal input nonce;
    signal input collateral;
    signal input marketId[P];
    signal input size[P];
    signal input fundingSnapshot[P];
    signal input newAx;
    signal input newAy;
    signal input newNonce;
    signal input newCollateral;
    signal input newMarketId[P];
    signal input newSize[P];
    signal input newFundingSnapshot[P];
    signal input siblings[D][3];
    signal output rootOut;

    component before = AccountLeaf(P);
    before.ax <== ax;
    before.ay <== ay;
    before.nonce <== nonce;
    before.collateral <== collateral;
    before.marketId <== marketId;
    before.size <== size;
    before.fundingSnapshot <== fundingSnapshot;
    component after = AccountLeaf(P);
    after.ax <== newAx;
    after.ay <== newAy;
    after.nonce <== newNonce;
    after.collateral <== newCollateral;
    after.marketId <== newMarketId;
    after.size <== newSize;
    after.fundingSnapshot <== newFundingSnapshot;

    component path = QuadMerkleUpdate(D);
    path.oldRoot <== rootIn;
    path.index <== index;
    path.oldLeaf <== before.leaf;
    path.newLeaf <== after.leaf;
    path.siblings <== siblings;
    rootOut <== path.newRoot;
}
