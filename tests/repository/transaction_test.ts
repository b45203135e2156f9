/**
 * Transactions against the real Fedora: a failure part way leaves nothing
 * behind, keep-alive outlives the server's timeout, a failed keep-alive
 * fails the work at once. Plus the Fedora 4 `tx:` URI mapping.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { DataFactory } from "n3";
import { ns } from "../../src/rdf/namespaces.ts";
import { THIS_RESOURCE } from "../../src/repository/client.ts";
import { NotFoundError, RepositoryError, TransactionError } from "../../src/repository/errors.ts";
import {
  detectTransactionStyle,
  fromTransactionUri,
  toTransactionUri,
  type Transaction,
} from "../../src/repository/transaction.ts";
import { sleep } from "../../src/repository/retry.ts";
import { fedoraConfig, freshClient } from "./_fedora.ts";

const { literal, quad } = DataFactory;

/** Rolls a transaction back with plain fetch, as another party would. */
async function rollBackBehindItsBack(tx: Transaction): Promise<void> {
  const config = fedoraConfig();
  const res = await fetch(
    tx.style === "fedora6" ? tx.location : `${tx.location}/fcr:tx/fcr:rollback`,
    {
      method: tx.style === "fedora6" ? "DELETE" : "POST",
      headers: { Authorization: `Basic ${btoa(`${config.fedoraUser}:${config.fedoraPassword}`)}` },
    },
  );
  await res.body?.cancel();
  assert(res.status === 204 || res.status === 200, `rollback answered ${res.status}`);
}

Deno.test("a request refused in the middle of a transaction leaves nothing behind", async () => {
  const repo = await freshClient();
  try {
    const created: string[] = [];
    const e = await repo.transaction(async (tx) => {
      created.push(
        await tx.createContainer({
          graph: [quad(THIS_RESOURCE, ns.dcterms("title"), literal("first"))],
        }),
      );
      created.push(await tx.createContainer({ parent: created[0], slug: "second" }));
      // The third request is refused by Fedora: a server-managed property cannot be set.
      await tx.patch(created[0], {
        deletes: [],
        inserts: [
          quad(
            DataFactory.namedNode(created[0]),
            ns.fedora("created"),
            literal("2001-01-01T00:00:00Z", ns.xsd("dateTime")),
          ),
        ],
      });
      created.push("not reached");
    }).then(() => undefined, (err) => err);
    assert(e instanceof RepositoryError, `got ${e}`);
    assertEquals(e.method, "PATCH");
    assert(e.status! >= 400 && e.status! < 500, `status ${e.status}`);
    assertEquals(created.length, 2);
    for (const uri of created) {
      const missing = await repo.head(uri).then(() => undefined, (err) => err);
      assert(missing instanceof NotFoundError, `${uri} must not exist, got ${missing}`);
    }
    assertEquals(await repo.children(repo.baseContainer), []);
  } finally {
    await repo.delete(repo.baseContainer, { purge: true }).catch(() => {});
    repo.close();
  }
});

Deno.test("an exception in the work rolls the transaction back", async () => {
  const repo = await freshClient();
  try {
    let uri = "";
    let state = "";
    const e = await repo.transaction(async (tx) => {
      uri = await tx.createContainer();
      state = tx.transactionInUse!.state;
      throw new Error("row failed validation");
    }).then(() => undefined, (err) => err);
    assertEquals((e as Error).message, "row failed validation");
    assertEquals(state, "open");
    assertEquals(await repo.exists(uri), false);
  } finally {
    await repo.delete(repo.baseContainer, { purge: true }).catch(() => {});
    repo.close();
  }
});

Deno.test("keep-alive holds a transaction open longer than Fedora's timeout", async () => {
  const repo = await freshClient();
  try {
    const kept = await repo.beginTransaction();
    // The same, without keep-alive (and without any request, which would extend it too).
    const idle = await repo.beginTransaction({ keepAliveMs: 3_600_000 });
    const keptTx = kept.transactionInUse!;
    const idleTx = idle.transactionInUse!;
    const expires = idleTx.expiresAt;
    assert(expires, "Fedora says when the transaction expires");
    const timeoutMs = expires.getTime() - Date.now();
    assert(
      timeoutMs < 200_000,
      `Fedora's transaction timeout is ${timeoutMs} ms; start the test bed's Fedora with FEDORA_SESSION_TIMEOUT=60000`,
    );
    const keptUri = await kept.createContainer({ slug: "kept" });
    // Wait past the timeout (Fedora checks expiry when the transaction is next used).
    await new Promise((r) => setTimeout(r, timeoutMs + 5_000));
    assert(keptTx.keepAlives >= 2, `keep-alives sent: ${keptTx.keepAlives}`);
    assert(keptTx.expiresAt!.getTime() > Date.now(), "the kept one's expiry moved on");
    await kept.createContainer({ parent: keptUri, slug: "after-timeout" });
    await keptTx.commit();
    assert(await repo.exists(keptUri));
    assert(await repo.exists(`${keptUri}/after-timeout`));

    const e = await idleTx.commit().then(() => undefined, (err) => err);
    assert(e instanceof TransactionError, `the idle one expired; got ${e}`);
    await idleTx.rollback().catch(() => {});
  } finally {
    await repo.delete(repo.baseContainer, { purge: true }).catch(() => {});
    repo.close();
  }
});

