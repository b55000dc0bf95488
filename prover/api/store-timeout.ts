/**
 * A bound on how long a request waits for the store. The Redis connection waits for
 * Redis to come back rather than fail a write (redis-store.ts), which is right for the
 * engine and wrong for a client: with Redis down every call that reaches it would hang.
 * Behind `withStoreTimeout` each promise the engine, the ledger or the records return
 * answers within `--store-timeout` ms, or fails with 503 PRV_ERR_STORE_UNAVAILABLE and
 * `Retry-After`. The call itself goes on: when Redis returns it completes, and a client
 * that retries with its `Idempotency-Key` gets that call's answer, not a second effect.
 */
import { ApiError } from "./errors";

/** The 503 of a store that did not answer in time. */
export function storeUnavailable(what: string, ms: number, retryAfterS: number): ApiError {
  return new ApiError("PRV_ERR_STORE_UNAVAILABLE", `the job store did not answer ${what} within ${ms} ms; retry shortly`, { timeoutMs: ms }, { "retry-after": String(retryAfterS) });
}

/** `p`, or a rejection with `storeUnavailable` after `ms`. */
export function withinTime<T>(p: Promise<T>, what: string, ms: number, retryAfterS: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(storeUnavailable(what, ms, retryAfterS)), ms);
    timer.unref();
  });
  p.catch(() => undefined); // a late failure of the abandoned call is not unhandled
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/**
 * `target` with every method that returns a promise bounded by `ms` (methods that
 * answer synchronously, like an EventEmitter's `on`, are unchanged).
 */
export function withStoreTimeout<T extends object>(target: T, ms: number, retryAfterS: number): T {
  return new Proxy(target, {
    get(t, prop) {
      // the target is the receiver: a getter or private field sees the real object
      const v: unknown = Reflect.get(t, prop, t);
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        const r: unknown = (v as (...a: unknown[]) => unknown).apply(t, args);
        return r instanceof Promise ? withinTime(r, String(prop), ms, retryAfterS) : r;
      };
    },
  });
}
