/** The HTTP layer reports each repository request to the neutral metrics hook. */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { onSample, type RepositoryRequestSample } from "../../src/metrics.ts";
import { RepositoryClient } from "../../src/repository/client.ts";
import { fedoraConfig } from "./_fedora.ts";

Deno.test("each repository request is reported with method, status and duration", async () => {
  const samples: RepositoryRequestSample[] = [];
  const stop = onSample("repositoryRequest", (s) => samples.push(s));
  const repo = await RepositoryClient.create(fedoraConfig());
  try {
    await repo.head(repo.endpoint);
    await repo.exists(`${repo.endpoint}/no-such-${crypto.randomUUID()}`);
  } finally {
    stop();
    repo.close();
  }
  assertEquals(samples.map((s) => [s.method, s.status]), [["HEAD", 200], ["HEAD", 404]]);
  assert(samples.every((s) => s.seconds > 0 && s.seconds < 10));
});
