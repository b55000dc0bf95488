pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/eddsaposeidon.circom";
include "circomlib/circuits/comparators.circom";
include "range.circom";

/**
 * An order signed by its account (protocol.md section 4):
 *   orderHash = Poseidon(1, accountIndex, marketId, isBuy, size, limitPrice, expiry,
 *                        nonce, maxFeeBps)
 * checked with EdDSA-Poseidon against the account's key, its nonce against the
 * account's nonce, and its expiry against the batch timestamp.
 * @input enabled - {Bool} - 0 for a slot that is not a trade
 * @input accountIndex - {Uint} - the op's account index (binds the order to it)
 * @input ax, ay - {Field} - the account's key, from its leaf
 * @input accountNonce - {Uint32} - the account's nonce before the trade
 * @input timestamp - {Uint32} - batch oracle timestamp (range-checked in the header)
 * @input marketId - {Uint8} - checked by the caller
 * @input isBuy - {Bool}
 * @input size - {Uint32} - order size in lots
 * @input limitPrice - {Uint48}
 * @input expiry - {Uint32} - last valid timestamp
 * @input nonce - {Uint32}
 * @input maxFeeBps - {Uint8}
 * @input R8x, R8y, S - {Field} - EdDSA-Poseidon signature
 */
template SignedOrder() {
    signal input enabled;
    signal input accountIndex;
    signal input ax;
    signal input ay;
    signal input accountNonce;
    signal input timestamp;
    signal input marketId;
    signal input isBuy;
    signal input size;
    signal input limitPrice;
    signal input expiry;
    signal input nonce;
    signal input maxFeeBps;
    signal input R8x;
    signal input R8y;
    signal input S;

    isBuy * (1 - isBuy) === 0;
    component sizeRange = UnsignedRange(32);
    sizeRange.in <== size;
    component priceRange = UnsignedRange(48);
    priceRange.in <== limitPrice;
    component expiryRange = UnsignedRange(32);
    expiryRange.in <== expiry;
    component feeRange = UnsignedRange(8);
    feeRange.in <== maxFeeBps;

    component orderHash = Poseidon(9);
    orderHash.inputs[0] <== 1;
    orderHash.inputs[1] <== accountIndex;
    orderHash.inputs[2] <== marketId;
    orderHash.inputs[3] <== isBuy;
    orderHash.inputs[4] <== size;
    orderHash.inputs[5] <== limitPrice;
    orderHash.inputs[6] <== expiry;
    orderHash.inputs[7] <== nonce;
    orderHash.inputs[8] <== maxFeeBps;

    component signature = EdDSAPoseidonVerifier();
    signature.enabled <== enabled;
    signature.Ax <== ax;
    signature.Ay <== ay;
    signature.S <== S;
    signature.R8x <== R8x;
    signature.R8y <== R8y;
    signature.M <== orderHash.out;

    (nonce - accountNonce) * enabled === 0;

    component notExpired = LessEqThan(32);
    notExpired.in[0] <== timestamp;
    notExpired.in[1] <== expiry;
    (1 - notExpired.out) * enabled === 0;
}
