/**
 * `echo`: returns the body, optionally after `echo-delay` seconds. Operators
 * use it to check the pipeline end to end.
 *
 * @module
 */
import { BadRequestError } from "../errors.ts";
import type { Command, CommandContext, CommandResult, Progress } from "./types.ts";

/** Wait `ms` milliseconds, or until `signal` aborts (then throw its reason). */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** The `echo` command. */
export const echoCommand: Command = {
  name: "echo",
  args: { "echo-delay": { type: "integer", default: 0 } },
  async *run(context: CommandContext): AsyncGenerator<Progress, CommandResult, void> {
    const seconds = context.args["echo-delay"] as number;
    if (seconds < 0) {
      throw new BadRequestError(`argument echo-delay must not be negative, not ${seconds}`);
    }
    if (seconds > 0) await delay(seconds * 1000, context.signal);
    yield { echo: context.body };
    return { status: "Done", state: "echo_complete", body: { type: "Done", echo: context.body } };
  },
};
