/**
 * `plastrond permissions -c <config_file>`: print the Deno permission flags
 * that configuration needs, one per line on standard output (for
 * `deno run $(…)`, `deno compile` or a service unit), and on standard error
 * a note for each permission the configuration leaves unlimited.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../config/load.ts";
import { ConfigError, UsageError } from "../errors.ts";
import { permissionFlags, permissionsFor } from "./scope.ts";

/** The `permissions` subcommand's help. */
export const PERMISSIONS_USAGE = `Usage: plastrond permissions -c <config_file>

Prints the --allow-net/--allow-read/--allow-write/--allow-env flags the daemon
needs for that configuration, one per line; notes about permissions the
configuration cannot limit go to standard error.`;

/**
 * Run `plastrond permissions` with `args` (after the word `permissions`);
 * resolves to the exit code: 0, 1 on a bad configuration, 2 on bad usage.
 */
export async function permissionsCommand(args: string[]): Promise<number> {
  let configPath: string;
  try {
    const { values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: { config: { type: "string", short: "c" }, help: { type: "boolean", short: "h" } },
    });
    if (values.help) {
      console.log(PERMISSIONS_USAGE);
      return 0;
    }
    if (values.config === undefined) {
      throw new UsageError("missing the configuration file: -c <config_file>");
    }
    configPath = values.config;
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    console.error(`plastrond permissions: ${message}\n${PERMISSIONS_USAGE}`);
    return 2;
  }
  try {
    const config = await loadConfig(configPath);
    const set = permissionsFor(config);
    for (const flag of permissionFlags(set)) console.log(flag);
    for (const note of set.unscoped) console.error(`plastrond permissions: note: ${note}`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof RangeError) {
      console.error(`plastrond permissions: ${error.message}`);
      return 1;
    }
    if (error instanceof Deno.errors.NotCapable) {
      console.error(
        `plastrond permissions: ${error.message} (it needs --allow-read for the configuration ` +
          `file and --allow-env for the variables it uses)`,
      );
      return 1;
    }
    throw error;
  }
}
