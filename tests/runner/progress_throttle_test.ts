import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { ProgressThrottle } from "../../src/runner/progress_throttle.ts";

Deno.test("progress is throttled, merged, and the latest is flushed", async () => {
  const sent: Record<string, unknown>[] = [];
  const throttle = new ProgressThrottle((body) => sent.push(body), 100);
  for (let i = 1; i <= 50; i++) throttle.report({ progress: i });
  assertEquals(sent.length, 1); // the first goes out at once
  await new Promise((r) => setTimeout(r, 150));
  assertEquals(sent.length, 2); // the merged rest, once
  assertEquals(sent[1].progress, 50);
  throttle.report({ progress: 51 });
  throttle.flush();
  assertEquals(sent.at(-1)?.progress, 51);
  const time = sent[0].time as Record<string, number>;
  assert(time.started > 1e9 && time.now >= time.started && time.elapsed >= 0);
});
