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

/** The longest `echo-delay`, in seconds (one day). */
export const MAX_ECHO_DELAY_SECONDS = 86_400;

/**
 * The progress message carries at most this many characters of the body
 * (the completion carries all of it), so a large body is not sent twice.
 */
export const ECHO_PROGRESS_CHARS = 64 * 1024;

/** The progress report: the body, or its start with `truncated` and the full `length`. */
export function echoProgress(body: string): Progress {
  if (body.length <= ECHO_PROGRESS_CHARS) return { echo: body };
  let end = ECHO_PROGRESS_CHARS;
  const last = body.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // do not split a surrogate pair
  return { echo: body.slice(0, end), truncated: true, length: body.length };
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
    if (seconds > MAX_ECHO_DELAY_SECONDS) {
      throw new BadRequestError(
        `argument echo-delay must be at most ${MAX_ECHO_DELAY_SECONDS} seconds (one day), ` +
          `not ${seconds}`,
      );
    }
    // Aborted at shutdown: the wait is the safe point, the job runs again later.
    if (seconds > 0) await delay(seconds * 1000, context.signal);
    yield echoProgress(context.body);
    return { status: "Done", state: "echo_complete", body: { type: "Done", echo: context.body } };
  },
};
