/**
 * The operator tasks of tasks/settlement.ts, run in-process on the Hardhat network.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import hre, { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { buildExitProof, exitEquity, exitProofToJson } from "../../prover/chain/exit-proof";
import { FREEZE_DEADLINE, deployOnGenesis } from "./helpers";

describe("Hardhat tasks", () => {
  it("zk:deploy deploys a settlement contract that zk:inspect reads", async () => {
    const verifier = await ethers.deployContract("MockVerifier");
    const logs: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => logs.push(a.join(" "));
    try {
      await hre.run("zk:deploy", { params: "ci", verifier: await verifier.getAddress(), forcedDeadline: 3600, maxOracleDrift: 300 });
      const { settlement } = JSON.parse(logs[logs.length - 1]) as { settlement: string };
      await hre.run("zk:inspect", { settlement });
      const view = JSON.parse(logs[logs.length - 1]) as { frozen: boolean; forcedDeadline: string; parameters: { D: string } };
      expect(view.frozen).to.equal(false);
      expect(view.forcedDeadline).to.equal("3600");
      expect(view.parameters.D).to.equal("2");
    } finally {
      console.log = log;
    }
  });

  it("zk:request-forced-withdrawal, zk:freeze, zk:exit (with a proof file) and zk:claim drive the escape hatch", async () => {
    const f = await deployOnGenesis();
    const s = await f.openThree();
    const { devWithdrawal } = await import("../../prover/dev/fixtures");
    const last = await f.submit([devWithdrawal(s, 1, 5n)]); // credited to alice; the operator account (signer 0) owns account 0
    const settlement = await f.settlement.getAddress();
    const log = console.log;
    console.log = () => undefined;
    try {
      await f.settlement.transferAccountOwnership(0, f.operator); // no-op: the signer already owns account 0
      await f.as(f.alice).transferAccountOwnership(1, f.operator); // so the first signer may request for account 1
      await hre.run("zk:request-forced-withdrawal", { settlement, account: 1, amount: "7" });
      await time.increase(FREEZE_DEADLINE + 1);
      await hre.run("zk:freeze", { settlement });
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "zk-exit-")), "exit.json");
      fs.writeFileSync(file, JSON.stringify(exitProofToJson(buildExitProof(last, 2))));
      const before = await f.token.balanceOf(f.bob);
      await hre.run("zk:exit", { settlement, account: 2, proof: file });
      expect((await f.token.balanceOf(f.bob)) - before).to.equal(exitEquity(last, 2));
      const before3 = await f.token.balanceOf(f.carol);
      await hre.run("zk:exit", { settlement, account: 3 }); // the proof built from chain data alone
      expect((await f.token.balanceOf(f.carol)) - before3).to.equal(exitEquity(last, 3));
      const refused = await hre.run("zk:claim", { settlement }).then(
        () => false,
        () => true,
      );
      expect(refused).to.equal(true); // the first signer has nothing credited
    } finally {
      console.log = log;
    }
    expect(await f.settlement.frozen()).to.equal(true);
    await expect(f.as(f.alice).claim(f.alice)).to.changeTokenBalance(f.token, f.alice, 5n);
  });
});
