/**
 * What the sequencer's durable journal must write since it last looked: resting orders
 * added or removed, batches held or gone, and the fates of ops (sequencer-intake.ts
 * writes them before a client is answered).
 */
import type { OpFate } from "./sequencer-ids";
import type { SequencerChanges } from "./sequencer-types";

export class ChangeLog {
  private orders = new Set<string>();
  private batches = new Set<number>();
  private fates = new Map<string, OpFate>();

  order(id: string): void {
    this.orders.add(id);
  }

  batch(k: number): void {
    this.batches.add(k);
  }

  fate(id: string, f: OpFate): void {
    this.fates.set(id, f);
  }

  /** True when something changed since the last `take`. */
  any(): boolean {
    return this.orders.size + this.batches.size + this.fates.size > 0;
  }

  /** Takes back changes a journal could not write (a newer fate of an op wins). */
  owe(c: SequencerChanges): void {
    for (const id of c.orders) this.orders.add(id);
    for (const k of c.batches) this.batches.add(k);
    for (const [id, f] of c.fates) if (!this.fates.has(id)) this.fates.set(id, f);
  }

  /** The changes so far, forgotten here. */
  take(): SequencerChanges {
    const c = { orders: this.orders, batches: this.batches, fates: this.fates };
    this.orders = new Set();
    this.batches = new Set();
    this.fates = new Map();
    return c;
  }

  clear(): void {
    this.take();
  }
}
