/**
 * The risk loop's files: the `--risk-config` JSON and the overrides' audit log, which is
 * written atomically and replayed at start (a log that does not replay is a start-up
 * error, not a silent reset).
 */
import fs from "node:fs";
import path from "node:path";
import { parseRiskConfig, type RiskConfig } from "../risk/controls";
import { NO_OVERRIDES, replayOverrides, type AuditEntry, type Overrides } from "../risk/overrides";
import { CodedError } from "../errors/coded-error";

/** A persisted override log that cannot be replayed. */
export class RiskOverridesFileError extends CodedError<"PRV_ERR_RISK_OVERRIDES_FILE"> {
  constructor(file: string, why: string) {
    super("PRV_ERR_RISK_OVERRIDES_FILE", `risk overrides file ${file}: ${why}`);
    this.name = "RiskOverridesFileError";
  }
}

export function loadOverrides(file: string, markets: number): Overrides {
  if (!fs.existsSync(file)) return NO_OVERRIDES;
  let log: AuditEntry[];
  try {
    const raw = JSON.parse(fs.readFileSync(file, "utf8")) as { log?: unknown };
    if (!Array.isArray(raw.log)) throw new Error("no `log` array");
    log = raw.log as AuditEntry[];
  } catch (e) {
    throw new RiskOverridesFileError(file, `not a JSON audit log (${(e as Error).message})`);
  }
  try {
    return replayOverrides(log, markets);
  } catch (e) {
    throw new RiskOverridesFileError(file, `entry refused on replay (${(e as Error).message})`);
  }
}

/** tmp file + fsync + rename: a crash leaves the old log or the new one, never half. */
export function writeAtomically(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/**
 * The `--risk-config` file's parameters, or the defaults for "" (checked: a bad file
 * throws with every problem named).
 */
export function loadRiskConfig(file: string, markets: number): RiskConfig {
  let raw: unknown = {};
  if (file !== "") {
    try {
      raw = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
      throw new Error(`cannot read ${file} as JSON (${(e as Error).message})`);
    }
  }
  return parseRiskConfig(raw, markets);
}

