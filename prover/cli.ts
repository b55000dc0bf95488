#!/usr/bin/env node
/**
 * `zksettle`: the prover service's command line (commander). Installed as a package it
 * is the `zksettle` bin (dist/prover/cli.js, compiled by `npm run build`); in a checkout
 * `npx ts-node prover/cli.ts <command>` runs it from source. Every command and option
 * has --help; `zksettle --version` prints the package's version.
 *
 *   zksettle serve [options]     run the HTTP service (docs/api.md)
 *   zksettle config [options]    print the configuration the options resolve to, or its problems
 *   zksettle hash-key [key]      sha256 of an API key, for --api-key-hashes (reads stdin without key)
 *   zksettle latency --rpc-url URL   probe a chain's JSON-RPC endpoint: block interval, time to finality p50/p95/p99
 *   zksettle worker [options]    a prover worker on the shared Redis prove queue (prover/remote)
 *   zksettle fallback --rpc-url URL --settlement ADDRESS   when the operator is gone: anyone proves (prover/fallback)
 */
import { Command, Option } from "commander";
import { hashApiKey } from "./api/auth";
import { ConfigError, OPTIONS, defaultConfig, envOf, flagOf, loadConfig, redacted, type Config } from "./service/config";
import { helpLine, placeholder, shownDefault, withVocabulary, type DefaultPart } from "./run/cli-options";
import { fileProblems } from "./service/config-files";
import { createLogger, type Logger } from "./log/logger";
import { ServiceMetrics } from "./service/metrics";
import { GenesisError, StartupError, startService } from "./run/bootstrap";
import { LedgerReplayError } from "./service/ledger";
import { registerLatencyCommand } from "./run/latency-command";
import { workerCommand } from "./run/worker-command";
import { registerFallbackCommand } from "./run/fallback-command";
import { packageVersion } from "./package/root";

/**
 * Adds one commander option per config option: flag, default and env name in the help
 * (cli-options.ts style). No commander default or env: loadConfig layers flags, the
 * environment, the config file and the defaults, and names where a bad value came from.
 */
function withConfigOptions(cmd: Command): Command {
  const defaults = defaultConfig() as unknown as Record<string, unknown>;
  cmd.addOption(new Option("--config <file>", helpLine("JSON config file (camelCase keys)", { dflt: { text: "none" }, env: "ZKSETTLE_CONFIG" })));
  for (const o of OPTIONS) {
    const dflt: DefaultPart = o.secret === true ? { secret: true } : { text: o.defaultText ?? shownDefault(defaults[o.key], o.unit) };
    cmd.addOption(new Option(o.kind === "bool" ? flagOf(o.key) : `${flagOf(o.key)} ${placeholder(o)}`, helpLine(o.help, { choices: o.choices, dflt, env: envOf(o.key) })));
  }
  return withVocabulary(cmd);
}

/**
 * The config from the command's flags, the environment and the file, with the paths it
 * names checked (config-files.ts); exits 2 with the problems.
 */
async function configOf(cmd: Command): Promise<Config> {
  try {
    const config = loadConfig({ flags: cmd.opts(), env: process.env });
    const files = await fileProblems(config);
    if (files.length > 0) throw new ConfigError(files);
    return config;
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`zksettle: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

/**
 * Builds the engine, the ledger and (in sequencer mode) the sequencer for `serve`
 * (prover/run/bootstrap.ts) and runs until SIGTERM/SIGINT. A problem found at
 * start (configuration the service needs, genesis, circuit build, chain, data
 * directory) is printed with the option to fix, and the process exits 2.
 */
async function wireServices(config: Config, log: Logger, metrics: ServiceMetrics): Promise<void> {
  try {
    await startService(config, log, metrics);
  } catch (e) {
    if (e instanceof StartupError || e instanceof GenesisError || e instanceof LedgerReplayError) {
      log.fatal({ err: e }, "cannot start");
      process.stderr.write(`zksettle serve: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

export function program(): Command {
  const prog = new Command("zksettle").description("zksettle prover service").version(packageVersion()).showHelpAfterError();

  withConfigOptions(prog.command("serve").description("run the prover service (HTTP API, sequencer or batch mode)")).action(async (_opts, cmd: Command) => {
    const config = await configOf(cmd);
    const log = createLogger(config.logLevel);
    log.info({ config: redacted(config) }, "configuration");
    await wireServices(config, log, new ServiceMetrics());
  });

  withConfigOptions(prog.command("config").description("print the resolved configuration (secrets redacted) or every problem in it")).action(async (_opts, cmd: Command) => {
    process.stdout.write(JSON.stringify(redacted(await configOf(cmd)), null, 2) + "\n");
  });

  prog
    .command("hash-key")
    .description("print the sha256 hex digest of an API key (for --api-key-hashes / ZKSETTLE_API_KEY_HASHES)")
    .argument("[key]", "the API key; read from stdin when absent (keeps it out of the shell history)")
    .action(async (key: string | undefined) => {
      let k = key;
      if (k === undefined) {
        const chunks: Buffer[] = [];
        for await (const c of process.stdin) chunks.push(c as Buffer);
        k = Buffer.concat(chunks).toString("utf8").trim();
      }
      if (k === "") {
        process.stderr.write("zksettle hash-key: empty key\n");
        process.exit(2);
      }
      process.stdout.write(hashApiKey(k) + "\n");
    });
  registerLatencyCommand(prog);

  prog.addCommand(workerCommand());
  registerFallbackCommand(prog);
  return prog;
}

if (require.main === module) {
  program()
    .parseAsync(process.argv)
    .catch((e: unknown) => {
      process.stderr.write(`zksettle: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    });
}
