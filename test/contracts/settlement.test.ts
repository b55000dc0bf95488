import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer, TransactionResponse } from "ethers";
import { deploySettlement, type DeployedContract } from "../../prover/chain/deploy";
import {
  FIELD_MODULUS,
  encodeBatchData,
  inputHash,
  layoutFor,
  type Header,
  type LayoutParams,
  type WireOpInput,
} from "../../prover/state/layout";
import { loadParams } from "../../prover/state/params";

// circomlibjs ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildPoseidon } = require("circomlibjs");

const ci = loadParams("ci");
const prod = loadParams("prod");
const GENESIS_ROOT = 0x1234n;
const MAX_ORACLE_DRIFT = 300;
const MAX_DEPOSIT = 2n ** 63n;
const KEY = { ax: 0x1111n, ay: 0x2222n };
const PROOF: bigint[] = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n];

type Poseidon = (inputs: bigint[]) => bigint;
let poseidon: Poseidon;
before(async () => {
  const p = await buildPoseidon();
  poseidon = (inputs) => p.F.toObject(p(inputs)) as bigint;
});

/** The TS mirror of the L1 deposit queue: head_{i+1} = Poseidon(head_i, accountIndex, ax, ay, amount). */
function chain(entries: [bigint, bigint, bigint, bigint][]): bigint[] {
  const heads = [0n];
  for (const e of entries) heads.push(poseidon([heads[heads.length - 1], ...e]));
  return heads;
}

const gasOf = async (tx: Promise<TransactionResponse>): Promise<bigint> => (await (await tx).wait())!.gasUsed;

async function deploy(params: LayoutParams) {
  const [operator, alice, bob] = await ethers.getSigners();
  const token = (await ethers.deployContract("TestToken")) as unknown as DeployedContract;
  const verifier = (await ethers.deployContract("MockVerifier")) as unknown as DeployedContract;
  const { settlement } = await deploySettlement(operator, {
    verifier,
    token,
    genesisStateRoot: GENESIS_ROOT,
    params,
    maxOracleDrift: MAX_ORACLE_DRIFT,
    minDeposit: 1n, // these tests queue deposits of a few units (test/contracts/queue-spam.test.ts covers the default)
  });
  for (const who of [alice, bob]) {
    await token.mint(who, 10n ** 24n);
    await (token.connect(who) as DeployedContract).approve(settlement, ethers.MaxUint256);
  }
  const as = (who: Signer): DeployedContract => settlement.connect(who) as DeployedContract;
  return { settlement, token, verifier, operator, alice, bob, as };
}
const deployCi = () => deploy(ci);
const deployProd = () => deploy(prod);

/** Two queued deposits (new account 1, top-up of account 1) and the batch that consumes them. */
async function withTwoDeposits() {
  const f = await deployCi();
  await f.as(f.alice).depositNew(KEY.ax, KEY.ay, 500n);
  await f.as(f.bob).deposit(1, 70n);
  const heads = chain([
    [1n, KEY.ax, KEY.ay, 500n],
    [1n, 0n, 0n, 70n],
  ]);
  const now = await time.latest();
  // riskHash r − 1: the largest value the header's 32 bytes may carry
  const header: Header = { timestamp: now, markPrices: [100_000n, 2_500_000n, 30_000n, 40_000n], fundingRates: [5n, 0n, 0n, -7n], riskHash: FIELD_MODULUS - 1n };
  const ops: WireOpInput[] = [{ type: "DEPOSIT" }, { type: "DEPOSIT" }];
  const newStateRoot = 0xabcdn;
  const batch = { oldStateRoot: GENESIS_ROOT, newStateRoot, depositsEnd: 2, header, ops };
  const data = encodeBatchData(ci, batch);
  const expectedHash = inputHash(ci, { oldStateRoot: GENESIS_ROOT, newStateRoot, header, depositHead: heads[2], ops });
  return { ...f, heads, header, ops, batch, data, expectedHash };
}

