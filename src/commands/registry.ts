/**
 * The built-in commands, by name.
 *
 * @module
 */
import { echoCommand } from "./echo.ts";
import { exportCommand } from "./export.ts";
import { importCommand } from "./import.ts";
import type { Command } from "./types.ts";

/** Every built-in command. */
export const BUILTIN_COMMANDS: readonly Command[] = [echoCommand, exportCommand, importCommand];

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
