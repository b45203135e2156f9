/**
 * Run by `export_test.ts` in a child process with `--expose-gc`: runs the
 * real export command on the URIs it is given and, at each progress report,
 * collects the garbage and records the heap in use. Input (stdin): JSON
 * `{config, args, body}`; output (stdout): JSON `{heap: number[], result}`.
 *
 * @module
 */
import { exportCommand } from "../../src/commands/export.ts";
import type { Config } from "../../src/config/types.ts";
import type { ParsedArgs } from "../../src/commands/types.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");
const input = JSON.parse(await new Response(Deno.stdin.readable).text()) as {
  config: Config;
  args: ParsedArgs;
  body: string;
};
const generator = exportCommand.run({
  jobId: `test-export-memory-${crypto.randomUUID()}`,
  args: input.args,
  body: input.body,
  config: input.config,
  signal: new AbortController().signal,
});
const heap: number[] = [];
for (;;) {
  const step = await generator.next();
  if (step.done) {
    console.log(JSON.stringify({ heap, result: step.value }));
    break;
  }
  gc();
  gc();
  heap.push(Deno.memoryUsage().heapUsed);
}
