/**
 * Drive a command the way the runner does: collect its progress reports and
 * its result.
 *
 * @module
 */
import type { Config } from "../../src/config/types.ts";
import type { Command, CommandResult, ParsedArgs, Progress } from "../../src/commands/types.ts";

/** What a command run produced. */
export interface CommandRun {
  progress: Progress[];
  result: CommandResult;
}

/** Run `command` to its end with `args` (defaults filled from its spec) and `body`. */
export async function runCommand(
  command: Command,
  config: Config,
  args: ParsedArgs,
  body: string,
  options: { jobId?: string; onBehalfOf?: string; signal?: AbortSignal } = {},
): Promise<CommandRun> {
  const full: ParsedArgs = {};
  for (const [name, spec] of Object.entries(command.args)) full[name] = spec.default;
  Object.assign(full, args);
  const generator = command.run({
    jobId: options.jobId ?? `test-${crypto.randomUUID()}`,
    args: full,
    body,
    onBehalfOf: options.onBehalfOf,
    config,
    signal: options.signal ?? new AbortController().signal,
  });
  const progress: Progress[] = [];
  while (true) {
    const step = await generator.next();
    if (step.done) return { progress, result: step.value };
    progress.push(step.value);
  }
}
