/**
 * API keys and their roles. Only sha256 digests of the keys are configured and kept; a
 * presented key is hashed and compared with every digest in constant time (no early
 * exit, so the time does not say which digest or how much of it matched). A key
 * travels as `Authorization: Bearer <key>` or `X-API-Key: <key>`.
 *
 * Each configured entry is `<digest>` or `<role>[+<role>…][@<account>…]:<digest>`
 * (docs/api.md, "Roles"):
 *
 * | role      | may                                                                  |
 * |-----------|----------------------------------------------------------------------|
 * | trader    | POST /v1/ops (orders, withdrawals, liquidations, settlements)        |
 * | operator  | POST /v1/batches, POST /v1/jobs/:id/cancel, POST /v1/risk/overrides  |
 * | oracle    | POST /v1/oracle/headers                                              |
 * | read-only | nothing that writes (GET /v1/auth/check answers with its roles)       |
 *
 * A bare digest has the roles of a one-operator deployment: trader, operator and
 * oracle. `@<account>` binds the key to an account (repeatable: `trader@3@7:…`); once
 * any entry does, reads become private (read-scope.ts): a trader reads its accounts.
 * Without a binding anywhere, reads need no key.
 */
import { createHash, timingSafeEqual } from "node:crypto";

export { ROLES, BARE_KEY_ROLES, KEY_ENTRY, type Role } from "../service/key-entry";
import { ROLES, BARE_KEY_ROLES, KEY_ENTRY, type Role } from "../service/key-entry";

/** The sha256 hex digest of an API key (what `--api-key-hashes` takes). */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** The presented key, from `Authorization: Bearer` or `X-API-Key`. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === "string") {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m !== null) return m[1];
  }
  const x = headers["x-api-key"];
  return typeof x === "string" && x !== "" ? x : undefined;
}

/** What a key may: its roles and the accounts it is bound to. */
export interface Grant {
  readonly roles: ReadonlySet<Role>;
  readonly accounts: ReadonlySet<number>;
}

/** A configured entry: its digest, roles and bound accounts. */
export function parseKeyEntry(entry: string): { readonly digest: string; readonly roles: readonly Role[]; readonly accounts: readonly number[] } {
  if (!KEY_ENTRY.test(entry)) throw new RangeError(`API key entry ${JSON.stringify(entry)} is not [role[+role…][@account…]:]<64 lowercase hex> (roles: ${ROLES.join(", ")})`);
  const colon = entry.lastIndexOf(":");
  if (colon < 0) return { digest: entry, roles: BARE_KEY_ROLES, accounts: [] };
  const [roles, ...accounts] = entry.slice(0, colon).split("@");
  return { digest: entry.slice(colon + 1), roles: [...new Set(roles.split("+") as Role[])], accounts: [...new Set(accounts.map(Number))] };
}

export class ApiKeys {
  private readonly digests: Buffer[];
  private readonly roleSets: ReadonlySet<Role>[];
  private readonly accountSets: ReadonlySet<number>[];
  /** True when some entry binds its key to accounts: reads are private then (read-scope.ts). */
  readonly bindsAccounts: boolean;

  /** @param entries - `[role[+role…][@account…]:]<sha256 hex>` each */
  constructor(entries: readonly string[]) {
    const parsed = entries.map(parseKeyEntry);
    this.digests = parsed.map((p) => Buffer.from(p.digest, "hex"));
    this.roleSets = parsed.map((p) => new Set(p.roles));
    this.accountSets = parsed.map((p) => new Set(p.accounts));
    this.bindsAccounts = parsed.some((p) => p.accounts.length > 0);
  }

  /** True when `key` hashes to one of the configured digests. */
  check(key: string | undefined): boolean {
    return this.roles(key) !== undefined;
  }

  /** The roles of `key` (the union when several entries name its digest), or undefined for an unknown key. */
  roles(key: string | undefined): ReadonlySet<Role> | undefined {
    return this.grant(key)?.roles;
  }

  /** The roles and accounts of `key` (unions over the entries naming its digest), or undefined for an unknown key. */
  grant(key: string | undefined): Grant | undefined {
    if (key === undefined || key.length > 512) return undefined;
    const d = createHash("sha256").update(key, "utf8").digest();
    const hits: boolean[] = this.digests.map((h) => timingSafeEqual(d, h));
    if (!hits.includes(true)) return undefined;
    const roles = new Set<Role>();
    const accounts = new Set<number>();
    hits.forEach((hit, i) => {
      if (!hit) return;
      for (const r of this.roleSets[i]) roles.add(r);
      for (const a of this.accountSets[i]) accounts.add(a);
    });
    return { roles, accounts };
  }
}
