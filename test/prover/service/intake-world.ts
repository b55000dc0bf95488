/**
 * A sequencer node for the intake tests: a job store, the ledger on it, a sequencer with
 * the dev oracle and its intake, the way `zksettle serve` wires them (without the
 * prover and the chain: a cut batch becomes a job in the ledger and stays queued).
 * `crashAfter` makes every store write from the n-th on hang forever, as if the
 * process had died there: what was written before is all a restart finds.
 */
import pino from "pino";
import { CI_PARAMS, depositNew, devGenesis, signedHeader } from "../../../prover/dev/fixtures";
import { Ledger } from "../../../prover/service/ledger";
import { Sequencer } from "../../../prover/service/sequencer";
import { SequencerIntake } from "../../../prover/service/sequencer-intake";
import type { Params } from "../../../prover/state/params";
import type { State } from "../../../prover/state/state";
import type { JobStore } from "../../../prover/store/job-store";
import type { SequencerJournal } from "../../../prover/store/journal";

export const PARAMS: Params = { ...CI_PARAMS, batchSize: 4 };
export const USDC = 1_000_000n;
export type Store = JobStore & SequencerJournal;

const WRITES = new Set(["create", "transition", "cancelNewest", "writeJournal"]);

/**
 * The store, with every write from the `n`-th on (1-based), or from `kill()` on,
 * never finishing: a process that died there. `kill` resolves once the writes already
 * sent have landed (a restarted process starts long after them).
 */
export function crashing(store: Store, n: number): { store: Store; kill: () => Promise<void> } {
  let writes = 0;
  let dead = false;
  const inflight = new Set<Promise<unknown>>();
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== "function") return v;
      if (!WRITES.has(String(prop))) return (v as (...a: unknown[]) => unknown).bind(target);
      return (...args: unknown[]) => {
        writes++;
        if (dead || writes >= n) return new Promise(() => undefined);
        const p = Promise.resolve((v as (...a: unknown[]) => unknown).apply(target, args));
        inflight.add(p);
        void p.finally(() => inflight.delete(p)).catch(() => undefined);
        return p;
      };
    },
  });
  return {
    store: proxy,
    kill: async () => {
      dead = true;
      await Promise.allSettled([...inflight]);
    },
  };
}

/**
 * The store, with the leader lease handed to another process (`depose`) just before the
 * `n`-th write: that write and every later one are refused by the fence, as for a leader
 * deposed while its writes were on their way.
 */
export function deposing(store: Store, n: number, depose: () => Promise<void>): Store {
  let writes = 0;
  return new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== "function") return v;
      if (!WRITES.has(String(prop))) return (v as (...a: unknown[]) => unknown).bind(target);
      return async (...args: unknown[]) => {
        if (++writes === n) await depose();
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

export interface Node {
  readonly ledger: Ledger;
  readonly seq: Sequencer;
  readonly intake: SequencerIntake;
}

/** Starts a node on `store`: the ledger replayed, the sequencer restored from the journal. */
export async function startNode(store: Store, genesis: State): Promise<Node> {
  const ledger = await Ledger.open(store, genesis);
  const seq = new Sequencer({
    state: ledger.pendingState(),
    clock: () => 1_000_000,
    batchIntervalMs: 3_600_000,
    maxRestingOrders: 1000,
    devOracle: (s) => signedHeader(s, s.global.oracleTimestamp + 1n),
  });
  const intake = new SequencerIntake(
    seq,
    store,
    {
      submitBatch: async (b) => (await ledger.append(b)).job,
      ledgerState: () => ledger.pendingState(),
      ledgerBatches: () => store.ledger(),
    },
    pino({ level: "silent" }),
  );
  await intake.restore();
  return { ledger, seq, intake };
}

/** Genesis with accounts 1..4 funded by a first batch in the store's ledger. */
export async function fundedStore(store: Store): Promise<State> {
  const genesis = await devGenesis(PARAMS);
  const ledger = await Ledger.open(store, genesis);
  await ledger.append({ header: signedHeader(genesis, 1000n), ops: [1, 2, 3, 4].map(() => ({ type: "DEPOSIT" as const })), deposits: [1, 2, 3, 4].map((i) => depositNew(i, 1_000_000n * USDC)) });
  return genesis;
}
