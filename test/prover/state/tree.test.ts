import { expect } from "chai";
import { initCrypto, poseidon } from "../../../prover/state/crypto";
import { QuadTree, digitAt, rootFromPath, zeroHashes } from "../../../prover/state/tree";

/** The root of a full tree computed level by level from all 4^D leaves. */
function naiveRoot(depth: number, leaves: Map<number, bigint>): bigint {
  let level = Array.from({ length: 4 ** depth }, (_, i) => leaves.get(i) ?? 0n);
  while (level.length > 1) {
    const up: bigint[] = [];
    for (let i = 0; i < level.length; i += 4) up.push(poseidon(level.slice(i, i + 4)));
    level = up;
  }
  return level[0];
}

describe("prover/state tree: quaternary sparse Merkle tree", () => {
  before(initCrypto);

  it("has zero hashes z0 = 0 and z(k+1) = Poseidon(zk, zk, zk, zk)", () => {
    const z = zeroHashes(4);
    expect(z[0]).to.equal(0n);
    for (let k = 0; k < 4; k++) expect(z[k + 1]).to.equal(poseidon([z[k], z[k], z[k], z[k]]));
    expect(new QuadTree(3).root).to.equal(z[3]);
  });

  it("takes the least significant base-4 digit at the leaf level", () => {
    expect([0, 1, 2].map((l) => digitAt(0b100111, l))).to.deep.equal([3, 1, 2]);
  });

  for (const depth of [2, 3]) {
    it(`matches a naive full-tree root at depth ${depth} after every set`, () => {
      const t = new QuadTree(depth);
      const leaves = new Map<number, bigint>();
      const picks = [5, 0, 4 ** depth - 1, 7, 5, 22 % 4 ** depth, 1];
      picks.forEach((i, n) => {
        const leaf = BigInt(1000 + n * 7919);
        t.set(i, leaf);
        leaves.set(i, leaf);
        expect(t.root).to.equal(naiveRoot(depth, leaves));
        expect(t.get(i)).to.equal(leaf);
      });
    });

    it(`gives siblings in child order that rebuild the root at depth ${depth}`, () => {
      const t = new QuadTree(depth);
      for (let i = 0; i < 4 ** depth; i += 3) t.set(i, BigInt(i * i + 1));
      for (let i = 0; i < 4 ** depth; i++) {
        const sib = t.siblings(i);
        expect(sib).to.have.length(depth);
        sib.forEach((level) => expect(level).to.have.length(3));
        expect(rootFromPath(i, t.get(i), sib)).to.equal(t.root);
      }
    });
  }

  it("lists the siblings of index 6 at depth 2 as the other children of each node", () => {
    const t = new QuadTree(2);
    for (let i = 0; i < 16; i++) t.set(i, BigInt(100 + i));
    const node = (c: number) => poseidon([0, 1, 2, 3].map((j) => BigInt(100 + 4 * c + j)));
    expect(t.siblings(6)).to.deep.equal([
      [104n, 105n, 107n],
      [node(0), node(2), node(3)],
    ]);
  });

  it("returns to the empty root when every leaf is cleared", () => {
    const t = new QuadTree(3);
    const empty = t.root;
    t.set(9, 42n);
    t.set(63, 43n);
    t.set(9, 0n);
    t.set(63, 0n);
    expect(t.root).to.equal(empty);
  });

  it("stores only non-empty nodes so depth 12 works", () => {
    const t = new QuadTree(12);
    t.set(16_777_215, 1n);
    t.set(123_456, 2n);
    expect(rootFromPath(16_777_215, 1n, t.siblings(16_777_215))).to.equal(t.root);
    expect(t.get(42)).to.equal(0n);
  });

  it("clones independently", () => {
    const t = new QuadTree(2);
    t.set(1, 5n);
    const c = t.clone();
    c.set(2, 6n);
    expect(t.get(2)).to.equal(0n);
    expect(t.root).to.not.equal(c.root);
  });

  it("refuses indices outside the tree", () => {
    expect(() => new QuadTree(2).set(16, 1n)).to.throw(RangeError);
  });
});
