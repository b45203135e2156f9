/**
 * Each failure the repository or the network can produce gives the right
 * error class, with method, URI and status — against the real Fedora (and a
 * TCP proxy in front of it to drop a connection).
 */
import { deepStrictEqual as assertEquals, fail, ok as assert } from "node:assert/strict";
import { RepositoryClient } from "../../src/repository/client.ts";
import {
  AuthenticationError,
  ConnectionError,
  GoneError,
  NotFoundError,
} from "../../src/repository/errors.ts";
import { TcpProxy } from "../helpers/tcp_proxy.ts";
import { fedoraConfig, freshClient } from "./_fedora.ts";

async function failure(p: Promise<unknown>): Promise<unknown> {
  return await p.then(() => fail("expected a failure"), (e) => e);
}

Deno.test("a missing resource gives NotFoundError with method, URI and status", async () => {
  const repo = await freshClient();
  try {
    const uri = `${repo.baseContainer}/does-not-exist`;
    const e = await failure(repo.getGraph(uri));
    assert(e instanceof NotFoundError, `got ${e}`);
    assertEquals([e.method, e.uri, e.status], ["GET", uri, 404]);
    assert(e.message.includes(uri));
    assertEquals(await repo.exists(uri), false);
  } finally {
    await repo.delete(repo.baseContainer, { purge: true }).catch(() => {});
    repo.close();
  }
});

Deno.test("a deleted resource gives GoneError (tombstone) until it is purged", async () => {
  const repo = await freshClient();
  try {
    const uri = await repo.createContainer({ slug: "to-delete" });
    await repo.delete(uri);
    const e = await failure(repo.head(uri));
    assert(e instanceof GoneError, `got ${e}`);
    assertEquals([e.method, e.uri, e.status], ["HEAD", uri, 410]);
    assertEquals(await repo.exists(uri), false);
    // A new resource cannot take the URI while the tombstone is there …
    const taken = await failure(repo.createContainer({ uri }));
    assert(taken instanceof GoneError, `got ${taken}`);

    const purged = await repo.createContainer({ slug: "to-purge" });
    await repo.delete(purged, { purge: true });
    const gone = await failure(repo.head(purged));
    assert(gone instanceof NotFoundError, `after purge: got ${gone}`);
    // … but once purged it can be used again.
    assertEquals(await repo.createContainer({ uri: purged }), purged);
    assert(await repo.exists(purged));
  } finally {
    await repo.delete(repo.baseContainer, { purge: true }).catch(() => {});
    repo.close();
  }
});

Deno.test("wrong credentials give AuthenticationError (401)", async () => {
  const repo = await RepositoryClient.create(fedoraConfig({ fedoraPassword: "wrong-password" }));
  try {
    const e = await failure(repo.head(repo.endpoint));
    assert(e instanceof AuthenticationError, `got ${e}`);
    assertEquals([e.method, e.status], ["HEAD", 401]);
    assert(!e.message.includes("wrong-password"), "the password never appears in a message");
  } finally {
    repo.close();
  }
});

Deno.test("a refused connection gives ConnectionError after bounded retries", async () => {
  // A port that was just free: nothing listens on it.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const repo = await RepositoryClient.create(
    fedoraConfig({ restEndpoint: `http://127.0.0.1:${port}/fcrepo/rest` }),
    { retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 } },
  );
  try {
    const started = performance.now();
    const e = await failure(repo.getGraph(repo.endpoint));
    const elapsed = performance.now() - started;
    assert(e instanceof ConnectionError, `got ${e}`);
    assertEquals(e.status, undefined);
    assert(/refused/.test(e.message), e.message);
    // Two backoff pauses (~50 ms and ~100 ms) were taken, and no more.
    assert(elapsed >= 100 && elapsed < 2000, `elapsed ${elapsed} ms`);
  } finally {
    repo.close();
  }
});

Deno.test("a connection dropped mid-download gives ConnectionError while reading the body", async () => {
  const repo = await freshClient();
  const target = new URL(repo.endpoint);
  const proxy = TcpProxy.start({ host: target.hostname, port: Number(target.port) });
  const size = 32 * 1024 * 1024;
  try {
    const chunk = new Uint8Array(1024 * 1024).map((_, i) => (i * 31) & 0xff);
    let sent = 0;
    const { uri } = await repo.createBinary({
      body: new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent >= size) return c.close();
          c.enqueue(chunk.slice());
          sent += chunk.length;
        },
      }),
      contentType: "application/octet-stream",
    });
    const viaProxy = await RepositoryClient.create(
      fedoraConfig({ restEndpoint: repo.endpoint.replace(target.host, `127.0.0.1:${proxy.port}`) }),
    );
    try {
      const download = await viaProxy.getBinary(
        uri.replace(target.host, `127.0.0.1:${proxy.port}`),
      );
      assertEquals(download.contentLength, size);
      const reader = download.body.getReader();
      let received = (await reader.read()).value?.byteLength ?? 0;
      proxy.cut();
      const e = await (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return undefined;
          received += value.byteLength;
        }
      })().catch((err) => err);
      assert(e instanceof ConnectionError, `got ${e} after ${received} bytes`);
      assert(received < size, `received ${received} of ${size}`);
      assertEquals(e.method, "GET");
    } finally {
      viaProxy.close();
    }
  } finally {
    await proxy.close();
    await repo.delete(repo.baseContainer, { purge: true }).catch(() => {});
    repo.close();
  }
});
