/**
 * The `plastrond` command line: parse the options, load the configuration,
 * set up logging and run the daemon.
 *
 * ```
 * plastrond -c <config_file> [-v]
 * plastrond --version | --help
 * ```
 *
 * Exit codes: 0 after a clean shutdown, 1 on a bad configuration or a missing
 * permission, 2 on bad usage.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { loadConfig } from "./src/config/load.ts";
import { configSecrets } from "./src/config/secrets.ts";
import type { Config } from "./src/config/types.ts";
import { ConfigError, StoreError, UsageError } from "./src/errors.ts";
import {
  getLogger,
  LogSetupError,
  redact,
  registerSecret,
  setupLogging,
  shutdownLogging,
} from "./src/log.ts";
import { VERSION } from "./src/version.ts";
import { assertPermissions, MissingPermissionError } from "./src/permissions/check.ts";
import { permissionsCommand } from "./src/permissions/command.ts";

/** Exit code after a clean shutdown. */
export const EXIT_OK = 0;
/** Exit code for a bad configuration, a missing permission or a fatal error. */
export const EXIT_CONFIG = 1;
/** Exit code for bad command-line usage. */
export const EXIT_USAGE = 2;

/** The `--help` text. */
export const USAGE =
  `plastrond ${VERSION} — batch operations for a Fedora repository, driven by STOMP messages

Usage:
  plastrond -c <config_file> [-v]
  plastrond permissions -c <config_file>   print the --allow-* flags it needs
  plastrond --version | --help

Options:
  -c, --config <file>  YAML configuration file (required to run)
  -v, --verbose        debug logging on the console
  -V, --version        print "plastrond <version>" and exit
  -h, --help           print this help and exit

Configuration: sections REPOSITORY, MESSAGE_BROKER, COMMANDS (optional) and
DAEMON (optional). Every key is documented with its default in
config.example.yml; see also SPEC.md §2. Values may use \${NAME} for
environment variables; relative paths are relative to the configuration file.

Exit codes: 0 after a clean shutdown (SIGINT/SIGTERM), 1 on a bad
configuration or a missing permission, 2 on bad usage.
`;

/** The parsed command line. */
export interface CommandLine {
  config?: string;
  verbose: boolean;
  version: boolean;
  help: boolean;
}

/**
 * Parse `args` (without the program name).
 *
 * @throws {UsageError} on an unknown option, a missing option value or a
 *   stray argument.
 */
export function parseCommandLine(args: string[]): CommandLine {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: "string", short: "c" },
        verbose: { type: "boolean", short: "v" },
        version: { type: "boolean", short: "V" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new UsageError(usageMessage(error));
  }
  return {
    config: values.config,
    verbose: values.verbose ?? false,
    version: values.version ?? false,
    help: values.help ?? false,
  };
}

function usageMessage(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']+)'/.exec(message)?.[1];
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${quoted ?? message}`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument ${quoted ?? message}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return /argument missing/.test(message) && quoted
        ? `option ${quoted} needs a value`
        : message.split("\n")[0];
    default:
      return message.split("\n")[0];
  }
}

/**
 * Run the command line `args`; resolves to the process exit code. Prints to
 * standard output (help, version) and standard error (mistakes).
 */
export async function main(args: string[]): Promise<number> {
  if (args[0] === "permissions") return await permissionsCommand(args.slice(1));
  let commandLine: CommandLine;
  try {
    commandLine = parseCommandLine(args);
    if (!commandLine.help && !commandLine.version && commandLine.config === undefined) {
      throw new UsageError("missing the configuration file: -c <config_file>");
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`plastrond: ${error.message}\nTry 'plastrond --help' for more information.`);
    return EXIT_USAGE;
  }
  if (commandLine.help) {
    console.log(USAGE);
    return EXIT_OK;
  }
  if (commandLine.version) {
    console.log(`plastrond ${VERSION}`);
    return EXIT_OK;
  }

  let config: Config;
  try {
    config = await loadConfig(commandLine.config as string);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`plastrond: ${redact(error.message)}`);
      return EXIT_CONFIG;
    }
    return reportFatal(error);
  }
  for (const secret of configSecrets(config)) registerSecret(secret);
  try {
    assertPermissions(config);
  } catch (error) {
    if (!(error instanceof MissingPermissionError)) throw error;
    console.error(`plastrond: ${error.message}`);
    return EXIT_CONFIG;
  }

  try {
    await setupLogging({
      verbose: commandLine.verbose,
      logDir: config.repository.logDir,
      retentionDays: config.daemon.retentionDays,
    });
  } catch (error) {
    if (error instanceof LogSetupError) {
      console.error(`plastrond: ${config.file}: REPOSITORY.LOG_DIR: ${redact(error.message)}`);
      return EXIT_CONFIG;
    }
    return reportFatal(error);
  }

  const log = getLogger();
  try {
    log.info("plastrond {version} starting with configuration {file}", {
      version: VERSION,
      file: config.file,
    });
    for (const warning of config.warnings) log.warn(warning);
    // Loaded only now, so that --help, --version and configuration mistakes
    // work under any permissions, and a permission that the daemon's modules
    // need while loading is reported with its flag instead of a stack trace.
    const { runDaemon } = await import("./src/daemon.ts");
    return await runDaemon(config, { verbose: commandLine.verbose });
  } catch (error) {
    if (error instanceof StoreError || error instanceof Deno.errors.NotCapable) {
      log.fatal("cannot run: {reason}", { reason: withPermissionFlag(error.message) });
      return EXIT_CONFIG;
    }
    log.fatal("stopped by an unexpected error: {error}", { error });
    return EXIT_CONFIG;
  } finally {
    await shutdownLogging();
  }
}

/**
 * Deno's "Requires env access to "X", run again with the --allow-env flag"
 * with the exact flag that grants it: `...; run with --allow-env=X`.
 */
export function withPermissionFlag(message: string): string {
  const match = /Requires (\w+) access to "([^"]+)"/.exec(message);
  if (!match) return message;
  return `missing permission: ${match[1]} access to ${match[2]}; run with ` +
    `--allow-${match[1]}=${match[2]} (or see the permission set in deno.json's tasks)`;
}

function reportFatal(error: unknown): number {
  if (error instanceof Deno.errors.NotCapable) {
    console.error(`plastrond: ${redact(withPermissionFlag(error.message))}`);
  } else {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    console.error(`plastrond: unexpected error: ${redact(text)}`);
  }
  return EXIT_CONFIG;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
