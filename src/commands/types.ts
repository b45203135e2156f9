/**
 * The contract between the job runner and a command. A command never talks to
 * the broker: it yields progress and returns its result; the runner sends.
 *
 * @module
 */
import type { Config } from "../config/types.ts";

/** How one `PlastronArg-*` header is parsed. */
export interface ArgSpec {
  type: "string" | "boolean" | "integer";
  /** Used when the header is absent. */
  default?: string | boolean | number;
  /** A missing required argument is a bad request. */
  required?: boolean;
}

/** Parsed argument values, keyed by argument name (`echo-delay`, `output-dest`…). */
export type ParsedArgs = Record<string, string | boolean | number | undefined>;

/** What a command gets to run one job. */
export interface CommandContext {
  /** The `PlastronJobId`. */
  jobId: string;
  /** Arguments parsed against the command's {@linkcode Command.args}. */
  args: ParsedArgs;
  /** The body, decoded as UTF-8 with a leading BOM removed. */
  body: string;
  /** `PlastronArg-on-behalf-of`, handed to the repository client as `On-Behalf-Of`. */
  onBehalfOf?: string;
  /** The daemon's configuration. */
  config: Config;
  /**
   * Aborted when the daemon shuts down: stop at the next safe point by
   * throwing the signal's reason. The job stays in the inbox and runs again.
   */
  signal: AbortSignal;
}

/** A progress report; the runner adds `time` and throttles sending. */
export type Progress = Record<string, unknown>;

/** A command's outcome. */
export interface CommandResult {
  /** `Done` or `Failed` (`Error` is reserved for jobs that could not run). */
  status: "Done" | "Failed";
  /** The finer `PlastronJobState`, e.g. `export_complete`. */
  state: string;
  /** For `Failed`: one line a librarian can act on. */
  error?: string;
  /** The completion's JSON body. */
  body: Record<string, unknown>;
}

/** A command: a name, its arguments, and an async generator that runs it. */
export interface Command {
  name: string;
  args: Record<string, ArgSpec>;
  /**
   * A boolean argument that, when true, makes a request for a job id that
   * already finished run again instead of being answered with the stored
   * completion (the command continues from its own job state, e.g. import's
   * `resume`). Its new completion replaces the stored one.
   */
  rerunArg?: string;
  run(context: CommandContext): AsyncGenerator<Progress, CommandResult, void>;
}
