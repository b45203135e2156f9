/**
 * Repository latency and items processed as the metrics module counts them:
 * requests of the real repository client against the test bed's Fedora, and
 * the counts of completion bodies.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import type { RepositoryConfig } from "../../src/config/types.ts";
import { reportSample } from "../../src/metrics.ts";
import { itemsProcessed, OpsMetrics } from "../../src/ops/metrics.ts";
import type { RunningDaemon } from "../../src/daemon.ts";
import { RepositoryClient } from "../../src/repository/client.ts";
import { testbedEnv } from "../support/testbed_env.ts";

/** Just enough of a running daemon for rendering (its counters are not under test here). */
function idleDaemon(): RunningDaemon {
  return {
    runner: {
      counters: { received: 0, done: 0, failed: 0, errors: 0, rejected: 0, duplicates: 0 },
      activeJobs: [],
      pendingCompletions: 0,
    },
    broker: { connected: true, reconnects: 0 },
  } as unknown as RunningDaemon;
}

function sample(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no sample ${name} in:\n${text}`);
  return Number(line.slice(name.length + 1));
}

Deno.test("repository requests to the real Fedora land in the latency histogram", async () => {
  const config: RepositoryConfig = {
    restEndpoint: testbedEnv("PLASTROND_TEST_FEDORA"),
    relpath: "/",
    fedoraUser: testbedEnv("PLASTROND_TEST_FEDORA_USER"),
    fedoraPassword: testbedEnv("PLASTROND_TEST_FEDORA_PASSWORD"),
  };
  const metrics = new OpsMetrics();
  const client = await RepositoryClient.create(config);
  try {
    for (let i = 0; i < 3; i++) await client.head(config.restEndpoint);
    const text = metrics.render(idleDaemon());
    assertEquals(sample(text, "plastrond_repository_request_duration_seconds_count"), 3);
    const inf = sample(text, 'plastrond_repository_request_duration_seconds_bucket{le="+Inf"}');
    assertEquals(inf, 3);
    const sum = sample(text, "plastrond_repository_request_duration_seconds_sum");
    assert(sum > 0 && sum < 30, `sum ${sum}`);
    // Buckets are cumulative.
    const buckets = text.split("\n").filter((l) => l.includes("_bucket{")).map((l) =>
      Number(l.split(" ")[1])
    );
    assert(buckets.every((n, i) => i === 0 || n >= buckets[i - 1]), buckets.join(","));
    assertEquals(sample(text, "plastrond_repository_request_errors_total"), 0);
  } finally {
    client.close();
    metrics.close();
  }
  // A closed collector stops counting.
  const after = new OpsMetrics();
  try {
    assertEquals(
      sample(after.render(idleDaemon()), "plastrond_repository_request_duration_seconds_count"),
      0,
    );
  } finally {
    after.close();
  }
});

Deno.test("items processed come from the completion counts of each command", () => {
  assertEquals(itemsProcessed({ count: { total: 5, rows: 4, created: 3 } }), 4);
  assertEquals(itemsProcessed({ count: { total: 9, exported: 7, errors: 2 } }), 9);
  assertEquals(itemsProcessed({ echo: "x" }), 0);
  const metrics = new OpsMetrics();
  try {
    reportSample("jobFinished", {
      command: "import",
      status: "Done",
      body: { count: { rows: 4 } },
    });
    reportSample("jobFinished", {
      command: "import",
      status: "Failed",
      body: { count: { rows: 2 } },
    });
    reportSample("jobFinished", {
      command: "export",
      status: "Done",
      body: { count: { exported: 3, errors: 0 } },
    });
    const text = metrics.render(idleDaemon());
    assertEquals(sample(text, 'plastrond_items_processed_total{command="import"}'), 6);
    assertEquals(sample(text, 'plastrond_items_processed_total{command="export"}'), 3);
  } finally {
    metrics.close();
  }
});
