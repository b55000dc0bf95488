pragma circom 2.1.9;

include "circomlib/circuits/comparators.circom";

/**
 * FORCED_WITHDRAW (protocol.md section 5): an L1 request in the priority queue (entry
 * key (0, 1), amount = requested) withdraws what the account can spare without
 * breaking initial margin: w = min(requested, max(0, equity - requirement)). Taking
 * collateral does not move the requirement (it depends on positions only), so after
 * the op the account still meets initial margin, or w = 0 if it did not before. The
 * operator cannot refuse or shrink it; the queue entry binds it (the slot's QueueOp).
 * Range argument: |equity| < 2^102, requirement < 2^118, requested < 2^48 (the
 * contract's bound), so LessThan(120) compares them as signed values.
 * @input enabled - {Bool}
 * @input requested - {Uint48} - the queue entry's amount
 * @input equity - {Int102} - the account's equity after funding
 * @input requirement - {Uint118} - its initial margin
 * @input withdrawn - {Uint48} - the slot's value field: the amount w (checked here)
 * The slot takes w from a's collateral itself: this check needs the requirement, which
 * the slot computes after the collateral change (one margin evaluation per account).
 */
template ForcedWithdrawOp() {
    signal input enabled;
    signal input requested;
    signal input equity;
    signal input requirement;
    signal input withdrawn;

    signal free <== equity - requirement;
    component freeNegative = LessThan(120);
    freeNegative.in[0] <== free;
    freeNegative.in[1] <== 0;
    signal spare <== (1 - freeNegative.out) * free;
    component requestFits = LessEqThan(120);
    requestFits.in[0] <== requested;
    requestFits.in[1] <== spare;
    signal amount <== spare + requestFits.out * (requested - spare);
    (withdrawn - amount) * enabled === 0;
}
