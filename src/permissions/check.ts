/**
 * The start-up check: does this process hold every permission its
 * configuration needs? Uses `Deno.permissions.querySync`, so it never
 * prompts.
 *
 * @module
 */
import type { Config } from "../config/types.ts";
import { type Allowed, flagFor, type PermissionKind, permissionsFor } from "./scope.ts";

/** Thrown when the process lacks permissions its configuration needs. */
export class MissingPermissionError extends Error {
  override name = "MissingPermissionError";
  /** The flags that would grant what is missing, e.g. `--allow-net=127.0.0.1:61613`. */
  readonly flags: string[];

  constructor(file: string, flags: string[]) {
    super(
      `missing permission(s) for the configuration ${file}: run again with ` +
        `${flags.join(" ")} (the full set for this configuration is printed by ` +
        `"plastrond permissions -c ${file}")`,
    );
    this.flags = flags;
  }
}

/**
 * The flags that would grant what `config` needs and the process does not
 * hold; empty when nothing is missing.
 */
export function missingPermissionFlags(config: Config): string[] {
  const needed = permissionsFor(config);
  const flags: string[] = [];
  for (const kind of ["net", "read", "write", "env"] as const) {
    const missing = missingOf(kind, kind === "env" ? needed.env : needed[kind]);
    const flag = missing === undefined ? undefined : flagFor(kind, missing);
    if (flag) flags.push(flag);
  }
  return flags;
}

/**
 * Throws {@linkcode MissingPermissionError} naming the missing flags unless
 * the process holds every permission `config` needs.
 */
export function assertPermissions(config: Config): void {
  const flags = missingPermissionFlags(config);
  if (flags.length > 0) throw new MissingPermissionError(config.file, flags);
}

function missingOf(kind: PermissionKind, allowed: Allowed): Allowed | undefined {
  if (allowed === "all") return granted({ name: kind } as Deno.PermissionDescriptor) ? [] : "all";
  return allowed.filter((value) => !granted(descriptor(kind, value)));
}

function descriptor(kind: PermissionKind, value: string): Deno.PermissionDescriptor {
  switch (kind) {
    case "net":
      return { name: "net", host: value };
    case "read":
      return { name: "read", path: value };
    case "write":
      return { name: "write", path: value };
    case "env":
      return { name: "env", variable: value };
  }
}

function granted(descriptor: Deno.PermissionDescriptor): boolean {
  return Deno.permissions.querySync(descriptor).state === "granted";
}
