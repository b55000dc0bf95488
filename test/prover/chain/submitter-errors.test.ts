import { expect } from "chai";
import { Interface, makeError } from "ethers";
import { classifySendError, decodeRevert, refusesForGood, UNKNOWN_REVERT } from "../../../prover/chain/submitter-errors";
import { bumpFees, maxFees } from "../../../prover/chain/fees";

const iface = new Interface(["error StateRootMismatch(uint256 expected, uint256 given)", "error InvalidProof()"]);

describe("Submitter helpers (prover/chain/submitter-errors.ts, fees.ts)", () => {
  it("classifies ethers' JSON-RPC error codes and Hardhat's messages alike", () => {
    const tx = { to: "0x0000000000000000000000000000000000000001" };
    expect(classifySendError(makeError("nonce has already been used", "NONCE_EXPIRED", { transaction: tx }))).to.equal("nonce-low");
    expect(classifySendError(makeError("replacement fee too low", "REPLACEMENT_UNDERPRICED", { transaction: tx }))).to.equal("underpriced");
    expect(classifySendError(new Error("Transaction nonce too low. Expected nonce to be at least 6 but got 5."))).to.equal("nonce-low");
    expect(classifySendError(new Error("Nonce too high. Expected nonce to be 7 but got 11."))).to.equal("nonce-high");
    expect(classifySendError({ message: "could not coalesce error", error: { message: "already known" } })).to.equal("known");
    expect(classifySendError(new Error("insufficient funds for gas * price + value"))).to.equal("other");
  });

  it("decodes a custom error found at any depth of a node's error", () => {
    const data = iface.encodeErrorResult("StateRootMismatch", [5n, 4n]);
    const nested = { message: "execution reverted", info: { error: { code: 3, data } } };
    expect(decodeRevert(iface, nested)).to.deep.include({ name: "StateRootMismatch", args: [5n, 4n], data });
    expect(decodeRevert(iface, { data: "0xdeadbeef" })).to.deep.include({ name: "unknown" });
    expect(decodeRevert(iface, new Error("timeout"))).to.equal(undefined);
  });

  it("tells a refusal for good (no retry can pass it) from one that may pass later", () => {
    const named = (name: string) => ({ ...UNKNOWN_REVERT, name });
    for (const name of ["DepositsOutOfRange", "InvalidProof", "BatchDataLength", "RiskTailLength", "FieldOverflow"]) expect(refusesForGood(named(name)), name).to.equal(true);
    for (const name of ["OracleTimestampAhead", "StateRootMismatch", "NotOperator", "Frozen", "unknown"]) expect(refusesForGood(named(name)), name).to.equal(false);
  });

  it("bumps both fees by the percentage, rounding up, and keeps maxFee ≥ priority fee", () => {
    expect(bumpFees({ maxFeePerGas: 1000n, maxPriorityFeePerGas: 7n }, 12.5)).to.deep.equal({ maxFeePerGas: 1125n, maxPriorityFeePerGas: 8n });
    expect(maxFees({ maxFeePerGas: 10n, maxPriorityFeePerGas: 1n }, { maxFeePerGas: 5n, maxPriorityFeePerGas: 20n })).to.deep.equal({ maxFeePerGas: 20n, maxPriorityFeePerGas: 20n });
  });
});