Deno.test("a failed keep-alive fails the work at once", async () => {
  const repo = await freshClient();
  try {
    let afterFailure: unknown;
    let requestMs = Infinity;
    const started = performance.now();
    const e = await repo.transaction(async (tx) => {
      const transaction = tx.transactionInUse!;
      // Someone else ends the transaction behind our back (as a server restart would).
      await rollBackBehindItsBack(transaction);
      // Long work that listens to the transaction's signal is interrupted by the failed keep-alive …
      await sleep(30_000, transaction.signal).catch((err) => {
        // … and every later request fails at once, without going to the server.
        const t0 = performance.now();
        return tx.exists(repo.baseContainer).catch((later) => {
          requestMs = performance.now() - t0;
          afterFailure = later;
          throw err;
        });
      });
    }, { keepAliveMs: 300 }).then(() => undefined, (err) => err);
    const elapsed = performance.now() - started;
    assert(e instanceof TransactionError, `got ${e}`);
    assert(/kept alive/.test(e.message), e.message);
    // Fedora 6 answers 410 Gone, Fedora 4.7 a 500, to a keep-alive of an ended transaction.
    assert(e.status! >= 400, `status ${e.status}`);
    assert(elapsed < 5000, `failed after ${elapsed} ms`);
    assert(afterFailure instanceof TransactionError, `later request: ${afterFailure}`);
    assert(requestMs < 20, `later request took ${requestMs} ms`);
  } finally {
    await repo.delete(repo.baseContainer, { purge: true }).catch(() => {});
    repo.close();
  }
});

Deno.test("a request in a transaction closed by the server gives TransactionError", async () => {
  const repo = await freshClient();
  try {
    const bound = await repo.beginTransaction({ keepAliveMs: 3_600_000 });
    const tx = bound.transactionInUse!;
    await rollBackBehindItsBack(tx);
    const e = await bound.createContainer().then(() => undefined, (err) => err);
    assert(e instanceof TransactionError, `got ${e}`);
    assertEquals(e.method, "POST");
    assert(e.status === 409 || e.status === 410, `status ${e.status}`);
    await tx.rollback();
  } finally {
    await repo.delete(repo.baseContainer, { purge: true }).catch(() => {});
    repo.close();
  }
});

Deno.test("transaction style is detected from the Location Fedora answers with", () => {
  assertEquals(detectTransactionStyle("http://h/fcrepo/rest/fcr:tx/3f1e-aa"), "fedora6");
  assertEquals(detectTransactionStyle("http://h/rest/tx:83e34464-144e-43d9"), "fedora4");
  assertEquals(detectTransactionStyle("http://h/rest/something"), undefined);
});

Deno.test("Fedora 4 transaction URIs: requests go under tx:, answers come back without it", () => {
  const endpoint = "http://h/rest";
  const location = "http://h/rest/tx:abc";
  assertEquals(
    toTransactionUri(endpoint, location, "http://h/rest/a/b"),
    "http://h/rest/tx:abc/a/b",
  );
  assertEquals(toTransactionUri(endpoint, location, endpoint), location);
  assertEquals(toTransactionUri(endpoint, location, "http://other/x"), "http://other/x");
  assertEquals(toTransactionUri(endpoint, location, "http://h/restless"), "http://h/restless");
  assertEquals(
    fromTransactionUri(endpoint, location, "http://h/rest/tx:abc/a/b"),
    "http://h/rest/a/b",
  );
  assertEquals(fromTransactionUri(endpoint, location, location), endpoint);
  assertEquals(
    fromTransactionUri(endpoint, location, "http://h/rest/tx:abcd/x"),
    "http://h/rest/tx:abcd/x",
  );
});