describe("Settlement", () => {
  describe("# constructor", () => {
    it("derives the layout widths of protocol.md section 7 from the parameters, as layout.ts does", async () => {
      for (const fixture of [deployCi, deployProd]) {
        const { settlement } = await loadFixture(fixture);
        const p = fixture === deployCi ? ci : prod;
        const L = layoutFor(p);
        expect(await settlement.IDX_BYTES()).to.equal(L.IDX);
        expect(await settlement.OP_BYTES()).to.equal(L.OP_BYTES);
        expect(await settlement.HEADER_BYTES()).to.equal(L.HEADER_BYTES);
        expect(await settlement.DATA_BYTES()).to.equal(L.DATA_BYTES);
        expect(await settlement.RISK_TAIL_BYTES()).to.equal(L.RISK_TAIL_BYTES);
        expect(await settlement.SCENARIOS()).to.equal(p.scenarios);
        expect(await settlement.MAX_ACCOUNTS()).to.equal(L.MAX_ACCOUNTS);
      }
    });
    it("starts from the genesis root, an empty queue and account 1 as the next index", async () => {
      const { settlement, operator } = await loadFixture(deployCi);
      expect(await settlement.stateRoot()).to.equal(GENESIS_ROOT);
      expect(await settlement.depositCount()).to.equal(0);
      expect(await settlement.queueHeads(0)).to.equal(0);
      expect(await settlement.nextAccountIndex()).to.equal(1);
      expect(await settlement.operator()).to.equal(await operator.getAddress());
    });
    it("rejects an account depth outside 1..15, a genesis root >= r, a zero deadline and an exit verifier for other parameters", async () => {
      const { settlement, token, verifier, operator } = await loadFixture(deployCi);
      const Settlement = await ethers.getContractFactory("Settlement");
      const config = {
        verifier: await verifier.getAddress(),
        poseidon5: await settlement.POSEIDON5(),
        exitVerifier: await settlement.EXIT_VERIFIER(),
        collateral: await token.getAddress(),
        genesisStateRoot: 0n,
        accountDepth: 2,
        markets: 4,
        scenarios: 4,
        batchSize: 2,
        maxOracleDrift: 300,
        forcedDeadline: 600,
        operator: await operator.getAddress(),
        minDeposit: 1n,
        maxPendingRequests: 2,
      };
      await expect(Settlement.deploy({ ...config, accountDepth: 16 }, "0x")).to.be.revertedWithCustomError(settlement, "ParameterOutOfRange").withArgs(16, 1, 15);
      await expect(Settlement.deploy({ ...config, scenarios: 0 }, "0x")).to.be.revertedWithCustomError(settlement, "ParameterOutOfRange").withArgs(0, 1, 16);
      await expect(Settlement.deploy({ ...config, scenarios: 17 }, "0x")).to.be.revertedWithCustomError(settlement, "ParameterOutOfRange").withArgs(17, 1, 16);
      await expect(Settlement.deploy({ ...config, genesisStateRoot: FIELD_MODULUS }, "0x"))
        .to.be.revertedWithCustomError(settlement, "FieldOverflow")
        .withArgs(FIELD_MODULUS);
      await expect(Settlement.deploy({ ...config, forcedDeadline: 0 }, "0x")).to.be.revertedWithCustomError(settlement, "ParameterOutOfRange");
      await expect(Settlement.deploy({ ...config, minDeposit: 0n }, "0x")).to.be.revertedWithCustomError(settlement, "ParameterOutOfRange").withArgs(0, 1, 2n ** 64n - 1n);
      await expect(Settlement.deploy({ ...config, maxPendingRequests: 0 }, "0x")).to.be.revertedWithCustomError(settlement, "ParameterOutOfRange").withArgs(0, 1, 8);
      await expect(Settlement.deploy({ ...config, maxPendingRequests: 9 }, "0x")).to.be.revertedWithCustomError(settlement, "ParameterOutOfRange").withArgs(9, 1, 8);
      await expect(Settlement.deploy({ ...config, accountDepth: 3 }, "0x")).to.be.revertedWithCustomError(settlement, "ParameterMismatch").withArgs(0, 3, 2);
      await expect(Settlement.deploy({ ...config, markets: 5 }, "0x")).to.be.revertedWithCustomError(settlement, "ParameterMismatch").withArgs(1, 5, 4);
    });
    it("publishes the genesis bytes and root, and makes the operator the owner of account 0", async () => {
      const [operator] = await ethers.getSigners();
      const token = (await ethers.deployContract("TestToken")) as unknown as DeployedContract;
      const verifier = (await ethers.deployContract("MockVerifier")) as unknown as DeployedContract;
      const genesis = "0x0102030405";
      const { settlement } = await deploySettlement(operator, { verifier, token, genesisStateRoot: GENESIS_ROOT, params: ci, maxOracleDrift: 300, genesis });
      const tx = settlement.deploymentTransaction()!;
      await expect(tx).to.emit(settlement, "GenesisPublished").withArgs(GENESIS_ROOT, genesis);
      await expect(tx).to.emit(settlement, "OperatorChanged").withArgs(ethers.ZeroAddress, await operator.getAddress());
      expect(await settlement.accountOwner(0)).to.equal(await operator.getAddress());
      expect(await settlement.FORCED_DEADLINE()).to.equal(7 * 24 * 3600);
    });
  });

  describe("# depositNew", () => {
    it("assigns consecutive account indices starting at 1", async () => {
      const { settlement, as, alice, bob } = await loadFixture(deployCi);
      for (const [i, who] of [alice, bob, alice].entries()) {
        await expect(as(who).depositNew(KEY.ax + BigInt(i), KEY.ay, 10n))
          .to.emit(settlement, "DepositQueued")
          .withArgs(i, i + 1, KEY.ax + BigInt(i), KEY.ay, 10n, (h: bigint) => h > 0n);
      }
      expect(await settlement.nextAccountIndex()).to.equal(4);
      expect(await settlement.depositCount()).to.equal(3);
    });
    it("builds the same head chain as circomlibjs' Poseidon in TypeScript", async () => {
      const { settlement, as, alice, bob } = await loadFixture(deployCi);
      await as(alice).depositNew(KEY.ax, KEY.ay, 500n);
      await as(bob).depositNew(KEY.ay, KEY.ax, MAX_DEPOSIT - 1n);
      await as(bob).deposit(1, 7n);
      await as(alice).deposit(2, 1n);
      const heads = chain([
        [1n, KEY.ax, KEY.ay, 500n],
        [2n, KEY.ay, KEY.ax, MAX_DEPOSIT - 1n],
        [1n, 0n, 0n, 7n],
        [2n, 0n, 0n, 1n],
      ]);
      for (let i = 0; i < heads.length; i++) expect(await settlement.queueHeads(i)).to.equal(heads[i]);
    });
    it("pulls the amount from the depositor with transferFrom", async () => {
      const { settlement, token, as, alice } = await loadFixture(deployCi);
      await expect(as(alice).depositNew(KEY.ax, KEY.ay, 500n)).to.changeTokenBalances(token, [alice, settlement], [-500n, 500n]);
    });
    it("rejects a key whose x is 0, including (0, 0)", async () => {
      const { settlement, as, alice } = await loadFixture(deployCi);
      await expect(as(alice).depositNew(0, 0, 1n)).to.be.revertedWithCustomError(settlement, "ZeroKey");
      await expect(as(alice).depositNew(0, 5, 1n)).to.be.revertedWithCustomError(settlement, "ZeroKey");
    });
    it("rejects a key coordinate that is not a field element", async () => {
      const { settlement, as, alice } = await loadFixture(deployCi);
      await expect(as(alice).depositNew(FIELD_MODULUS, 1, 1n)).to.be.revertedWithCustomError(settlement, "FieldOverflow").withArgs(FIELD_MODULUS);
      await expect(as(alice).depositNew(1, FIELD_MODULUS + 1n, 1n)).to.be.revertedWithCustomError(settlement, "FieldOverflow").withArgs(FIELD_MODULUS + 1n);
    });
    it("rejects an amount of 0 and an amount of 2^63", async () => {
      const { settlement, as, alice } = await loadFixture(deployCi);
      await expect(as(alice).depositNew(KEY.ax, KEY.ay, 0)).to.be.revertedWithCustomError(settlement, "ZeroAmount");
      await expect(as(alice).depositNew(KEY.ax, KEY.ay, MAX_DEPOSIT))
        .to.be.revertedWithCustomError(settlement, "AmountTooLarge")
        .withArgs(MAX_DEPOSIT, MAX_DEPOSIT);
    });
    it("rejects a new account once all 4^D indices are assigned", async () => {
      const { settlement, as, alice } = await loadFixture(deployCi);
      for (let i = 1; i < 16; i++) await as(alice).depositNew(KEY.ax, KEY.ay, 1n);
      expect(await settlement.nextAccountIndex()).to.equal(16);
      await expect(as(alice).depositNew(KEY.ax, KEY.ay, 1n)).to.be.revertedWithCustomError(settlement, "AccountSpaceFull").withArgs(16);
    });
    it("rejects a depositor without allowance with TokenTransferFailed", async () => {
      const { settlement, as, operator } = await loadFixture(deployCi);
      await expect(as(operator).depositNew(KEY.ax, KEY.ay, 1n)).to.be.revertedWithCustomError(settlement, "TokenTransferFailed");
    });
    it("rejects a token that delivers less than the amount (fee on transfer)", async () => {
      const { settlement, token, as, alice } = await loadFixture(deployCi);
      await token.setTransferFeeBps(100);
      await expect(as(alice).depositNew(KEY.ax, KEY.ay, 10_000n))
        .to.be.revertedWithCustomError(settlement, "TransferAmountMismatch")
        .withArgs(10_000n, 9_900n);
    });
  });

  describe("# deposit", () => {
    it("tops up assigned accounts with key (0, 0) and refuses the insurance fund (account 0, never a party to an op)", async () => {
      const { settlement, as, alice, bob } = await loadFixture(deployCi);
      await expect(as(bob).deposit(0, 70n)).to.be.revertedWithCustomError(settlement, "UnknownAccount").withArgs(0, 1);
      await as(alice).depositNew(KEY.ax, KEY.ay, 5n);
      const heads = chain([
        [1n, KEY.ax, KEY.ay, 5n],
        [1n, 0n, 0n, 9n],
      ]);
      await expect(as(bob).deposit(1, 9n)).to.emit(settlement, "DepositQueued").withArgs(1, 1, 0, 0, 9n, heads[2]);
    });
    it("rejects an index that was never assigned", async () => {
      const { settlement, as, alice } = await loadFixture(deployCi);
      await expect(as(alice).deposit(1, 5n)).to.be.revertedWithCustomError(settlement, "UnknownAccount").withArgs(1, 1);
    });
    it("rejects an amount of 0 and an amount of 2^63", async () => {
      const { settlement, as, alice } = await loadFixture(deployCi);
      await as(alice).depositNew(KEY.ax, KEY.ay, 5n);
      await expect(as(alice).deposit(1, 0)).to.be.revertedWithCustomError(settlement, "ZeroAmount");
      await expect(as(alice).deposit(1, MAX_DEPOSIT)).to.be.revertedWithCustomError(settlement, "AmountTooLarge");
    });
  });

  describe("# submitBatch", () => {
    it("finalizes a valid batch: emits BatchFinalized, moves the root and the consumed deposits", async () => {
      const { settlement, verifier, data, expectedHash } = await loadFixture(withTwoDeposits);
      await verifier.expectInput(expectedHash);
      await expect(settlement.submitBatch(data, PROOF))
        .to.emit(settlement, "BatchFinalized")
        .withArgs(0, GENESIS_ROOT, 0xabcdn, 2, expectedHash);
      expect(await settlement.stateRoot()).to.equal(0xabcdn);
      expect(await settlement.depositsConsumed()).to.equal(2);
      expect(await settlement.batchCount()).to.equal(1);
    });
    it("passes the verifier exactly the inputHash that layout.ts computes, and the proof in snarkjs order", async () => {
      const { settlement, verifier, data, expectedHash } = await loadFixture(withTwoDeposits);
      expect(await settlement.computeInputHash(data)).to.equal(expectedHash);
      await verifier.setReveal(true);
      await expect(settlement.submitBatch(data, PROOF))
        .to.be.revertedWithCustomError(verifier, "Observed")
        .withArgs([1n, 2n], [[3n, 4n], [5n, 6n]], [7n, 8n], expectedHash);
    });
    it("agrees with layout.ts on a full prod batch of trades, deposits and noops, with riskHash and a risk tail", async () => {
      const { settlement, verifier, as, alice } = await loadFixture(deployProd);
      await as(alice).depositNew(KEY.ax, KEY.ay, 1_000_000n);
      const heads = chain([[1n, KEY.ax, KEY.ay, 1_000_000n]]);
      const ops: WireOpInput[] = Array.from({ length: prod.batchSize }, (_, i) =>
        i === 0
          ? { type: "DEPOSIT" }
          : i % 3 === 0
            ? { type: "NOOP" }
            : {
                type: "TRADE",
                makerIndex: (i * 7919) % 4 ** 12,
                takerIndex: 4 ** 12 - 1 - i,
                marketId: 1 + (i % prod.markets),
                makerIsBuy: i % 2 === 0,
                q: BigInt(i) * 1_000_003n,
                price: 2n ** 48n - BigInt(i),
                makerFeeBps: i,
                takerFeeBps: 255 - i,
              },
      );
      const riskHash = FIELD_MODULUS - 0x0102n; // all 32 bytes used: the header's last field
      const header = { timestamp: await time.latest(), markPrices: Array.from({ length: prod.markets }, (_, m) => BigInt(m + 1) * 1_000_000n), riskHash };
      const newStateRoot = FIELD_MODULUS - 1n;
      const pnl = Array.from({ length: prod.markets }, (_, m) => Array.from({ length: prod.scenarios }, (_, s) => BigInt((s - 8) * (m + 1)) * 12_345_678n));
      const data = encodeBatchData(prod, { oldStateRoot: GENESIS_ROOT, newStateRoot, depositsEnd: 1, header, ops, pnl });
      expect(data.length).to.equal(layoutFor(prod).DATA_BYTES + layoutFor(prod).RISK_TAIL_BYTES);
      const expected = inputHash(prod, { oldStateRoot: GENESIS_ROOT, newStateRoot, header, depositHead: heads[1], ops });
      expect(await settlement.computeInputHash(data)).to.equal(expected);
      await verifier.expectInput(expected);
      await expect(settlement.submitBatch(data, PROOF)).to.emit(settlement, "BatchFinalized").withArgs(0, GENESIS_ROOT, newStateRoot, 1, expected);
    });
    it("chains batches: the next batch's old root is the last new root", async () => {
      const { settlement, batch, header, ops, heads } = await loadFixture(withTwoDeposits);
      await settlement.submitBatch(encodeBatchData(ci, batch), PROOF);
      const next = { oldStateRoot: 0xabcdn, newStateRoot: 0xbeefn, depositsEnd: 2, header: { ...header, timestamp: header.timestamp + 1 }, ops: [] };
      const expected = inputHash(ci, { oldStateRoot: 0xabcdn, newStateRoot: 0xbeefn, header: next.header, depositHead: heads[2], ops: [] });
      expect(ops.length).to.equal(2);
      await expect(settlement.submitBatch(encodeBatchData(ci, next), PROOF))
        .to.emit(settlement, "BatchFinalized")
        .withArgs(1, 0xabcdn, 0xbeefn, 2, expected);
    });
    it("rejects data one byte short, and one byte long (a tail that is not a risk tail)", async () => {
      const { settlement, data } = await loadFixture(withTwoDeposits);
      const L = layoutFor(ci);
      await expect(settlement.submitBatch(data.subarray(0, L.DATA_BYTES - 1), PROOF))
        .to.be.revertedWithCustomError(settlement, "BatchDataLength")
        .withArgs(L.DATA_BYTES, L.DATA_BYTES - 1);
      await expect(settlement.submitBatch(new Uint8Array([...data, 0]), PROOF))
        .to.be.revertedWithCustomError(settlement, "RiskTailLength")
        .withArgs(L.RISK_TAIL_BYTES, 1);
    });
    it("rejects a depositsEnd beyond the queue", async () => {
      const { settlement, batch } = await loadFixture(withTwoDeposits);
      await expect(settlement.submitBatch(encodeBatchData(ci, { ...batch, depositsEnd: 3 }), PROOF))
        .to.be.revertedWithCustomError(settlement, "DepositsOutOfRange")
        .withArgs(3, 0, 2);
    });
    it("rejects a depositsEnd behind the deposits already consumed", async () => {
      const { settlement, batch, data } = await loadFixture(withTwoDeposits);
      await settlement.submitBatch(data, PROOF);
      await expect(settlement.submitBatch(encodeBatchData(ci, { ...batch, oldStateRoot: 0xabcdn, depositsEnd: 1 }), PROOF))
        .to.be.revertedWithCustomError(settlement, "DepositsOutOfRange")
        .withArgs(1, 2, 2);
    });
    it("accepts a header timestamp of block.timestamp + MAX_ORACLE_DRIFT and rejects one second more", async () => {
      const { settlement, batch } = await loadFixture(withTwoDeposits);
      const t = (await time.latest()) + 100;
      const at = (timestamp: number) => encodeBatchData(ci, { ...batch, header: { ...batch.header, timestamp } });
      await time.setNextBlockTimestamp(t);
      await expect(settlement.submitBatch(at(t + MAX_ORACLE_DRIFT + 1), PROOF))
        .to.be.revertedWithCustomError(settlement, "OracleTimestampAhead")
        .withArgs(t + MAX_ORACLE_DRIFT + 1, t + MAX_ORACLE_DRIFT);
      await time.setNextBlockTimestamp(t + 1);
      await expect(settlement.submitBatch(at(t + 1 + MAX_ORACLE_DRIFT), PROOF)).to.emit(settlement, "BatchFinalized");
    });
    it("rejects a newStateRoot that is not a field element", async () => {
      const { settlement, data } = await loadFixture(withTwoDeposits);
      const bad = Uint8Array.from(data);
      bad.set(ethers.getBytes(ethers.toBeHex(FIELD_MODULUS, 32)), layoutFor(ci).data.newStateRoot.offset);
      await expect(settlement.submitBatch(bad, PROOF)).to.be.revertedWithCustomError(settlement, "FieldOverflow").withArgs(FIELD_MODULUS);
    });
    it("rejects a header riskHash that is not a field element (the circuit admits none)", async () => {
      const { settlement, data } = await loadFixture(withTwoDeposits);
      const bad = Uint8Array.from(data);
      const L = layoutFor(ci);
      bad.set(ethers.getBytes(ethers.toBeHex(FIELD_MODULUS, 32)), L.data.header.offset + L.header.riskHash.offset);
      await expect(settlement.submitBatch(bad, PROOF)).to.be.revertedWithCustomError(settlement, "FieldOverflow").withArgs(FIELD_MODULUS);
    });
    it("rejects a batch built on a stale state root with StateRootMismatch", async () => {
      const { settlement, verifier, batch } = await loadFixture(withTwoDeposits);
      await verifier.setResult(false); // the root is checked before the proof (and before the other checks)
      const stale = encodeBatchData(ci, { ...batch, oldStateRoot: 0x9999n, depositsEnd: 3 });
      await expect(settlement.submitBatch(stale, PROOF))
        .to.be.revertedWithCustomError(settlement, "StateRootMismatch")
        .withArgs(GENESIS_ROOT, 0x9999n);
      await expect(settlement.computeInputHash(stale))
        .to.be.revertedWithCustomError(settlement, "StateRootMismatch")
        .withArgs(GENESIS_ROOT, 0x9999n);
      expect(await settlement.stateRoot()).to.equal(GENESIS_ROOT);
    });
    it("rejects a replayed batch with StateRootMismatch", async () => {
      const { settlement, verifier, data, expectedHash } = await loadFixture(withTwoDeposits);
      await verifier.expectInput(expectedHash); // a real verifier accepts this proof for this input only
      await expect(settlement.submitBatch(data, PROOF)).to.emit(settlement, "BatchFinalized");
      await expect(settlement.submitBatch(data, PROOF))
        .to.be.revertedWithCustomError(settlement, "StateRootMismatch")
        .withArgs(0xabcdn, GENESIS_ROOT);
      expect(await settlement.batchCount()).to.equal(1);
      expect(await settlement.stateRoot()).to.equal(0xabcdn);
    });
    it("reverts InvalidProof and changes nothing when the verifier returns false", async () => {
      const { settlement, verifier, data } = await loadFixture(withTwoDeposits);
      await verifier.setResult(false);
      await expect(settlement.submitBatch(data, PROOF)).to.be.revertedWithCustomError(settlement, "InvalidProof");
      expect(await settlement.stateRoot()).to.equal(GENESIS_ROOT);
      expect(await settlement.depositsConsumed()).to.equal(0);
    });
    it("rejects a caller other than the operator", async () => {
      const { settlement, as, alice, data } = await loadFixture(withTwoDeposits);
      await expect(as(alice).submitBatch(data, PROOF)).to.be.revertedWithCustomError(settlement, "NotOperator").withArgs(await alice.getAddress());
    });
  });

  describe("# transferOperator / acceptOperator", () => {
    it("hands the role over in two steps: the old operator submits until the new one accepts", async () => {
      const { settlement, as, operator, alice, data } = await loadFixture(withTwoDeposits);
      await expect(settlement.transferOperator(alice))
        .to.emit(settlement, "OperatorTransferStarted")
        .withArgs(await operator.getAddress(), await alice.getAddress());
      expect(await settlement.operator()).to.equal(await operator.getAddress());
      expect(await settlement.pendingOperator()).to.equal(await alice.getAddress());
      await expect(as(alice).acceptOperator()).to.emit(settlement, "OperatorChanged").withArgs(await operator.getAddress(), await alice.getAddress());
      expect(await settlement.pendingOperator()).to.equal(ethers.ZeroAddress);
      await expect(settlement.submitBatch(data, PROOF)).to.be.revertedWithCustomError(settlement, "NotOperator");
      await expect(as(alice).submitBatch(data, PROOF)).to.emit(settlement, "BatchFinalized");
    });
    it("rejects an accept by anyone but the pending operator, a transfer by a non-operator, and a cancelled transfer", async () => {
      const { settlement, as, alice, bob } = await loadFixture(deployCi);
      await expect(as(alice).transferOperator(alice)).to.be.revertedWithCustomError(settlement, "NotOperator");
      await expect(as(alice).acceptOperator()).to.be.revertedWithCustomError(settlement, "NotPendingOperator").withArgs(await alice.getAddress());
      await settlement.transferOperator(alice);
      await expect(as(bob).acceptOperator()).to.be.revertedWithCustomError(settlement, "NotPendingOperator").withArgs(await bob.getAddress());
      await settlement.transferOperator(ethers.ZeroAddress); // cancel
      await expect(as(alice).acceptOperator()).to.be.revertedWithCustomError(settlement, "NotPendingOperator");
    });
  });

  describe("# gas", () => {
    it("reports the gas of deposits and of submitBatch with the mock verifier", async () => {
      const rows: [string, bigint][] = [];
      for (const [name, p, fixture] of [["ci", ci, deployCi], ["prod", prod, deployProd]] as const) {
        const { settlement, as, alice } = await loadFixture(fixture);
        rows.push([`${name} depositNew (first)`, await gasOf(as(alice).depositNew(KEY.ax, KEY.ay, 500n))]);
        rows.push([`${name} depositNew`, await gasOf(as(alice).depositNew(KEY.ax, KEY.ay, 500n))]);
        rows.push([`${name} deposit (top-up)`, await gasOf(as(alice).deposit(1, 500n))]);
        const ops: WireOpInput[] = Array.from({ length: p.batchSize }, () => ({
          type: "TRADE",
          makerIndex: 1,
          takerIndex: 2,
          marketId: 1,
          makerIsBuy: true,
          q: 10n,
          price: 1_000_000n,
          makerFeeBps: 5,
          takerFeeBps: 5,
        }));
        const header = { timestamp: await time.latest(), markPrices: Array(p.markets).fill(1_000_000n), fundingRates: Array(p.markets).fill(0n), riskHash: FIELD_MODULUS - 1n };
        const data = encodeBatchData(p, { oldStateRoot: GENESIS_ROOT, newStateRoot: 77n, depositsEnd: 3, header, ops });
        rows.push([`${name} submitBatch (N=${p.batchSize}, ${data.length} bytes, mock verifier)`, await gasOf(settlement.submitBatch(data, PROOF))]);
      }
      for (const [what, gas] of rows) console.log(`      ${what.padEnd(58)} ${gas}`);
      expect(rows.every(([, g]) => g > 0n)).to.equal(true);
    });
  });
});
