import { expect } from "chai";
import type { Provider } from "ethers";
import { confirmationsRule, isFinalBlock } from "../../../prover/chain/finality-rule";
import { defaultRiskConfig } from "../../../prover/risk/controls";
import { finalityRuleOf } from "../../../prover/service/chain-watch";

/** A node at `head` that serves the given tags (absent: answers the tag with an error). */
function node(head: number, tags: Partial<Record<"finalized" | "safe", number | null>>): Provider {
  return {
    getBlockNumber: async () => head,
    getBlock: async (tag: string) => {
      const n = tags[tag as "finalized" | "safe"];
      if (n === undefined) throw new Error(`unknown block tag ${tag}`);
      return n === null ? null : { number: n };
    },
  } as unknown as Provider;
}

describe("prover/chain finality rule", () => {
  it("takes the node's finalized tag where it is served, however many confirmations a block has", async () => {
    const rule = finalityRuleOf(defaultRiskConfig(4), 1);
    expect(rule).to.deep.equal({ tag: "finalized", confirmations: 3, minConfirmations: 1 });
    const n = node(200, { finalized: 136 });
    expect(await isFinalBlock(n, 136, rule)).to.equal(true);
    // 64 confirmations and still above the finalized block: not final
    expect(await isFinalBlock(n, 137, rule)).to.equal(false);
  });

  it("falls back to the risk config's confirmations where the node does not serve the tag (error or null)", async () => {
    const rule = finalityRuleOf({ finality: "safe", confirmations: 5 }, 2);
    for (const n of [node(100, {}), node(100, { safe: null })]) {
      expect(await isFinalBlock(n, 96, rule)).to.equal(true);
      expect(await isFinalBlock(n, 97, rule)).to.equal(false);
    }
  });

  it("keeps --confirmations as a minimum depth under a tag, and the larger of the two under the confirmations rule", async () => {
    const tagged = finalityRuleOf({ finality: "finalized", confirmations: 3 }, 2);
    // a node whose finalized tag is its head (hardhat): the minimum depth still holds
    expect(await isFinalBlock(node(50, { finalized: 50 }), 50, tagged)).to.equal(false);
    expect(await isFinalBlock(node(51, { finalized: 51 }), 50, tagged)).to.equal(true);
    expect(finalityRuleOf({ finality: "confirmations", confirmations: 3 }, 6)).to.deep.equal(confirmationsRule(6));
    expect(await isFinalBlock(node(10, { finalized: 10 }), 8, confirmationsRule(3))).to.equal(true);
    expect(await isFinalBlock(node(10, { finalized: 10 }), 9, confirmationsRule(3))).to.equal(false);
  });
});
