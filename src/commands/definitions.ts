/**
 * What the job runner needs to know of each built-in command before running
 * it — its name, its arguments and its re-run argument — as plain data, so
 * that the daemon can accept and check requests without loading a command's
 * code (the heavy ones load on their first job; see `registry.ts`).
 *
 * @module
 */
import type { Command } from "./types.ts";

/** A command without its implementation. */
export type CommandDefinition = Omit<Command, "run">;

/** The `export` command's arguments (SPEC §4). */
export const EXPORT_DEFINITION: CommandDefinition = {
  name: "export",
  args: {
    "format": { type: "string", default: "text/turtle" },
    "output-dest": { type: "string", required: true },
    "export-binaries": { type: "boolean", default: false },
    "binary-types": { type: "string" },
    "uri-template": { type: "string" },
    "on-behalf-of": { type: "string" },
  },
};

/** The `import` command's arguments (SPEC §4); `resume` runs a finished job again. */
export const IMPORT_DEFINITION: CommandDefinition = {
  name: "import",
  rerunArg: "resume",
  args: {
    model: { type: "string", required: true },
    "validate-only": { type: "boolean", default: false },
    limit: { type: "integer" },
    access: { type: "string" },
    "member-of": { type: "string" },
    "binaries-location": { type: "string" },
    relpath: { type: "string" },
    resume: { type: "boolean", default: false },
  },
};
