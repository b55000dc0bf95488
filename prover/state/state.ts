/**
 * The full state: parameters, accounts (their tree) and the global state.
 * `applyBatch` works on a clone, so a `State` handed to it never changes.
 */
import { accountLeaf, emptyAccount, isEmptyAccount, type Account } from "./account";
import { globalHash, stateRoot, type GlobalState } from "./global";
import type { Params } from "./params";
import { QuadTree } from "./tree";

export class State {
  readonly params: Params;
  private readonly accountMap: Map<number, Account>;
  /** The accounts tree; mutate it only through `setAccount`. */
  readonly tree: QuadTree;
  private globalState: GlobalState;

  constructor(params: Params, global: GlobalState, accounts?: Map<number, Account>, tree?: QuadTree) {
    this.params = params;
    this.globalState = global;
    this.accountMap = accounts ?? new Map();
    this.tree = tree ?? new QuadTree(params.accountDepth);
  }

  /** An independent copy (accounts are immutable values and are shared). */
  clone(): State {
    return new State(this.params, this.globalState, new Map(this.accountMap), this.tree.clone());
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
    return this.tree.capacity;
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
    this.tree.set(index, accountLeaf(a));
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
