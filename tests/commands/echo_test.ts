import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import {
  ECHO_PROGRESS_CHARS,
  echoCommand,
  echoProgress,
  MAX_ECHO_DELAY_SECONDS,
} from "../../src/commands/echo.ts";
import type { CommandContext, CommandResult, Progress } from "../../src/commands/types.ts";
import { BadRequestError } from "../../src/errors.ts";
import { testConfig } from "../support/pcdm_objects.ts";

async function runEcho(
  body: string,
  delay: number,
  signal = new AbortController().signal,
): Promise<{ progress: Progress[]; result: CommandResult }> {
  const context: CommandContext = {
    jobId: "echo-test",
    args: { "echo-delay": delay },
    body,
    config: testConfig(),
    signal,
  };
  const generator = echoCommand.run(context);
  const progress: Progress[] = [];
  for (;;) {
    const step = await generator.next();
    if (step.done) return { progress, result: step.value };
    progress.push(step.value);
  }
}

Deno.test("echo returns the body after one progress report carrying it", async () => {
  const { progress, result } = await runEcho("hello ✓", 0);
  assertEquals(progress, [{ echo: "hello ✓" }]);
  assertEquals(result, {
    status: "Done",
    state: "echo_complete",
    body: { type: "Done", echo: "hello ✓" },
  });
});

Deno.test("an echo-delay over one day is a bad request (a timer that long would fire at once)", async () => {
  await assertRejects(
    () => runEcho("x", MAX_ECHO_DELAY_SECONDS + 1),
    (e) => e instanceof BadRequestError && /at most 86400 seconds/.test(e.message),
  );
  await assertRejects(() => runEcho("x", 3_000_000), BadRequestError);
  await assertRejects(() => runEcho("x", -1), BadRequestError);
});

Deno.test("the wait stops at once when the daemon shuts down, with the signal's reason", async () => {
  const controller = new AbortController();
  const started = Date.now();
  const run = runEcho("x", 60, controller.signal);
  setTimeout(() => controller.abort(new Error("shutting down")), 50);
  await assertRejects(() => run, /shutting down/);
  assert(Date.now() - started < 5_000);
});

Deno.test("a large body goes whole into the result but only its start into the progress", async () => {
  const body = "😀".repeat(ECHO_PROGRESS_CHARS); // two UTF-16 units each
  const { progress, result } = await runEcho(body, 0);
  assertEquals(result.body.echo, body);
  const report = progress[0];
  assertEquals(report.truncated, true);
  assertEquals(report.length, body.length);
  const preview = report.echo as string;
  assert(preview.length <= ECHO_PROGRESS_CHARS && preview.length >= ECHO_PROGRESS_CHARS - 1);
  assert(body.startsWith(preview));
  assert(!/[\ud800-\udbff]$/.test(preview), "no half surrogate pair at the end");
  assertEquals(echoProgress("small"), { echo: "small" });
});
