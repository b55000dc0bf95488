/**
 * One vocabulary on every command (issue 18 item 2). `serve`'s option table
 * (service/config.ts, OPTIONS) names every thing more than one command takes: the flag
 * is the kebab-case key (`--store-prefix`), the environment variable `ZKSETTLE_` and the
 * snake-case key (`ZKSETTLE_STORE_PREFIX`), and the help, parser, bounds, unit and
 * default come from the same row. `worker`, `fallback` and `latency` take those options
 * from here ({@link sharedOption}); what only one command takes is built by
 * {@link localOption}, with the environment variable `ZKSETTLE_<COMMAND>_<KEY>`.
 *
 * Every option's help ends the same way: `(default X unit); env NAME`, `(required); env
 * NAME` or, for a secret, `(secret); env NAME` (a secret's value is never shown). Old names
 * are refused, naming the new one ({@link RENAMED_FLAGS}, {@link RENAMED_ENV};
 * docs/decisions.md, "Old option names").
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import { OPTIONS, defaultConfig, envOf, flagOf, type Config, type OptionSpec, type Unit } from "../service/config";
import { intArg } from "./cli-args";

/** What a parser and a help line need to know of an option. */
type ValueSpec = Pick<OptionSpec, "kind" | "min" | "max" | "choices" | "pattern" | "secret" | "unit">;

/** The table row of `key`. */
export function specOf(key: keyof Config): OptionSpec {
  const spec = OPTIONS.find((o) => o.key === key);
  if (spec === undefined) throw new Error(`no option ${key} in service/config.ts OPTIONS`);
  return spec;
}

/** A default as `--help` shows it: strings quoted, numbers with their unit. */
export function shownDefault(value: unknown, unit?: Unit): string {
  if (typeof value === "number") return unit === undefined ? String(value) : `${value} ${unit}`;
  return JSON.stringify(value);
}

/** The placeholder of a flag's value: its unit, else its kind. */
export function placeholder(s: ValueSpec): string {
  if (s.unit === "ms" || s.unit === "s" || s.unit === "bytes" || s.unit === "blocks") return `<${s.unit}>`;
  if (s.kind === "int" || s.kind === "number") return "<n>";
  if (s.choices !== undefined) return "<choice>";
  return "<value>";
}

/** How the default part of a help line reads. */
export type DefaultPart = { readonly required: true } | { readonly secret: true } | { readonly text: string };

/**
 * One help line, the same style on every command:
 * `<help>[ [a|b]] (default X unit|required|secret)[; env NAME]`.
 */
export function helpLine(help: string, s: { readonly choices?: readonly string[]; readonly dflt: DefaultPart; readonly env?: string }): string {
  const choices = s.choices !== undefined ? ` [${s.choices.join("|")}]` : "";
  const d = "required" in s.dflt ? "required" : "secret" in s.dflt ? "secret" : `default ${s.dflt.text}`;
  return `${help}${choices} (${d})${s.env !== undefined ? `; env ${s.env}` : ""}`;
}

/** A strict parser: integers in decimal digits only (prover/run/cli-args.ts), numbers without exponent or hex. */
function parserOf(s: ValueSpec, flag: string): (v: string) => unknown {
  const shown = (v: string): string => (s.secret === true ? "<secret>" : JSON.stringify(v));
  switch (s.kind) {
    case "int":
      return intArg(flag, s.min ?? Number.MIN_SAFE_INTEGER, s.max ?? Number.MAX_SAFE_INTEGER);
    case "number":
      return (v) => {
        const n = /^[+-]?\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
        if (!Number.isFinite(n) || (s.min !== undefined && n < s.min) || (s.max !== undefined && n > s.max)) {
          throw new InvalidArgumentError(`${flag} ${shown(v)}: expected a decimal number in ${s.min ?? "-∞"}..${s.max ?? "∞"}${s.unit !== undefined ? ` (${s.unit})` : ""}`);
        }
        return n;
      };
    case "string":
      return (v) => {
        if (s.choices !== undefined && !s.choices.includes(v)) throw new InvalidArgumentError(`${flag} ${shown(v)}: expected one of ${s.choices.join(", ")}`);
        if (s.pattern !== undefined && !s.pattern.test(v)) throw new InvalidArgumentError(`${flag} ${shown(v)}: does not match ${s.pattern}`);
        return v;
      };
    default:
      throw new Error(`${flag}: a ${s.kind} option is serve's only (service/config.ts)`);
  }
}

