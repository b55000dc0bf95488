/**
 * NOOP (op code 0): keeps everything. Pads a batch to N op slots. Its two account
 * updates are dummies (index 0, after = before).
 */

/** A NOOP op slot. */
export interface NoopOp {
  readonly type: "NOOP";
}

/** The NOOP op. */
export const NOOP: NoopOp = Object.freeze({ type: "NOOP" });

/** Op code of NOOP in op data (protocol.md section 7). */
export const NOOP_CODE = 0;
