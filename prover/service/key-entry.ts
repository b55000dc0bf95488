/**
 * The grammar of one `--api-key-hashes` entry and the roles it names (docs/api.md,
 * "Roles"). It lives in the service, not in prover/api/auth.ts, because the config
 * validates entries before any HTTP app exists: config must not import the HTTP layer.
 */
/** The roles a key may carry. */
export const ROLES = ["trader", "operator", "oracle", "read-only"] as const;
/** One of `ROLES`. */
export type Role = (typeof ROLES)[number];
/** The roles of an entry that is a bare digest. */
export const BARE_KEY_ROLES: readonly Role[] = ["trader", "operator", "oracle"];

const ROLE = `(?:${ROLES.join("|")})`;
/** One `--api-key-hashes` entry: `[role[+role…][@account…]:]<sha256 hex>`. */
export const KEY_ENTRY = new RegExp(`^(?:${ROLE}(?:\\+${ROLE})*(?:@(?:0|[1-9][0-9]{0,9}))*:)?[0-9a-f]{64}$`);
