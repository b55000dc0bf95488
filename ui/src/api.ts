// The service's public API as the dashboard reads it (docs/api.md, docs/ui.md).

import type { JobState } from "../../prover/store/job-states";
import type {
  AtRiskAccountWire as AtRiskAccount,
  AtRiskView,
  CapacityView,
  JobList,
  JobView,
  MarketRiskWire as MarketRisk,
  OpSummary,
  OverridesView as OverrideLog,
  RiskHistoryView as RiskHistory,
  RiskView,
} from "../../prover/api/wire-types";

// The job, capacity and risk answers are the service's own types (type-only: erased by
// vite, and those files import no Node code, so `tsc -p ui` checks them without Node's
// types); the routes return them typed, so a renamed field breaks the service's build.
export type { AtRiskAccount, AtRiskView, CapacityView as Capacity, JobList, JobState, JobView, MarketRisk, OpSummary, OverrideLog, RiskHistory, RiskView };

/** The pipeline's stages in order (the service's JOB_STATES without the two other ends). */
export const STAGES = ["queued", "witness", "proving", "verifying", "submitting", "confirmed"] as const satisfies readonly JobState[];
export type Stage = (typeof STAGES)[number];

/** An answer that is not 2xx, with the service's error body when it has one. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
  get auth(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

const KEY_STORE = "zksettle.apiKey";

export function loadKey(): string {
  try {
    return sessionStorage.getItem(KEY_STORE) ?? "";
  } catch {
    return "";
  }
}

export function saveKey(key: string): void {
  try {
    if (key === "") sessionStorage.removeItem(KEY_STORE);
    else sessionStorage.setItem(KEY_STORE, key);
  } catch {
    /* storage unavailable: the key lives in memory only */
  }
}

async function failure(res: Response): Promise<ApiFailure> {
  let code: string | undefined;
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { code?: string; message?: string };
    code = body.code;
    if (body.message) message = body.message;
  } catch {
    /* not JSON */
  }
  return new ApiFailure(res.status, code, message);
}

/** GET JSON (read-only routes need no key). */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { signal, headers: { accept: "application/json" }, cache: "no-store" });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

export async function getText(path: string, signal?: AbortSignal): Promise<string> {
  const res = await fetch(path, { signal, cache: "no-store" });
  if (!res.ok) throw await failure(res);
  return res.text();
}

/** An operator (write) request with the API key. */
export async function operator<T>(method: "GET" | "POST", path: string, key: string): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (key !== "") headers.authorization = `Bearer ${key}`;
  const res = await fetch(path, { method, headers, cache: "no-store" });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

export function describeFailure(err: unknown): string {
  if (err instanceof ApiFailure) return `${err.status}${err.code ? " " + err.code : ""}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
