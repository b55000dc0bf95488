/**
 * The quaternary sparse Merkle tree of accounts (protocol.md section 3).
 *
 * node = Poseidon(c0, c1, c2, c3), children in order of the base-4 digit of the
 * account index at that level, the least significant digit at the leaf level:
 * digit at level ℓ = (index >> 2ℓ) & 3, ℓ = 0 at the leaves. Empty subtrees are the
 * zero hashes z0 = 0, z(k+1) = Poseidon(zk, zk, zk, zk). Only nodes that differ from
 * their zero hash are stored, so depth 12 (16.7 million leaves) costs memory only for
 * the accounts that exist.
 */
import { poseidon } from "./crypto";

const zeroCache: bigint[] = [0n];

/**
 * The zero hashes z0..zD.
 * @returns an array of length depth + 1; [k] is the root of an empty subtree of height k
 */
export function zeroHashes(depth: number): bigint[] {
  while (zeroCache.length <= depth) {
    const z = zeroCache[zeroCache.length - 1];
    zeroCache.push(poseidon([z, z, z, z]));
  }
  return zeroCache.slice(0, depth + 1);
}

/** The base-4 digit of `index` at `level` (0 = leaf level). */
export function digitAt(index: number, level: number): number {
  return Math.floor(index / 4 ** level) % 4;
}

/**
 * Recomputes a root from a leaf and its siblings (as `QuadTree.siblings` returns
 * them): what the circuit's update template does.
 */
export function rootFromPath(index: number, leaf: bigint, siblings: readonly (readonly bigint[])[]): bigint {
  let node = leaf;
  siblings.forEach((sib, level) => {
    const children = [...sib];
    children.splice(digitAt(index, level), 0, node);
    node = poseidon(children);
  });
  return node;
}

/** A quaternary sparse Merkle tree of fixed depth D with 4^D leaves. */
export class QuadTree {
  readonly depth: number;
  readonly capacity: number;
  private readonly zeros: bigint[];
  /** Non-zero-hash nodes, keyed by level * 4^D + position at that level. */
  private readonly nodes: Map<number, bigint>;

  constructor(depth: number, nodes?: Map<number, bigint>) {
    if (!Number.isInteger(depth) || depth < 1 || depth > 15) throw new RangeError(`tree depth ${depth} outside 1..15`);
    this.depth = depth;
    this.capacity = 4 ** depth;
    this.zeros = zeroHashes(depth);
    this.nodes = nodes ?? new Map();
  }

  /** An independent copy. */
  clone(): QuadTree {
    return new QuadTree(this.depth, new Map(this.nodes));
  }

  private key(level: number, pos: number): number {
    return level * this.capacity + pos;
  }

  private node(level: number, pos: number): bigint {
    return this.nodes.get(this.key(level, pos)) ?? this.zeros[level];
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.capacity) {
      throw new RangeError(`leaf index ${index} outside 0..${this.capacity - 1}`);
    }
  }

  /** The root. */
  get root(): bigint {
    return this.node(this.depth, 0);
  }

  /** The leaf at `index` (0 when empty). */
  get(index: number): bigint {
    this.checkIndex(index);
    return this.node(0, index);
  }

  /** Sets the leaf at `index` and rehashes its path to the root. */
  set(index: number, leaf: bigint): void {
    this.checkIndex(index);
    let pos = index;
    let value = leaf;
    for (let level = 0; ; level++) {
      const k = this.key(level, pos);
      if (value === this.zeros[level]) this.nodes.delete(k);
      else this.nodes.set(k, value);
      if (level === this.depth) return;
      const first = pos - (pos % 4);
      const children = [0, 1, 2, 3].map((c) => this.node(level, first + c));
      value = children.every((c) => c === this.zeros[level]) ? this.zeros[level + 1] : poseidon(children);
      pos = Math.floor(pos / 4);
    }
  }

  /**
   * The Merkle path of `index`: for each level from the leaf up, the three other
   * children of the node on the path, in child order (the path's own position removed).
   * @returns D arrays of 3
   */
  siblings(index: number): bigint[][] {
    this.checkIndex(index);
    const out: bigint[][] = [];
    let pos = index;
    for (let level = 0; level < this.depth; level++) {
      const first = pos - (pos % 4);
      const sib: bigint[] = [];
      for (let c = 0; c < 4; c++) if (first + c !== pos) sib.push(this.node(level, first + c));
      out.push(sib);
      pos = Math.floor(pos / 4);
    }
    return out;
  }
}