/**
 * Checks of secret options, run by {@link withVocabulary}'s hook rather than as
 * commander parsers: commander's refusal quotes the value it refuses.
 */
const secretChecks = new WeakMap<Option, (v: string) => void>();

/** What a command may change of a shared option: never its flag, env name, parser or unit. */
export interface SharedOverrides {
  /** A default of this command's own (else the table's). */
  readonly default?: unknown;
  /** The default in words, when it is not a value ("cores − 1"). */
  readonly defaultText?: string;
  /** No default: the command refuses to start without it (commander checks flag and env). */
  readonly required?: boolean;
}

/**
 * `serve`'s option `key` for another command: same flag, environment variable, help,
 * parser, bounds and unit; its own default only where {@link SharedOverrides} says so.
 */
export function sharedOption(key: keyof Config, over: SharedOverrides = {}): Option {
  const spec = specOf(key);
  const flag = flagOf(key);
  const value = over.default !== undefined ? over.default : (defaultConfig() as unknown as Record<string, unknown>)[key];
  const dflt: DefaultPart = over.required === true ? { required: true } : spec.secret === true ? { secret: true } : { text: over.defaultText ?? (over.default === undefined ? spec.defaultText : undefined) ?? shownDefault(value, spec.unit) };
  const parse = parserOf(spec, flag);
  const opt = new Option(`${flag} ${placeholder(spec)}`, helpLine(spec.help, { choices: spec.choices, dflt, env: envOf(key) })).env(envOf(key));
  if (spec.secret === true) secretChecks.set(opt, parse);
  else opt.argParser(parse);
  if (over.required === true) return opt.makeOptionMandatory();
  return value === undefined ? opt : opt.default(value);
}

/** An option only one command takes. */
export interface LocalSpec extends ValueSpec {
  /** camelCase; the flag is its kebab-case. */
  readonly key: string;
  readonly help: string;
  readonly default?: unknown;
  /** The default in words, when there is none or it is computed. */
  readonly defaultText?: string;
  readonly required?: boolean;
}

/** The environment variable of `command`'s own option `key`: `ZKSETTLE_<COMMAND>_<KEY>`. */
export function localEnvOf(command: string, key: string): string {
  return envOf(key).replace(/^ZKSETTLE_/, `ZKSETTLE_${command.toUpperCase().replace(/-/g, "_")}_`);
}

/**
 * An option of `command` alone, in the same style: env `ZKSETTLE_<COMMAND>_<KEY>` (a
 * switch has none: commander would turn any value, "false" too, on).
 */
export function localOption(command: string, s: LocalSpec): Option {
  const flag = flagOf(s.key);
  if (s.kind === "bool") return new Option(flag, helpLine(s.help, { dflt: { text: "off" } }));
  const env = localEnvOf(command, s.key);
  const dflt: DefaultPart = s.required === true ? { required: true } : s.secret === true ? { secret: true } : { text: s.defaultText ?? (s.default === undefined ? "none" : shownDefault(s.default, s.unit)) };
  const opt = new Option(`${flag} ${placeholder(s)}`, helpLine(s.help, { choices: s.choices, dflt, env })).env(env).argParser(parserOf(s, flag));
  if (s.required === true) return opt.makeOptionMandatory();
  return s.default === undefined ? opt : opt.default(s.default);
}

