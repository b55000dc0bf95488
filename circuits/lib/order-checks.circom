pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";
include "range.circom";

/**
 * An order's fields (protocol.md section 4), range-checked, its nonce against the
 * account's and its expiry against the batch timestamp; outputs the hash its owner
 * signs (the slot verifies the signature):
 *   orderHash = Poseidon(1, accountIndex, marketId, isBuy, size, limitPrice, expiry,
 *                        nonce, maxFeeBps)
 * @input enabled - {Bool} - 0 for a slot that is not a trade
 * @input accountIndex - {Uint} - the op's account index (binds the order to it)
 * @input accountNonce - {Uint32} - the account's nonce before the trade
 * @input timestamp - {Uint32} - batch oracle timestamp (range-checked in the header)
 * @input order[7] - marketId {Uint8, checked by the caller}, isBuy {Bool}, size {Uint32},
 *                   limitPrice {Uint48}, expiry {Uint32}, nonce {Uint32}, maxFeeBps {Uint8}
 * @output hash - {Field}
 */
template OrderChecks() {
    signal input enabled;
    signal input accountIndex;
    signal input accountNonce;
    signal input timestamp;
    signal input order[7];
    signal output hash;

    order[1] * (1 - order[1]) === 0;
    component sizeRange = UnsignedRange(32);
    sizeRange.in <== order[2];
    component priceRange = UnsignedRange(48);
    priceRange.in <== order[3];
    component expiryRange = UnsignedRange(32);
    expiryRange.in <== order[4];
    component feeRange = UnsignedRange(8);
    feeRange.in <== order[6];

    component orderHash = Poseidon(9);
    orderHash.inputs[0] <== 1;
    orderHash.inputs[1] <== accountIndex;
    for (var i = 0; i < 7; i++) {
        orderHash.inputs[2 + i] <== order[i];
    }
    hash <== orderHash.out;

    (order[5] - accountNonce) * enabled === 0;

    component notExpired = LessEqThan(32);
    notExpired.in[0] <== timestamp;
    notExpired.in[1] <== order[4];
    (1 - notExpired.out) * enabled === 0;
}
