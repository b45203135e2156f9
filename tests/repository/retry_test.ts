/**
 * Retries: 502/503/504 and connection errors are retried a bounded number
 * of times for idempotent requests (and any request inside a transaction);
 * 4xx never; non-idempotent requests outside a transaction never. A fault
 * server answers the injected failures, then forwards to the real Fedora.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { RepositoryClient } from "../../src/repository/client.ts";
import { NotFoundError, RepositoryError } from "../../src/repository/errors.ts";
import { backoffDelay } from "../../src/repository/retry.ts";
import { FaultServer } from "./_fault_server.ts";
import { fedoraConfig } from "./_fedora.ts";

const FAST = { attempts: 4, baseDelayMs: 10, maxDelayMs: 50 };

async function withFaults(
  fn: (repo: RepositoryClient, faults: FaultServer) => Promise<void>,
  maxConnections?: number,
): Promise<void> {
  const real = fedoraConfig();
  const origin = new URL(real.restEndpoint).origin;
  const faults = new FaultServer(origin);
  const repo = await RepositoryClient.create(
    { ...real, restEndpoint: real.restEndpoint.replace(origin, faults.origin) },
    { retry: FAST, maxConnections },
  );
  try {
    await fn(repo, faults);
  } finally {
    repo.close();
    await faults.close();
  }
}

Deno.test("GET is retried after 502, 503 and 504 and then succeeds", async () => {
  await withFaults(async (repo, faults) => {
    faults.failures = [502, 503, 504];
    const resource = await repo.getGraph(repo.endpoint);
    assert(resource.graph.length > 0);
    assertEquals(faults.seen.length, 4);
  });
});

Deno.test("retries are bounded: the last transient failure is thrown", async () => {
  await withFaults(async (repo, faults) => {
    faults.failures = [503, 503, 503, 503, 503];
    const e = await repo.getGraph(repo.endpoint).catch((err) => err);
    assert(e instanceof RepositoryError && !(e instanceof NotFoundError), `got ${e}`);
    assertEquals(e.status, 503);
    assertEquals(faults.seen.length, FAST.attempts);
    assert(e.message.includes("injected failure 503"), "the server's message is kept");
  });
});

Deno.test("a read is retried after a 500; a write outside a transaction is not", async () => {
  await withFaults(async (repo, faults) => {
    faults.failures = [500];
    assert((await repo.head(repo.endpoint)).uri);
    assertEquals(faults.seen.length, 2, faults.seen.join(", "));

    faults.seen.length = 0;
    faults.failures = [500];
    const e = await repo.createContainer({ parent: repo.endpoint }).catch((err) => err);
    assert(e instanceof RepositoryError, `got ${e}`);
    assertEquals(e.status, 500);
    assertEquals(faults.seen, ["POST /fcrepo/rest"]);
  });
});

Deno.test("4xx is never retried", async () => {
  await withFaults(async (repo, faults) => {
    const e = await repo.head(`${repo.endpoint}/no-such-thing-${crypto.randomUUID()}`)
      .catch((err) => err);
    assert(e instanceof NotFoundError, `got ${e}`);
    assertEquals(faults.seen.length, 1);
  });
});

Deno.test("POST outside a transaction is not retried; inside one it is", async () => {
  await withFaults(async (repo, faults) => {
    faults.failures = [503];
    const e = await repo.createContainer({ parent: repo.endpoint }).catch((err) => err);
    assert(e instanceof RepositoryError, `got ${e}`);
    assertEquals(e.status, 503);
    assertEquals(faults.seen, ["POST /fcrepo/rest"]);

    faults.seen.length = 0;
    let created = "";
    await repo.transaction(async (tx) => {
      faults.failures = [503];
      created = await tx.createContainer({ parent: repo.endpoint });
    });
    // Fedora 6 takes it at the endpoint, Fedora 4 under the endpoint's tx: prefix.
    const creations = faults.seen.filter((s) =>
      /^POST \/fcrepo\/rest(\/tx:[^/]+)?$/.test(s) && !s.endsWith("/fcr:tx")
    );
    assertEquals(creations.length, 2, faults.seen.join(", "));
    assert(await repo.exists(created), "created once, committed");
    await repo.delete(created, { purge: true });
  });
});

Deno.test("backoff doubles and stays within its cap", () => {
  const policy = { attempts: 6, baseDelayMs: 100, maxDelayMs: 500 };
  for (let i = 0; i < 50; i++) {
    const d1 = backoffDelay(policy, 1);
    const d3 = backoffDelay(policy, 3);
    const d5 = backoffDelay(policy, 5);
    assert(d1 >= 75 && d1 <= 125, `first ${d1}`);
    assert(d3 >= 300 && d3 <= 500, `third ${d3}`);
    assert(d5 >= 375 && d5 <= 625, `capped ${d5}`);
  }
});

Deno.test("the connection pool bounds requests in flight, and concurrent work still completes", async () => {
  await withFaults(async (repo, faults) => {
    faults.delayMs = 100;
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 9 }, () => repo.head(repo.endpoint)),
    );
    const elapsed = performance.now() - started;
    assertEquals(results.length, 9);
    assertEquals(faults.maxInFlight, 3);
    // Nine requests of 100 ms through three slots take three rounds.
    assert(elapsed >= 300 && elapsed < 3000, `elapsed ${elapsed} ms`);
  }, 3);
});