/** Old flags and what replaced them; a command given one refuses to start, naming the new one. */
export const RENAMED_FLAGS: Readonly<Record<string, string>> = {
  "--prefix": "--store-prefix",
  "--threads": "--workers",
  "--build": "--params NAME (build/NAME/), or --build-dir DIR for a build kept elsewhere",
  "--rpc": "--rpc-url",
  "--key": "--signer-key (better: env ZKSETTLE_SIGNER_KEY)",
  "--poll-ms": "--poll-interval",
};

/** Old environment variables and what replaced them; any one set stops every command at start. */
export const RENAMED_ENV: Readonly<Record<string, string>> = {
  ZKSETTLE_PREFIX: "ZKSETTLE_STORE_PREFIX",
  ZKSETTLE_WORKER_THREADS: "ZKSETTLE_WORKERS",
  ZKSETTLE_BUILD: "ZKSETTLE_PARAMS (a parameter set name, build/NAME/) or ZKSETTLE_BUILD_DIR (a folder)",
  ZKSETTLE_FALLBACK_KEY: "ZKSETTLE_SIGNER_KEY",
};

/** The refusal of an old flag. */
export function renamedFlagMessage(old: string): string {
  return `${old} was renamed ${RENAMED_FLAGS[old]}`;
}

/** The refusal of an old environment variable. */
export function renamedEnvMessage(old: string): string {
  return `environment variable ${old} was renamed ${RENAMED_ENV[old]}; set that instead and unset ${old}`;
}

/** The old environment variables set in `env`, as refusals. */
export function renamedEnvProblems(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(RENAMED_ENV)
    .filter((name) => env[name] !== undefined)
    .map(renamedEnvMessage);
}

/** commander's attribute name of a flag (`--poll-ms` → `pollMs`). */
const attributeOf = (flag: string): string => flag.replace(/^--/, "").replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/**
 * Puts `cmd` on the shared vocabulary: help lines printed as written (they carry their
 * default and env already), the old flags `oldFlags` accepted only to be refused naming
 * the new one, and any old environment variable refused; a refusal exits 2.
 */
export function withVocabulary(cmd: Command, oldFlags: readonly string[] = []): Command {
  cmd.configureHelp({ optionDescription: (o) => o.description });
  for (const old of oldFlags) {
    if (RENAMED_FLAGS[old] === undefined) throw new Error(`${old} is not in RENAMED_FLAGS`);
    cmd.addOption(new Option(`${old} [value]`, `renamed ${RENAMED_FLAGS[old]}`).hideHelp());
  }
  return cmd.hook("preAction", (_self, action) => refuseRenamed(action, oldFlags));
}

/**
 * Stops `cmd` (exit 2, naming the new names) when it was given an old flag of `oldFlags`
 * or an old environment variable is set, or (without showing it) a malformed secret. {@link withVocabulary}'s hook calls it before
 * the action; a script without an action calls it after `parse()`.
 */
export function refuseRenamed(cmd: Command, oldFlags: readonly string[]): void {
  const opts = cmd.opts();
  const who = [cmd.parent?.name(), cmd.name()].filter((n) => n !== undefined && n !== "").join(" ");
  const problems = [...oldFlags.filter((old) => opts[attributeOf(old)] !== undefined).map(renamedFlagMessage), ...renamedEnvProblems(process.env)];
  if (problems.length > 0) cmd.error(`${who}: ${problems.join("; ")}`, { exitCode: 2, code: "zksettle.renamed" });
  for (const o of cmd.options) {
    const check = secretChecks.get(o);
    const v: unknown = opts[o.attributeName()];
    if (check === undefined || typeof v !== "string") continue;
    try {
      check(v);
    } catch (e) {
      cmd.error(`${who}: ${(e as Error).message}${cmd.getOptionValueSource(o.attributeName()) === "env" ? ` (from env ${o.envVar})` : ""}`, { exitCode: 2, code: "commander.invalidArgument" });
    }
  }
}
