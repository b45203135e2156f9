/**
 * The HTTP layer: each request reported to the metrics hook; header values
 * HTTP cannot carry refused clearly; a failing body source is not mistaken
 * for the network; bodies opened only when a connection is free and freed
 * when an attempt fails.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { BadRequestError } from "../../src/errors.ts";
import { onSample, type RepositoryRequestSample } from "../../src/metrics.ts";
import { RepositoryClient, type RepositoryClientOptions } from "../../src/repository/client.ts";
import { ConnectionError, RepositoryError } from "../../src/repository/errors.ts";
import { FaultServer } from "./_fault_server.ts";
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

/** A client of the real Fedora through a {@link FaultServer}. */
async function withFaults(
  fn: (repo: RepositoryClient, faults: FaultServer) => Promise<void>,
  options: RepositoryClientOptions = {},
): Promise<void> {
  const real = fedoraConfig();
  const origin = new URL(real.restEndpoint).origin;
  const faults = new FaultServer(origin);
  const relpath = `/plastrond-test/${crypto.randomUUID()}`;
  const repo = await RepositoryClient.create(
    { ...real, relpath, restEndpoint: real.restEndpoint.replace(origin, faults.origin) },
    { retry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 50 }, ...options },
  );
  try {
    await repo.ensureContainer(`${repo.endpoint}/plastrond-test`);
    await repo.ensureContainer(repo.baseContainer);
    await fn(repo, faults);
  } finally {
    await repo.delete(repo.baseContainer, { purge: true }).catch(() => {});
    repo.close();
    await faults.close();
  }
}

Deno.test("an On-Behalf-Of HTTP cannot carry is refused up front as a bad request naming the header", async () => {
  for (const user of ["jdoe\r\nX-Injected: 1", "日本語", "tab\tend\t", "nul\0"]) {
    const e = await RepositoryClient.create(fedoraConfig(), { onBehalfOf: user })
      .then((repo) => (repo.close(), undefined), (err) => err);
    assert(e instanceof BadRequestError, `${JSON.stringify(user)}: got ${e}`);
    assert(e.message.includes("On-Behalf-Of"), e.message);
  }
  // Latin-1 is what HTTP carries: accepted.
  const repo = await RepositoryClient.create(fedoraConfig(), { onBehalfOf: "josé" });
  repo.close();
});

Deno.test("a request header HTTP cannot carry gives a RepositoryError naming it, sent nowhere and not retried", async () => {
  await withFaults(async (repo, faults) => {
    faults.seen.length = 0;
    const e = await repo.createBinary({
      uri: `${repo.baseContainer}/bad-type`,
      body: new TextEncoder().encode("x"),
      contentType: "text/plain\r\nX-Injected: 1",
      sha256: "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881",
    }).then(() => undefined, (err) => err);
    assert(e instanceof RepositoryError && !(e instanceof ConnectionError), `got ${e}`);
    assert(e.message.includes("Content-Type header"), e.message);
    assertEquals(faults.seen, []);
  });
});

Deno.test("a body whose own source fails gives that error, not a retried ConnectionError", async () => {
  await withFaults(async (repo, faults) => {
    faults.seen.length = 0;
    let opened = 0;
    const e = await repo.createBinary({
      uri: `${repo.baseContainer}/vanishing`,
      body: () => {
        opened++;
        let sent = 0;
        return new ReadableStream<Uint8Array>({
          pull(c) {
            if (sent++ < 4) c.enqueue(new Uint8Array(64 * 1024));
            else c.error(new Error("the file went away while it was read"));
          },
        });
      },
      contentType: "application/octet-stream",
    }).then(() => undefined, (err) => err);
    assert(!(e instanceof ConnectionError), `got ${e}`);
    assertEquals((e as Error).message, "the file went away while it was read");
    assertEquals(opened, 1, "not retried");
  });
});

Deno.test("a body is opened only once a pool slot is free", async () => {
  await withFaults(async (repo, faults) => {
    faults.delayMs = 400;
    const started = performance.now();
    const busy = repo.head(repo.endpoint);
    let openedAfter = -1;
    const upload = repo.createBinary({
      uri: `${repo.baseContainer}/waits-for-a-slot`,
      body: () => {
        openedAfter = performance.now() - started;
        return new Blob(["bytes"]).stream();
      },
      contentType: "text/plain",
    });
    await Promise.all([busy, upload]);
    assert(
      openedAfter >= 350,
      `the body was opened after ${openedAfter} ms, before the slot was free`,
    );
  }, { maxConnections: 1 });
});

Deno.test("the body stream of a failed attempt is cancelled (its file handle freed) before the retry", async () => {
  await withFaults(async (repo, faults) => {
    // The first attempt is answered 503 without the server reading its (large) body.
    faults.failures = [503];
    const streams: Array<{ cancelled: boolean; ended: boolean }> = [];
    const chunk = new Uint8Array(64 * 1024);
    const created = await repo.createBinary({
      uri: `${repo.baseContainer}/retried`,
      body: () => {
        const state = { cancelled: false, ended: false };
        streams.push(state);
        // A "file" of 1 GiB for the refused attempt, of 64 KiB for the retry.
        let left = streams.length === 1 ? 16384 : 1;
        return new ReadableStream<Uint8Array>({
          pull(c) {
            if (left-- > 0) return c.enqueue(chunk.slice());
            state.ended = true;
            c.close();
          },
          cancel() {
            state.cancelled = true;
          },
        }, { highWaterMark: 0 });
      },
      contentType: "application/octet-stream",
    });
    assertEquals(created.size, 64 * 1024);
    assertEquals(streams.length, 2);
    assert(streams[0].cancelled, "the refused attempt's stream was cancelled");
    assert(!streams[0].ended, "… before it was read to the end");
    assert(streams[1].ended, "the retry's stream was read to the end");
  });
});
