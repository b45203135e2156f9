/**
 * Strict parsing of `PlastronArg-*` headers against a command's argument spec.
 *
 * @module
 */
import { BadRequestError } from "../errors.ts";
import type { ArgSpec, ParsedArgs } from "../commands/types.ts";

const TRUE = new Set(["true", "yes", "1", "on"]);
const FALSE = new Set(["false", "no", "0", "off"]);

/** The header prefix of command arguments. */
export const ARG_PREFIX = "PlastronArg-";

/** Arguments every command accepts, handled by the runner itself. */
const COMMON_ARGS = new Set(["on-behalf-of"]);

/** Collect the `PlastronArg-<name>` headers of a frame as `{name: value}`. */
export function argHeaders(headers: Record<string, string>): Record<string, string> {
  const args: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (key.startsWith(ARG_PREFIX)) args[key.slice(ARG_PREFIX.length)] = value;
  }
  return args;
}

/** Parse a boolean strictly: true/false/yes/no/1/0/on/off in any case. */
export function parseBoolean(name: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new BadRequestError(
    `argument ${name} must be true or false (also yes/no, 1/0, on/off), not "${value}"`,
  );
}

/** Parse an integer strictly: optional sign and digits only. */
export function parseInteger(name: string, value: string): number {
  const v = value.trim();
  if (!/^[+-]?\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw new BadRequestError(`argument ${name} must be a whole number, not "${value}"`);
  }
  return Number(v);
}

/** The outcome of {@linkcode parseArgs}. */
export interface ParsedArgsResult {
  args: ParsedArgs;
  /** Names of arguments the command does not know (ignored, worth a warning). */
  unknown: string[];
}

/**
 * Parse raw argument headers against a spec. Values that do not parse and
 * missing required arguments are a {@linkcode BadRequestError}. Unknown
 * arguments are returned so the caller can warn (front ends may send
 * arguments that only newer daemons use).
 */
export function parseArgs(
  command: string,
  spec: Record<string, ArgSpec>,
  raw: Record<string, string>,
): ParsedArgsResult {
  const parsed: ParsedArgs = {};
  const unknown = Object.keys(raw).filter((name) => !(name in spec) && !COMMON_ARGS.has(name));
  for (const [name, argSpec] of Object.entries(spec)) {
    const value = raw[name];
    if (value === undefined) {
      if (argSpec.required) {
        throw new BadRequestError(
          `the ${command} command needs the argument ${name} (header ${ARG_PREFIX}${name})`,
        );
      }
      parsed[name] = argSpec.default;
      continue;
    }
    switch (argSpec.type) {
      case "boolean":
        parsed[name] = parseBoolean(name, value);
        break;
      case "integer":
        parsed[name] = parseInteger(name, value);
        break;
      default:
        parsed[name] = value;
    }
  }
  return { args: parsed, unknown };
}
