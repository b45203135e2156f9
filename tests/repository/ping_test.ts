/** The start-up ping of the repository: never throws, says what it found. */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { pingRepository } from "../../src/repository/ping.ts";
import { fedoraConfig } from "./_fedora.ts";

Deno.test("ping succeeds against the real Fedora", async () => {
  const result = await pingRepository(fedoraConfig());
  assertEquals(result.ok, true, result.message);
  assert(result.message.includes(fedoraConfig().restEndpoint));
});

Deno.test("ping with wrong credentials says so, without the password", async () => {
  const result = await pingRepository(fedoraConfig({ fedoraPassword: "not-the-password" }));
  assertEquals(result.ok, false);
  assert(/401/.test(result.message) && /credentials/.test(result.message), result.message);
  assert(!result.message.includes("not-the-password"));
  assert(/jobs .* will fail/.test(result.message), result.message);
});

Deno.test("ping of a repository that is down reports it and returns quickly", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const started = performance.now();
  const result = await pingRepository(
    fedoraConfig({ restEndpoint: `http://127.0.0.1:${port}/fcrepo/rest` }),
  );
  assertEquals(result.ok, false);
  assert(/refused/.test(result.message), result.message);
  assert(performance.now() - started < 2000);
});

Deno.test("ping of a repository that never answers gives up after the timeout", async () => {
  // Accepts connections and never answers: a hung server.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const c of listener) conns.push(c);
  })().catch(() => {});
  try {
    const port = (listener.addr as Deno.NetAddr).port;
    const started = performance.now();
    const result = await pingRepository(
      fedoraConfig({ restEndpoint: `http://127.0.0.1:${port}/fcrepo/rest` }),
      300,
    );
    const elapsed = performance.now() - started;
    assertEquals(result.ok, false);
    assert(/no answer within 300 ms/.test(result.message), result.message);
    assert(elapsed >= 250 && elapsed < 2000, `elapsed ${elapsed}`);
  } finally {
    listener.close();
    for (const c of conns) c.close();
    await accepting;
  }
});
