/**
 * The built-in commands, by name. `export` and `import` are loaded on their
 * first job (their RDF, CSV, ZIP and SFTP libraries are most of the daemon's
 * code): an idle daemon stays small and subscribes sooner, and a request is
 * still checked against the command's arguments before it is accepted.
 *
 * @module
 */
import { type CommandDefinition, EXPORT_DEFINITION, IMPORT_DEFINITION } from "./definitions.ts";
import { echoCommand } from "./echo.ts";
import type { Command, CommandContext, CommandResult, Progress } from "./types.ts";

/**
 * A command whose implementation `load` brings in when it first runs (a
 * failure to load fails that job, and the next job tries again).
 */
export function lazyCommand(
  definition: CommandDefinition,
  load: () => Promise<Command>,
): Command {
  let loaded: Promise<Command> | undefined;
  return {
    ...definition,
    async *run(context: CommandContext): AsyncGenerator<Progress, CommandResult, void> {
      loaded ??= load();
      let command: Command;
      try {
        command = await loaded;
      } catch (error) {
        loaded = undefined;
        throw error;
      }
      return yield* command.run(context);
    },
  };
}

/** Every built-in command. */
export const BUILTIN_COMMANDS: readonly Command[] = [
  echoCommand,
  lazyCommand(EXPORT_DEFINITION, async () => (await import("./export.ts")).exportCommand),
  lazyCommand(IMPORT_DEFINITION, async () => (await import("./import.ts")).importCommand),
];

/**
 * The commands this daemon accepts: the built-ins, narrowed to `allowed`
 * (`DAEMON.COMMANDS`) when given.
 */
export function commandRegistry(allowed?: readonly string[]): Map<string, Command> {
  const registry = new Map<string, Command>();
  for (const command of BUILTIN_COMMANDS) {
    if (!allowed || allowed.includes(command.name)) registry.set(command.name, command);
  }
  return registry;
}
