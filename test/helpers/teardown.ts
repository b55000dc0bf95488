/**
 * The end of an end-to-end test, whatever it got to start before it failed: `serve`
 * processes are killed (SIGKILL: a test's service has nothing left to save), child
 * processes too, then the chain, the Redis servers and the temporary folders go.
 */
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import type { RedisServer } from "./redis-server";
import type { ServiceProcess } from "./service-process";

export interface Started {
  readonly services?: readonly (ServiceProcess | undefined)[];
  readonly children?: readonly (ChildProcess | undefined)[];
  readonly chain?: { stop(): Promise<void> };
  readonly redis?: readonly (RedisServer | undefined)[];
  readonly dirs?: readonly (string | undefined)[];
}

/** SIGKILLs the process and waits for its exit; returns the signal that ended it. */
export async function kill9(svc: ServiceProcess): Promise<NodeJS.Signals | null> {
  svc.kill("SIGKILL");
  return (await svc.exited).signal;
}

/** Stops and removes everything in `s`, in that order; a missing piece is skipped. */
export async function teardown(s: Started): Promise<void> {
  const services = (s.services ?? []).filter((x): x is ServiceProcess => x !== undefined);
  await Promise.all(services.map(kill9));
  for (const c of s.children ?? []) c?.kill("SIGKILL");
  await s.chain?.stop();
  for (const r of s.redis ?? []) await r?.stop();
  for (const d of [...(s.redis ?? []).map((r) => r?.dir), ...(s.dirs ?? [])]) if (d !== undefined) fs.rmSync(d, { recursive: true, force: true });
}
