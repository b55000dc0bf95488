/**
 * API keys of the write routes. Only sha256 digests of the keys are configured and
 * kept; a presented key is hashed and compared with every digest in constant time
 * (no early exit, so the time does not say which digest or how much of it matched).
 * A key travels as `Authorization: Bearer <key>` or `X-API-Key: <key>`.
 */
import { createHash, timingSafeEqual } from "node:crypto";

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

export class ApiKeys {
  private readonly digests: Buffer[];

  /** @param hashes - sha256 hex digests (64 lowercase hex characters each) */
  constructor(hashes: readonly string[]) {
    for (const h of hashes) if (!/^[0-9a-f]{64}$/.test(h)) throw new RangeError(`API key hash ${JSON.stringify(h)} is not 64 lowercase hex characters`);
    this.digests = hashes.map((h) => Buffer.from(h, "hex"));
  }

  /** True when `key` hashes to one of the configured digests. */
  check(key: string | undefined): boolean {
    if (key === undefined || key.length > 512) return false;
    const d = createHash("sha256").update(key, "utf8").digest();
    let ok = false;
    for (const h of this.digests) ok = timingSafeEqual(d, h) || ok;
    return ok;
  }
}
