/**
 * The content id of a circuit build: which constraint system and which proving key.
 * A worker compares the id in each job with its own so that a worker started on
 * another circuit or zkey refuses instead of returning proofs that do not verify.
 *
 * sha256 over setup.json's r1csHash and the verification key's bytes: the vkey is
 * derived from the zkey (a new setup gives a new delta), and both files are small, so
 * no one hashes a 100 MB zkey at start.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { SetupRecord } from "../zk/prover";
import { CircuitIdError, StoreUrlError } from "./errors";

const cache = new Map<string, string>();

/**
 * The circuit id of a build folder (`build/<params>/`), 16 hex digits.
 * @throws CircuitIdError when setup.json or the verification key is missing
 */
export function circuitId(dir: string): string {
  const key = path.resolve(dir);
  const known = cache.get(key);
  if (known !== undefined) return known;
  try {
    const record = JSON.parse(fs.readFileSync(path.join(key, "setup.json"), "utf8")) as SetupRecord;
    const vkey = fs.readFileSync(path.resolve(key, record.verificationKey));
    const id = createHash("sha256").update(`${record.r1csHash}\n`).update(vkey).digest("hex").slice(0, 16);
    cache.set(key, id);
    return id;
  } catch (err) {
    throw new CircuitIdError(dir, err);
  }
}

/**
 * Checks a `--store` URL: only redis:// and rediss:// reach the queue.
 * @throws StoreUrlError
 */
export function redisUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new StoreUrlError(url);
  }
  if ((u.protocol !== "redis:" && u.protocol !== "rediss:") || u.hostname === "") throw new StoreUrlError(url);
  return url;
}
