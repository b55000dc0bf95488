/**
 * What the risk routes and metrics read and change: the last risk update, its recent
 * history and the operator overrides. The service's implementation is
 * prover/service/risk-loop.ts; tests pass a fixed one.
 */
import type { OverrideChange, Overrides } from "./overrides";
import type { RiskPlan } from "./plan";
import type { RiskHistoryPoint } from "./views";

export type { RiskHistoryPoint } from "./views";

/** The node's client version as last seen, and whether it changed while the service ran. */
export interface ClientVersionView {
  readonly current: string;
  readonly previous?: string;
  /** ms since epoch of the last change (undefined: none seen). */
  readonly changedAt?: number;
}

/** What the routes read and change; the service keeps the plan and persists overrides. */
export interface RiskSource {
  /** The last risk update (undefined before the first). */
  plan(): RiskPlan | undefined;
  /** The last updates, oldest first (absent: no history kept). */
  history?(): readonly RiskHistoryPoint[];
  overrides(): Overrides;
  /** Applies, persists and returns the new overrides (throws OverrideError when refused). */
  setOverride(change: OverrideChange): Overrides | Promise<Overrides>;
  /** The settlement node's `web3_clientVersion` (absent or undefined: not read). */
  clientVersion?(): ClientVersionView | undefined;
  /** Reads the overrides again from where they are persisted (another process may share them). */
  refreshOverrides?(): Promise<void>;
  /** Clock for the audit log (default Date.now). */
  now?(): number;
}
