/**
 * Strict parsers of command-line numbers for commander options. `Number()` reads
 * "1e3" as 1000, "0x50" as 80 and " " as 0; a flag takes plain decimal digits only,
 * and a refusal names the flag, the value and the range.
 */
import { InvalidArgumentError } from "commander";

/** An integer flag in [min, max], decimal digits only. */
export function intArg(flag: string, min: number, max: number = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v) => {
    const n = /^[+-]?\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${flag} ${JSON.stringify(v)}: expected an integer in ${min}..${max}`);
    return n;
  };
}

/** A decimal number flag ≥ min (no exponent, no hex). */
export function numberArg(flag: string, min: number): (v: string) => number {
  return (v) => {
    const n = /^[+-]?(\d+\.?\d*|\.\d+)$/.test(v) ? Number(v) : NaN;
    if (!Number.isFinite(n) || n < min) throw new InvalidArgumentError(`${flag} ${JSON.stringify(v)}: expected a decimal number ≥ ${min}`);
    return n;
  };
}
