/**
 * The full state: parameters, accounts (their tree) and the global state.
 * `applyBatch` works on a clone, so a `State` handed to it never changes.
 *
 * A state may defer its leaves (`deferringClone`): `setAccount` then only notes the
 * account, and the tree is brought up to date when it is next read (`tree`, the roots).
 * The sequencer's pending batch works so (docs/decisions.md, "Order intake at exchange
 * speed"): its rules read accounts, never roots, so an order costs no Poseidon, and
 * what reads a root gets the same root as without deferral.
 */
import { accountLeaf, emptyAccount, isEmptyAccount, type Account } from "./account";
import { globalHash, stateRoot, type GlobalState } from "./global";
import type { Params } from "./params";
import { QuadTree } from "./tree";

export class State {
  readonly params: Params;
  private readonly accountMap: Map<number, Account>;
  private accountTree: QuadTree;
  private globalState: GlobalState;
  /** Deferring: accounts written since the tree was last brought up to date; else undefined. */
  private readonly stale: Set<number> | undefined;

  constructor(params: Params, global: GlobalState, accounts?: Map<number, Account>, tree?: QuadTree, stale?: Set<number>) {
    this.params = params;
    this.globalState = global;
    this.accountMap = accounts ?? new Map();
    this.accountTree = tree ?? new QuadTree(params.accountDepth);
    this.stale = stale;
  }

  /** An independent copy (accounts are immutable values and are shared), deferring if this one is. */
  clone(): State {
    return new State(this.params, this.globalState, new Map(this.accountMap), this.accountTree.clone(), this.stale && new Set(this.stale));
  }

  /** An independent copy that defers its leaves until its tree is read. */
  deferringClone(): State {
    return new State(this.params, this.globalState, new Map(this.accountMap), this.accountTree.clone(), new Set(this.stale));
  }

  /**
   * Takes a copy of `other`'s tree in place of its own deferred leaves: for a state
   * shown to hold the same accounts (`sameState`), whose tree is already hashed (the
   * cut check's `applyBatch` result), so that its leaves are not hashed a second time.
   */
  adoptTreeOf(other: State): void {
    this.accountTree = other.tree.clone();
    this.stale?.clear();
  }

  /** The accounts tree, up to date; mutate it only through `setAccount`. */
  get tree(): QuadTree {
    if (this.stale !== undefined && this.stale.size > 0) {
      for (const i of this.stale) this.accountTree.set(i, accountLeaf(this.account(i)));
      this.stale.clear();
    }
    return this.accountTree;
  }

  /** The global state. */
  get global(): GlobalState {
    return this.globalState;
  }

  /** Replaces the global state. */
  setGlobal(g: GlobalState): void {
    this.globalState = g;
  }

  /** The non-empty accounts, by index. */
  get accounts(): ReadonlyMap<number, Account> {
    return this.accountMap;
  }

  /** Number of leaves, 4^D. */
  get capacity(): number {
    return this.accountTree.capacity;
  }

  /** The account at `index` (an empty account when none is registered there). */
  account(index: number): Account {
    return this.accountMap.get(index) ?? emptyAccount(this.params.positionSlots);
  }

  /** Writes an account and its leaf. An empty account removes the entry. */
  setAccount(index: number, a: Account): void {
    if (a.positions.length !== this.params.positionSlots) {
      throw new RangeError(`account has ${a.positions.length} slots, params say ${this.params.positionSlots}`);
    }
    if (this.stale !== undefined) {
      if (!Number.isInteger(index) || index < 0 || index >= this.accountTree.capacity) {
        throw new RangeError(`leaf index ${index} outside 0..${this.accountTree.capacity - 1}`);
      }
      this.stale.add(index);
    } else {
      this.accountTree.set(index, accountLeaf(a));
    }
    if (isEmptyAccount(a)) this.accountMap.delete(index);
    else this.accountMap.set(index, a);
  }

  /** The accounts root. */
  accountsRoot(): bigint {
    return this.tree.root;
  }

  /** `globalHash` of the global state. */
  globalHash(): bigint {
    return globalHash(this.globalState);
  }

  /** `stateRoot = Poseidon(accountsRoot, globalHash)`. */
  stateRoot(): bigint {
    return stateRoot(this.tree.root, this.globalHash());
  }
}
