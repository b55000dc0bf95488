/**
 * Order signatures checked by the native addon (native/src/eddsa.rs: arkworks'
 * Baby Jubjub; Poseidon in poseidon_opt.rs), about 140 times faster than circomlibjs: checks
 * posted in the same turn of the event loop go to the libuv thread pool together, split
 * into one call per core, and the event loop only converts numbers to decimals.
 *
 * `useNativeCrypto` also installs the addon's synchronous verifier, signer (85 times
 * faster than circomlibjs: the dev oracle signs every batch header) and Poseidon
 * (circomlibjs's optimised rounds: about 3× its wasm for the tree's four inputs) in
 * prover/state/crypto.ts, for what runs on the event loop: a batch header's oracle
 * signatures, the Merkle updates of every op, a rebuild. Each gives circomlibjs's
 * answer: the domain checks stay in crypto.ts, and test/prover/signatures/native.test.ts
 * compares them on random keys, messages and inputs, right and tampered.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { inSignatureDomain, useEddsaPoseidonSigner, useEddsaPoseidonVerifier, usePoseidonHasher, type PublicKey, type Signature } from "../state/crypto";
import { orderHash, type SignedOrder } from "../state/signing";
import { recordVerdict } from "../state/verdicts";
import { nativeAddon } from "../zk/backend-native";
import type { SignatureChecker } from "./checker";

type VerifyBatch = (fields: string[]) => Promise<boolean[]>;
type VerifyBatchNow = (fields: string[]) => boolean[];

/** Most inputs the addon's Poseidon takes (native/src/eddsa.rs `POSEIDON_MAX_INPUTS`). */
const NATIVE_POSEIDON_MAX_INPUTS = 12;

export interface NativeCrypto {
  readonly verify: VerifyBatch;
  readonly verifyNow: VerifyBatchNow;
  readonly poseidon: (inputs: string[]) => string;
  readonly sign: (privKey: Uint8Array, msg: string) => string[];
  readonly publicKey: (privKey: Uint8Array) => string[];
}

let loaded: NativeCrypto | { problem: string } | undefined;

/**
 * The addon's verifiers, signer and Poseidon, or why there are none (not built, or
 * built before them). The first call hands the addon circomlibjs's optimised Poseidon
 * constants (native/src/poseidon_opt.rs), so that the repository holds one copy of them.
 */
export function nativeCrypto(): NativeCrypto | { problem: string } {
  if (loaded !== undefined) return loaded;
  const found = nativeAddon();
  if ("problem" in found) return (loaded = found);
  const { verifyEddsaPoseidon, verifyEddsaPoseidonNow, poseidonHash, signEddsaPoseidon, eddsaPublicKey, poseidonLoadConstants } = found.addon;
  if (verifyEddsaPoseidon === undefined || verifyEddsaPoseidonNow === undefined || poseidonHash === undefined || signEddsaPoseidon === undefined || eddsaPublicKey === undefined || poseidonLoadConstants === undefined) {
    return (loaded = { problem: "the native addon predates its signature checker (npm run build:native)" });
  }
  // circomlibjs's package exports hide src/; its main file sits in build/ beside it
  const file = path.join(path.dirname(require.resolve("circomlibjs")), "..", "src", "poseidon_constants_opt.json");
  const k = JSON.parse(fs.readFileSync(file, "utf8")) as { C: string[][]; S: string[][]; M: string[][][]; P: string[][][] };
  poseidonLoadConstants(k.C, k.S, k.M, k.P);
  return (loaded = { verify: verifyEddsaPoseidon, verifyNow: verifyEddsaPoseidonNow, poseidon: poseidonHash, sign: signEddsaPoseidon, publicKey: eddsaPublicKey });
}

const fieldsOf = (msg: bigint, sig: Signature, key: PublicKey): string[] => [msg, sig.R8x, sig.R8y, sig.S, key.ax, key.ay].map(String);

/**
 * Verifies and hashes on the event loop with the addon from now on
 * (prover/state/crypto.ts); returns why not when it cannot, and then circomlibjs stays.
 */
export function useNativeCrypto(): string | undefined {
  const found = nativeCrypto();
  if ("problem" in found) return found.problem;
  useEddsaPoseidonVerifier((msg, sig, key) => found.verifyNow(fieldsOf(msg, sig, key))[0]);
  usePoseidonHasher({ maxInputs: NATIVE_POSEIDON_MAX_INPUTS, hash: (reduced) => BigInt(found.poseidon(reduced.map(String))) });
  useEddsaPoseidonSigner({
    publicKey: (privKey) => {
      const [ax, ay] = found.publicKey(privKey).map(BigInt);
      return { ax, ay };
    },
    sign: (privKey, msg) => {
      const [R8x, R8y, S] = found.sign(privKey, String(msg)).map(BigInt);
      return { R8x, R8y, S };
    },
  });
  return undefined;
}

/** circomlibjs everywhere again (what `useNativeCrypto` installed is taken out). */
export function stopNativeCrypto(): void {
  useEddsaPoseidonVerifier(undefined);
  usePoseidonHasher(undefined);
  useEddsaPoseidonSigner(undefined);
}

interface Waiting {
  readonly msg: bigint;
  readonly sig: Signature;
  readonly key: PublicKey;
  readonly resolve: (ok: boolean) => void;
  readonly reject: (err: unknown) => void;
}

export class NativeSignatureChecker implements SignatureChecker {
  readonly kind = "native";
  readonly ready = true;
  private waiting: Waiting[] = [];
  private inFlight = 0;
  private closed = false;

  /**
   * @param verifyBatch - the addon's `verifyEddsaPoseidon`
   * @param lanes - calls a flush is split into (one a core: each runs on a libuv thread)
   */
  constructor(
    private readonly verifyBatch: VerifyBatch,
    readonly lanes = os.availableParallelism(),
  ) {}

  verify(msg: bigint, sig: Signature, key: PublicKey): Promise<boolean> {
    if (this.closed) return Promise.reject(new Error("signature checker closed"));
    // what crypto.ts refuses before any verifier is asked is refused here the same way
    if (!inSignatureDomain(msg, sig, key)) {
      recordVerdict(msg, sig, key, false);
      return Promise.resolve(false);
    }
    return new Promise<boolean>((resolve, reject) => {
      if (this.waiting.push({ msg, sig, key, resolve, reject }) === 1) setImmediate(() => this.flush());
    });
  }

  verifyOrder(order: SignedOrder, key: PublicKey): Promise<boolean> {
    return this.verify(orderHash(order), order, key);
  }

  /** One addon call a lane for everything posted since the last flush. */
  private flush(): void {
    const batch = this.waiting;
    this.waiting = [];
    const per = Math.ceil(batch.length / Math.max(1, this.lanes));
    for (let i = 0; i < batch.length; i += per) {
      const lane = batch.slice(i, i + per);
      this.inFlight += lane.length;
      this.verifyBatch(lane.flatMap((w) => fieldsOf(w.msg, w.sig, w.key))).then(
        (verdicts) => {
          this.inFlight -= lane.length;
          lane.forEach((w, j) => {
            recordVerdict(w.msg, w.sig, w.key, verdicts[j]);
            w.resolve(verdicts[j]);
          });
        },
        (err: unknown) => {
          this.inFlight -= lane.length;
          for (const w of lane) w.reject(err);
        },
      );
    }
  }

  async warm(): Promise<void> {}

  get queued(): number {
    return this.waiting.length + this.inFlight;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
